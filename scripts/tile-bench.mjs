// JIT speed of the tile under node (V8 TurboFan): rvf_distances + rvf_topk_merge over 384-dim f16
// blocks of 42 rows, the SIMD128 build against the scalar wasm build of the same code
// (scripts/build-tile.sh --scalar). Usage: node scripts/tile-bench.mjs [--check] [seconds per case]
// --check exits non-zero when the SIMD128 build is not at least 3x faster on L2 distances.
import { readFile } from 'node:fs/promises';
import * as abi from './tile-abi.mjs';

const args = process.argv.slice(2);
const check = args.includes('--check');
const secs = Number(args.find((a) => !a.startsWith('--')) ?? 1.5);
const DATA = abi.CONFIG.start, IDW = abi.BLOCK_ID_WORD, BLOCK = abi.BLOCK.start, OUT = abi.OUT.start;
const DIM = 384, ROWS = 42;

function f16(x) { // round-to-nearest f32 -> f16 bits for test data (values in [-1, 1))
  const f = new Float32Array([x]); const u = new Uint32Array(f.buffer)[0];
  const s = (u >>> 16) & 0x8000; const e = ((u >>> 23) & 0xff) - 127 + 15; const m = u & 0x7fffff;
  if (e <= 0) return s; return s | (e << 10) | (m >>> 13);
}

async function load(file) {
  const { instance } = await WebAssembly.instantiate(await readFile(file), {});
  const x = instance.exports; const mem = new DataView(x.memory.buffer);
  for (let i = 0; i < abi.BYTES.CONFIG; i += 4) mem.setUint32(DATA + i, 0, true);
  if (x.rvf_init(DATA) !== 0) throw new Error('init');
  let seed = 1; const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (let i = 0; i < DIM; i++) mem.setUint16(OUT + 2 * i, f16(rnd()), true);
  if (x.rvf_load_query(OUT, DIM) !== DIM) throw new Error('query');
  for (let i = 0; i < DIM * ROWS; i++) mem.setUint16(BLOCK + 2 * i, f16(rnd()), true);
  mem.setBigUint64(IDW, 0n, true);
  if (x.rvf_load_block(BLOCK, ROWS, abi.DTYPE.F16) !== ROWS) throw new Error('block');
  for (let i = 0; i < ROWS; i++) mem.setBigUint64(OUT + 0x400 + 8 * i, BigInt(i), true);
  return x;
}

function time(fn) {
  for (let i = 0; i < 200; i++) fn(); // warm-up (tier-up to the optimizing compiler)
  let n = 0; const t0 = process.hrtime.bigint(); let t;
  do { for (let i = 0; i < 100; i++) fn(); n += 100; t = Number(process.hrtime.bigint() - t0) / 1e9; } while (t < secs);
  return (t / n / ROWS) * 1e9; // ns per vector
}

const builds = { simd128: 'target/tile/rvf-tile.wasm', scalar: 'target/tile/rvf-tile-scalar.wasm' };
const res = {};
for (const [name, file] of Object.entries(builds)) {
  const x = await load(file);
  res[name] = {};
  for (const [m, label] of [[abi.METRIC.L2, 'L2'], [abi.METRIC.IP, 'IP'], [abi.METRIC.COSINE, 'cosine']]) {
    res[name][label] = time(() => { if (x.rvf_distances(m, OUT + 0x1000) !== ROWS) throw new Error('distances'); });
  }
  res[name]['L2 + top-K merge'] = time(() => {
    x.rvf_distances(abi.METRIC.L2, OUT + 0x1000);
    x.rvf_topk_merge(OUT + 0x1000, OUT + 0x400, ROWS, 10);
  });
}
console.log(`tile JIT speed under node ${process.version}, 384-dim f16, ${ROWS}-row blocks (ns per vector)`);
console.log('| case | SIMD128 | scalar wasm | speed-up |');
console.log('|---|---:|---:|---:|');
let l2 = 0;
for (const k of Object.keys(res.simd128)) {
  const r = res.scalar[k] / res.simd128[k];
  if (k === 'L2') l2 = r;
  console.log(`| ${k} | ${res.simd128[k].toFixed(1)} | ${res.scalar[k].toFixed(1)} | ${r.toFixed(2)}x |`);
}
if (check && l2 < 3) { console.error(`SIMD128 speed-up on L2 is ${l2.toFixed(2)}x, below 3x`); process.exit(1); }
