//! The tile ABI against its two other forms: the memory map table of `docs/tile.md` and the
//! generated `scripts/tile-abi.mjs`.

use rvf_kernels::tile_abi::{self as abi, Region};

#[path = "../examples/tile_abi_mjs.rs"]
mod tile_abi_mjs;

/// The documents are compiled in (`include_str!`), so the test also runs where there is no file
/// system (the wasm32-wasip1 run of scripts/ci/wasm.sh).
fn doc() -> String {
    include_str!("../docs/tile.md").to_string()
}

/// `0x1234` or `1234` as a number.
fn number(s: &str) -> u32 {
    match s.strip_prefix("0x") {
        Some(h) => u32::from_str_radix(h, 16),
        None => s.parse(),
    }
    .unwrap_or_else(|_| panic!("not a number: {s:?}"))
}

/// The rows of the table under `## Memory map`: `| range | size | owner | contents |`.
fn doc_map(doc: &str) -> Vec<(u32, u32, u32, String, String)> {
    let section = doc
        .split("\n## Memory map\n")
        .nth(1)
        .expect("a '## Memory map' section");
    let mut rows = Vec::new();
    let mut in_table = false;
    for line in section.lines() {
        let Some(inner) = line.strip_prefix('|').and_then(|l| l.strip_suffix('|')) else {
            if in_table {
                break;
            }
            continue;
        };
        in_table = true;
        let cells: Vec<&str> = inner.split('|').map(str::trim).collect();
        if cells[0] == "range" || cells[0].starts_with("---") {
            continue;
        }
        assert_eq!(cells.len(), 4, "memory map row {line:?}");
        let range = cells[0].trim_matches('`');
        let (first, last) = range.split_once('-').expect("a range `first-last`");
        rows.push((
            number(first),
            number(last),
            number(cells[1]),
            cells[2].to_string(),
            cells[3].to_string(),
        ));
    }
    rows
}

#[test]
fn docs_memory_map_is_the_abi_map() {
    let rows = doc_map(&doc());
    assert_eq!(rows.len(), abi::MAP.len(), "one table row per region");
    for (row, r) in rows.iter().zip(&abi::MAP) {
        let (first, last, size, owner, name) = row;
        let want: (u32, u32, u32, &str, &str) =
            (r.start, r.end() - 1, r.len, r.owner.name(), r.name);
        assert_eq!(
            (*first, *last, *size, owner.as_str(), name.as_str()),
            want,
            "docs/tile.md memory map row of {}",
            r.name
        );
    }
}

#[test]
fn map_covers_memory_without_gaps() {
    let mut at = 0;
    for r in &abi::MAP {
        assert_eq!(
            r.start, at,
            "{} starts where the previous region ends",
            r.name
        );
        at = r.end();
    }
    assert_eq!(at, abi::MEMORY_BYTES);
    let regions = |rs: &[Region]| rs.iter().map(|r| r.name).collect::<Vec<_>>();
    for r in abi::INPUT_REGIONS {
        assert!(
            matches!(r.owner, abi::Owner::Hub | abi::Owner::Io),
            "input {}",
            r.name
        );
    }
    for r in abi::TILE_REGIONS {
        assert_eq!(
            r.owner,
            abi::Owner::Tile,
            "{:?}",
            regions(&abi::TILE_REGIONS)
        );
    }
}

#[test]
fn docs_name_every_error_code() {
    let doc = doc();
    for (code, name) in abi::ERRORS {
        assert!(
            doc.lines()
                .any(|l| l.contains(&format!("`{name}`")) && l.contains(&format!("{code}"))),
            "docs/tile.md has a line with `{name}` and {code}"
        );
    }
}

#[test]
fn committed_mjs_is_the_generated_one() {
    let committed = include_str!("../scripts/tile-abi.mjs");
    assert!(
        committed == tile_abi_mjs::mjs(),
        "scripts/tile-abi.mjs is stale: run `cargo run --quiet --example tile_abi_mjs > scripts/tile-abi.mjs`"
    );
}
