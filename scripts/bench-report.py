#!/usr/bin/env python3
"""Turn one criterion run of `benches/kernels.rs` into the README's performance table and a plot.

    cargo bench -p rvf-kernels-bench       # one full run (about 10 minutes)
    python3 scripts/bench-report.py        # writes docs/performance.md, docs/throughput.svg,
                                           # and the table between the README's perf markers

    scripts/bench-avx2.sh                  # the AVX2 comparison: this crate's `avx2` tier
                                           # against simsimd built with its AVX2 kernels only;
                                           # calls `bench-report.py --avx2-peers`, which writes
                                           # the table between the README's perf-avx2 markers
                                           # (`--markers NAME`: between NAME's, the section
                                           # of another machine)

Every group holds this crate's backends (`rvf-<backend>`) and the peers users would pick instead,
measured in the same run. For each group the table gives the fastest rvf backend, its median
time and throughput, and its speed-up over each peer (peer median / rvf median; above 1 means
rvf is faster). Rows where a peer is faster are listed again under "Where a peer is ahead".
"""

import json
import os
import re
import subprocess
import sys
from collections import defaultdict

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The benches are the workspace member `rvf-kernels-bench` (benches/Cargo.toml); criterion writes
# into the workspace's target dir: target/criterion at the root, or $CARGO_TARGET_DIR/criterion.
CRIT = os.path.join(ROOT, os.environ.get("CARGO_TARGET_DIR") or "target", "criterion")
FLAGS = ["avx2", "fma", "f16c", "popcnt", "pclmulqdq", "vpclmulqdq", "avx512f", "avx512bw", "avx512vl",
         "avx512_vnni", "avx512_vpopcntdq", "avx512_bf16", "avx512_fp16", "asimd", "asimddp", "crc32", "pmull"]


def load():
    rows = {}
    for dirpath, _dirs, files in os.walk(CRIT):
        if os.path.basename(dirpath) != "new" or "benchmark.json" not in files:
            continue
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            b = json.load(f)
        with open(os.path.join(dirpath, "estimates.json")) as f:
            e = json.load(f)
        tp = (b.get("throughput") or {}).get("Bytes")
        rows[(b["group_id"], b["function_id"])] = (e["median"]["point_estimate"], tp)
    return rows


