#!/usr/bin/env python3
"""Checks that the module import graph of src/ has no cycle, and prints it.

A module is a source file (a folder's mod.rs is the folder's module; an inline `mod name { .. }`
belongs to its file). An edge A -> B means A's text names a path into B: `crate::b::..`,
`$crate::b::..` (macros count for the file that defines them), `super::..` resolved from A, or a
crate-root re-export (`crate::Engine`) resolved through lib.rs's `pub use` lines. Declaring a
child module (`mod x;`) is containment, not an edge. Exit status 1 on a cycle.

    python3 scripts/module-graph.py            # check, print the cycles if any
    python3 scripts/module-graph.py --edges    # also print every edge
"""
import os
import re
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")


def module_of(path):
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return tuple(rel)


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    text = re.sub(r'"(\\.|[^"\\])*"', '""', text)
    # Visibility paths (`pub(in crate::backends)`) name a scope, not an import.
    text = re.sub(r"pub\(in [\w:]+\)", "pub", text)
    # Unit-test modules (`#[cfg(test)] mod tests { .. }`, last in their file) are not part of
    # the library's graph, and their `super::` means the file's own module.
    return re.split(r"#\[cfg\(test\)\]\s*mod \w+\s*\{", text)[0]


files = {}
for d, _, names in os.walk(ROOT):
    for n in names:
        if n.endswith(".rs"):
            p = os.path.join(d, n)
            files[module_of(p)] = strip_comments(open(p, encoding="utf-8").read())
modules = set(files)

# Crate-root re-exports: `pub use a::b::{X, Y}` / `pub use a::*`.
reexport = {}
for m in re.finditer(r"pub use ([\w:]+)::(\{[^}]*\}|\w+|\*)\s*;", files[()]):
    target = tuple(m.group(1).split("::"))
    for name in re.findall(r"\w+", m.group(2)) or ["*"]:
        reexport[name] = target


def resolve(src, parts):
    """The deepest module named by a path of segments (from the crate root)."""
    if parts and parts[0] in reexport and (parts[0],) not in modules:
        parts = list(reexport[parts[0]]) + parts[1:]
    best = ()
    for i in range(1, len(parts) + 1):
        if tuple(parts[:i]) in modules:
            best = tuple(parts[:i])
    return best


edges = {m: set() for m in modules}
for mod, text in files.items():
    # Paths from the crate root.
    for m in re.finditer(r"\$?crate::([\w:]+(?:::\{[^}]*\})?)", text):
        path = m.group(1)
        heads = [path.split("::{")[0]] if "::{" not in path else []
        if "::{" in path:
            base, inner = path.split("::{", 1)
            heads = [base + "::" + x.strip() for x in inner.rstrip("}").split(",") if x.strip()]
        for h in heads:
            target = resolve(mod, [s for s in h.split("::") if s and s != "self"])
            if target != mod:
                edges[mod].add(target)
    # Paths relative to this module: `child::..` or `self::child::..`.
    for m in re.finditer(r"(?<![\w:$])(?:self::)?((?:\w+::)+)", text):
        segs = [x for x in m.group(1).split("::") if x]
        if mod + (segs[0],) in modules:
            target = resolve(mod, list(mod) + segs)
            if target != mod:
                edges[mod].add(target)
    # `super::` paths.
    for m in re.finditer(r"\bsuper::((?:super::)*)([\w:]*)", text):
        up = 1 + m.group(1).count("super::")
        base = list(mod[: len(mod) - up]) if len(mod) >= up else []
        target = resolve(mod, base + [s for s in m.group(2).split("::") if s])
        if target != mod:
            edges[mod].add(target)

# A child naming an item of its ancestor's file is an edge to that ancestor; an ancestor
# naming its child is an edge the other way: both directions make a cycle, which is reported.
name = lambda m: "::".join(("crate",) + m)
if "--edges" in sys.argv:
    for m in sorted(edges):
        for t in sorted(edges[m]):
            print(f"{name(m)} -> {name(t)}")

# Tarjan's strongly connected components.
index, low, stack, on, sccs, counter = {}, {}, [], set(), [], [0]


def visit(v):
    index[v] = low[v] = counter[0]
    counter[0] += 1
    stack.append(v)
    on.add(v)
    for w in edges[v]:
        if w not in index:
            visit(w)
            low[v] = min(low[v], low[w])
        elif w in on:
            low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop()
            on.discard(w)
            comp.append(w)
            if w == v:
                break
        if len(comp) > 1 or v in edges[v]:
            sccs.append(comp)


sys.setrecursionlimit(10000)
for v in sorted(modules):
    if v not in index:
        visit(v)

n_edges = sum(len(e) for e in edges.values())
if sccs:
    for c in sccs:
        print("cycle among: " + ", ".join(sorted(name(m) for m in c)))
    print(f"module graph: {len(modules)} modules, {n_edges} edges, {len(sccs)} cycle(s)")
    sys.exit(1)
print(f"module graph: {len(modules)} modules, {n_edges} edges, no cycle")
