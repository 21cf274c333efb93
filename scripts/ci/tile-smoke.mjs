// Node smoke test of target/tile/rvf-tile.wasm: instantiates it without imports, checks the
// exports and memory, CRC32C check values, the golden segment header, a 384-dim f16 L2 block scan
// against a JavaScript implementation of the canonical 64-lane order (Math.fround per operation),
// top-K through the exports and through the message entry.
import { readFile } from 'node:fs/promises';
import assert from 'node:assert/strict';

const file = process.argv[2] ?? 'target/tile/rvf-tile.wasm';
const { module, instance } = await WebAssembly.instantiate(await readFile(file), {});
const x = instance.exports;
const names = WebAssembly.Module.exports(module).map((e) => e.name).filter((n) => !n.startsWith('__')).sort();
assert.deepEqual(names, ['memory', 'rvf_crc32c', 'rvf_dequant_i8', 'rvf_distances', 'rvf_greedy_step', 'rvf_init',
  'rvf_load_block', 'rvf_load_neighbors', 'rvf_load_pq_codebook', 'rvf_load_query', 'rvf_load_sq_params',
  'rvf_message', 'rvf_pq_distances', 'rvf_topk_merge', 'rvf_topk_read', 'rvf_verify_header']);
assert.equal(x.memory.buffer.byteLength, 131072);
assert.throws(() => x.memory.grow(1));
const mem = new DataView(x.memory.buffer);
const bytes = new Uint8Array(x.memory.buffer);
const DATA = 0xE000, IDW = DATA + 0x200, MSG = DATA + 0x800, BLOCK = 0x10000, OUT = 0x1D800;

assert.equal(x.rvf_init(DATA), 0);
bytes.set(new TextEncoder().encode('123456789'), OUT);
assert.equal(x.rvf_crc32c(OUT, 9) >>> 0, 0xE3069283);
bytes.fill(0xff, OUT, OUT + 32);
assert.equal(x.rvf_crc32c(OUT, 32) >>> 0, 0x62A8AB43);
const golden = [0x53, 0x46, 0x56, 0x52, 1, 7, 0, 0, ...Array(24).fill(0), 2, 0, 0, 0, 0, 0, 0, 0,
  0x46, 0xB9, 0xDD, 0x2B, 0x0B, 0xA8, 0x8D, 0x13, 0x23, 0x3B, 0x3F, 0xEB, 0x74, 0x3E, 0xEB, 0x24, 0, 0, 0, 0, 0, 0, 0, 0];
bytes.set(golden, OUT + 1);
assert.equal(x.rvf_verify_header(OUT + 1), 0);
bytes[OUT + 1] = 0;
assert.equal(x.rvf_verify_header(OUT + 1), 1);
assert.equal(x.rvf_verify_header(-5), -1);

// f16 helpers (exact widening).
const h2f = (h) => {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
};
let seed = 7;
const rndH = () => { seed = (seed * 1103515245 + 12345) >>> 0; return ((seed >>> 8) & 0x3bff) | ((seed & 1) << 15); };
const DIM = 384, ROWS = 42;
const q = Array.from({ length: DIM }, rndH);
const rows = Array.from({ length: DIM * ROWS }, rndH);
q.forEach((h, i) => mem.setUint16(OUT + 2 * i, h, true));
assert.equal(x.rvf_load_query(OUT, DIM), DIM);
rows.forEach((h, i) => mem.setUint16(BLOCK + 2 * i, h, true));
mem.setBigUint64(IDW, 100n, true);
assert.equal(x.rvf_load_block(BLOCK, ROWS, 1), ROWS);
assert.equal(x.rvf_distances(0, OUT + 0x1000), ROWS);
const f = Math.fround;
const want = [];
for (let r = 0; r < ROWS; r++) {
  const lanes = new Array(64).fill(0);
  for (let i = 0; i < DIM; i++) {
    const d = f(h2f(q[i]) - h2f(rows[r * DIM + i]));
    lanes[i % 64] = f(lanes[i % 64] + f(d * d));
  }
  for (let s = 32; s > 0; s >>= 1) for (let j = 0; j < s; j++) lanes[j] = f(lanes[j] + lanes[j + s]);
  want.push(lanes[0]);
}
for (let r = 0; r < ROWS; r++) assert.equal(mem.getFloat32(OUT + 0x1000 + 4 * r, true), want[r], `row ${r}`);

// Top-K through the message entry: COMPUTE op 0 (L2, k 5), READ_TOPK.
const msg = (type, id, payload) => {
  mem.setUint16(MSG, type, true); mem.setUint16(MSG + 2, payload.length, true); mem.setUint32(MSG + 4, id, true);
  bytes.set(payload, MSG + 8);
  const t = x.rvf_message();
  assert.equal(mem.getUint16(MSG, true), t);
  assert.equal(mem.getUint32(MSG + 4, true), id);
  return [t, bytes.slice(MSG + 8, MSG + 8 + mem.getUint16(MSG + 2, true))];
};
const compute = new Uint8Array(24); new DataView(compute.buffer).setUint32(8, 5, true);
let [t, p] = msg(0x05, 42, compute);
assert.equal(t, 0x84);
assert.equal(new DataView(p.buffer).getInt32(0, true), ROWS);
[t, p] = msg(0x06, 43, []);
assert.equal(t, 0x81);
assert.equal(p.length, 5 * 16);
const order = want.map((d, i) => [d, 100 + i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, 5);
const pv = new DataView(p.buffer);
order.forEach(([d, id], i) => {
  assert.equal(pv.getBigUint64(16 * i, true), BigInt(id));
  assert.equal(pv.getFloat32(16 * i + 8, true), d);
});
[t, p] = msg(0x99, 44, []);
assert.equal(t, 0x85);
console.log(`tile node smoke test: ok (${file}, node ${process.version})`);