def machine():
    model, flags = "unknown CPU", set()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name") and model == "unknown CPU":
                    model = line.split(":", 1)[1].strip()
                if line.startswith(("flags", "Features")) and not flags:
                    flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    cores = os.cpu_count()
    try:
        rustc = subprocess.run(["rustc", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        rustc = "rustc ?"
    return f"{model}, {cores} cores; features: {' '.join(x for x in FLAGS if x in flags)}; {rustc}"


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.1f} ns"


def sort_key(group):
    kernel, _, size = group.partition("/")
    num = re.match(r"\d+", size)
    return (kernel, int(num.group()) if num else 0, size)


def stream_table(rows):
    """The streaming groups (`stream_<form>/<dim>`): every function's rate as a share of the read
    probe measured in the same group, and `par-search` over `search`."""
    groups = defaultdict(dict)
    for (g, fn), v in rows.items():
        if g.startswith("stream_"):
            groups[g][fn] = v
    lines = ["| group | read probe GB/s | GB/s (share of the probe) | par-search / search |",
             "|---|---:|---|---:|"]
    for g in sorted(groups, key=sort_key):
        fns = groups[g]
        if "read-probe" not in fns:
            continue
        probe = fns["read-probe"][0]
        tp = fns["read-probe"][1]
        cells = [f"{fn} {tp / t:.1f} ({100 * probe / t:.0f} %)" for fn, (t, _) in sorted(fns.items())
                 if fn != "read-probe" and tp]
        par = ""
        if "search" in fns and "par-search" in fns:
            par = f"{fns['search'][0] / fns['par-search'][0]:.2f}x"
        lines.append(f"| `{g}` | {tp / probe:.1f} | {'; '.join(cells)} | {par or '-'} |")
    return "\n".join(lines) if len(lines) > 2 else ""


def table(rows):
    groups = defaultdict(dict)
    for (g, fn), v in rows.items():
        if g.startswith("stream_"):
            continue
        groups[g][fn] = v
    lines = ["| group | fastest rvf backend | median | GB/s | speed-up over peers (same run) | other rvf backends |",
             "|---|---|---:|---:|---|---|"]
    behind = []
    for g in sorted(groups, key=sort_key):
        fns = groups[g]
        ours = {k: v for k, v in fns.items() if k.startswith("rvf-")}
        peers = {k: v for k, v in fns.items() if not k.startswith("rvf-")}
        if not ours:
            continue
        best = min(ours, key=lambda k: ours[k][0])
        t, tp = ours[best]
        gbs = f"{tp / t:.2f}" if tp else ""
        cells = []
        for p in sorted(peers):
            r = peers[p][0] / t
            cells.append(f"{p} {r:.2f}x")
            if r < 1.0:
                behind.append(f"- `{g}`: {p} {fmt_time(peers[p][0])} vs rvf-{best[4:]} {fmt_time(t)} ({r:.2f}x)")
        others = ", ".join(f"{k[4:]} {fmt_time(v[0])}" for k, v in sorted(ours.items()) if k != best)
        lines.append(f"| `{g}` | {best[4:]} | {fmt_time(t)} | {gbs} | {'; '.join(cells) or '-'} | {others or '-'} |")
    return "\n".join(lines), behind


COLORS = ["#1f77b4", "#d62728", "#9467bd", "#e377c2", "#2ca02c", "#ff7f0e", "#8c564b", "#7f7f7f"]


def svg(rows, path):
    """Throughput against dimension, one panel per kernel, one line per backend or peer."""
    kernels = ["f32_l2", "f16_l2", "i8_l2", "f32_block_l2"]
    series = defaultdict(lambda: defaultdict(dict))
    for (g, fn), (t, tp) in rows.items():
        kernel, _, size = g.partition("/")
        if kernel in kernels and tp and size.isdigit():
            series[kernel][fn][int(size)] = tp / t
    kernels = [k for k in kernels if series[k]]
    if not kernels:
        return False
    pw, ph, pad = 330, 240, 50
    width, height = pw * len(kernels) + 20, ph + 110
    names = sorted({fn for k in kernels for fn in series[k]})
    color = {n: COLORS[i % len(COLORS)] for i, n in enumerate(names)}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">',
           f'<rect width="{width}" height="{height}" fill="white"/>']
    for i, k in enumerate(kernels):
        x0 = 10 + i * pw + pad
        w, h, y0 = pw - pad - 10, ph - 40, 30
        dims = sorted({d for fn in series[k] for d in series[k][fn]})
        top = max(v for fn in series[k] for v in series[k][fn].values()) * 1.1
        out.append(f'<text x="{x0 + w / 2}" y="18" text-anchor="middle" font-weight="bold">{k} (GB/s)</text>')
        out.append(f'<rect x="{x0}" y="{y0}" width="{w}" height="{h}" fill="none" stroke="#999"/>')
        for j in range(5):
            v = top * j / 4
            y = y0 + h - h * j / 4
            out.append(f'<text x="{x0 - 4}" y="{y + 3}" text-anchor="end">{v:.0f}</text>')
            out.append(f'<line x1="{x0}" x2="{x0 + w}" y1="{y}" y2="{y}" stroke="#eee"/>')
        xs = {d: x0 + (w * j / max(1, len(dims) - 1)) for j, d in enumerate(dims)}
        for d, x in xs.items():
            out.append(f'<text x="{x}" y="{y0 + h + 14}" text-anchor="middle">{d}</text>')
        out.append(f'<text x="{x0 + w / 2}" y="{y0 + h + 28}" text-anchor="middle">dimension</text>')
        for fn, pts in sorted(series[k].items()):
            coords = " ".join(f"{xs[d]:.1f},{y0 + h - h * v / top:.1f}" for d, v in sorted(pts.items()))
            dash = "" if fn.startswith("rvf-") else ' stroke-dasharray="5,3"'
            out.append(f'<polyline points="{coords}" fill="none" stroke="{color[fn]}" stroke-width="2"{dash}/>')
    for j, n in enumerate(names):
        x = 20 + (j % 6) * 150
        y = ph + 40 + (j // 6) * 16
        dash = "" if n.startswith("rvf-") else ' stroke-dasharray="5,3"'
        out.append(f'<line x1="{x}" x2="{x + 24}" y1="{y}" y2="{y}" stroke="{color[n]}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{x + 30}" y="{y + 4}">{n}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")
    return True


AVX2_NOTE = ("This crate's `avx2` tier (forced) against simsimd built with its AVX2 (Haswell) kernels only "
             "(`SIMSIMD_TARGET_SKYLAKE=0` and the other AVX-512 targets off at build time, the switch its build "
             "script offers), medians of one `scripts/bench-avx2.sh` run; every row's peer ran in the same group "
             "of the same run. crc-fast has no such switch (it picks its AVX-512 path at run time), so the "
             "CRC32C groups are left out here.")


MAIN_NOTE = ("Medians of one `cargo bench -p rvf-kernels-bench` run; every row's peers ran in the same group "
             "of the same run.")
MAIN_STREAMS = ("Streaming from memory (`stream_*` groups: one query against rows far larger than the "
                "last-level cache; each rate as a share of the read probe of the same group, a one-core "
                "sum of the same number of bytes that asks for each line 2 KB ahead; `-rows` is "
                "the same kernel called row by row; `search` / `par-search` are the top-10 search of the "
                "dispatched backend on one core and on every core):")
AVX2_STREAMS = "Streaming from memory (as above; the AVX2 tier and simsimd's AVX2 kernels):"


def report(rows, note, streams_caption):
    """The lines of one report: machine, note, table, where a peer is ahead, streaming table."""
    tbl, behind = table(rows)
    body = [f"Measured on: {machine()}.", "", note, "", tbl, ""]
    body.append("Where a peer is ahead:" if behind else "No peer is ahead in any group of this run.")
    body += behind
    streams = stream_table(rows)
    if streams:
        body += ["", streams_caption, "", streams]
    return body


def main():
    rows = load()
    if not rows:
        sys.exit(f"no criterion results under {CRIT}: run `cargo bench -p rvf-kernels-bench` first")
    args = sys.argv[1:]
    if "--avx2-peers" in args:
        # `--markers NAME`: the README section of another machine (`<!-- NAME:start -->` ...).
        name = args[args.index("--markers") + 1] if "--markers" in args else "perf-avx2"
        body = report(rows, AVX2_NOTE, AVX2_STREAMS)
        write_readme("\n".join(body) + "\n", f"<!-- {name}:start -->", f"<!-- {name}:end -->")
        return
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    has_plot = svg(rows, os.path.join(ROOT, "docs", "throughput.svg"))
    body = report(rows, MAIN_NOTE, MAIN_STREAMS)
    if has_plot:
        body += ["", "![throughput against dimension](docs/throughput.svg)"]
    text = "\n".join(body) + "\n"
    with open(os.path.join(ROOT, "docs", "performance.md"), "w") as f:
        f.write("# Performance\n\n" + text.replace("](docs/", "]("))
    write_readme(text, "<!-- perf:start -->", "<!-- perf:end -->")
    print("wrote docs/performance.md" + (" and docs/throughput.svg" if has_plot else ""))


def write_readme(text, start, end):
    """Replaces the README's text between the markers `start` and `end`."""
    readme = os.path.join(ROOT, "README.md")
    with open(readme) as f:
        r = f.read()
    if start in r and end in r:
        r = r[: r.index(start) + len(start)] + "\n" + text + r[r.index(end):]
        with open(readme, "w") as f:
            f.write(r)
        print(f"README.md: the table between {start} and {end} updated")
    else:
        print(f"README.md has no {start} ... {end} markers: nothing written")


if __name__ == "__main__":
    main()
