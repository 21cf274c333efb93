// Node smoke test of target/tile/rvf-tile.wasm: instantiates it without imports, checks the
// exports and memory, CRC32C check values, the golden segment header, a 384-dim f16 L2 block scan
// against a JavaScript implementation of the canonical 64-lane order (Math.fround per operation),
// top-K through the exports and through the message entry.
import { readFile } from 'node:fs/promises';
import assert from 'node:assert/strict';
import * as abi from '../tile-abi.mjs';

const file = process.argv[2] ?? 'target/tile/rvf-tile.wasm';
const { module, instance } = await WebAssembly.instantiate(await readFile(file), {});
const x = instance.exports;
const names = WebAssembly.Module.exports(module).map((e) => e.name).filter((n) => !n.startsWith('__')).sort();
assert.deepEqual(names, ['memory', ...abi.EXPORTS].sort());
assert.equal(x.memory.buffer.byteLength, abi.MEMORY_BYTES);
assert.throws(() => x.memory.grow(1));
const mem = new DataView(x.memory.buffer);
const bytes = new Uint8Array(x.memory.buffer);
const DATA = abi.CONFIG.start, IDW = abi.BLOCK_ID_WORD, MSG = abi.MSG.start, BLOCK = abi.BLOCK.start;
const OUT = abi.OUT.start, RESULT = OUT + 0x1000;

assert.equal(x.rvf_init(DATA), 0);
bytes.set(new TextEncoder().encode('123456789'), OUT);
assert.equal(x.rvf_crc32c(OUT, 9) >>> 0, 0xE3069283);
bytes.fill(0xff, OUT, OUT + 32);
assert.equal(x.rvf_crc32c(OUT, 32) >>> 0, 0x62A8AB43);
const golden = [0x53, 0x46, 0x56, 0x52, 1, 7, 0, 0, ...Array(24).fill(0), 2, 0, 0, 0, 0, 0, 0, 0,
  0x46, 0xB9, 0xDD, 0x2B, 0x0B, 0xA8, 0x8D, 0x13, 0x23, 0x3B, 0x3F, 0xEB, 0x74, 0x3E, 0xEB, 0x24, 0, 0, 0, 0, 0, 0, 0, 0];
bytes.set(golden, OUT + 1);
assert.equal(x.rvf_verify_header(OUT + 1), abi.HEADER.OK);
bytes[OUT + 1] = 0;
assert.equal(x.rvf_verify_header(OUT + 1), abi.HEADER.BAD_MAGIC);
assert.equal(x.rvf_verify_header(-5), abi.ERR.PTR);

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
assert.equal(x.rvf_load_block(BLOCK, ROWS, abi.DTYPE.F16), ROWS);
assert.equal(x.rvf_distances(abi.METRIC.L2, RESULT), ROWS);
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
for (let r = 0; r < ROWS; r++) assert.equal(mem.getFloat32(RESULT + 4 * r, true), want[r], `row ${r}`);

// Top-K through the message entry: COMPUTE op 0 (L2, k 5), READ_TOPK.
const F = abi.FIELD, T = abi.MSG_TYPE, REC = abi.BYTES.TOPK_RECORD;
const msg = (type, id, payload) => {
  mem.setUint16(MSG + F.HEADER_TYPE, type, true);
  mem.setUint16(MSG + F.HEADER_LENGTH, payload.length, true);
  mem.setUint32(MSG + F.HEADER_ID, id, true);
  bytes.set(payload, abi.MSG_PAYLOAD);
  const t = x.rvf_message();
  assert.equal(mem.getUint16(MSG + F.HEADER_TYPE, true), t);
  assert.equal(mem.getUint32(MSG + F.HEADER_ID, true), id);
  const len = mem.getUint16(MSG + F.HEADER_LENGTH, true);
  return [t, bytes.slice(abi.MSG_PAYLOAD, abi.MSG_PAYLOAD + len)];
};
const compute = new Uint8Array(abi.BYTES.COMPUTE);
const cv = new DataView(compute.buffer);
cv.setUint32(F.COMPUTE_OP, T.OP_SCAN, true);
cv.setUint32(F.COMPUTE_METRIC, abi.METRIC.L2, true);
cv.setUint32(F.COMPUTE_K, 5, true);
let [t, p] = msg(T.COMPUTE, 42, compute);
assert.equal(t, T.DONE);
assert.equal(new DataView(p.buffer).getInt32(0, true), ROWS);
[t, p] = msg(T.READ_TOPK, 43, []);
assert.equal(t, T.TOPK_RESULT);
assert.equal(p.length, 5 * REC);
const order = want.map((d, i) => [d, 100 + i]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).slice(0, 5);
const pv = new DataView(p.buffer);
order.forEach(([d, id], i) => {
  assert.equal(pv.getBigUint64(REC * i + F.TOPK_RECORD_ID, true), BigInt(id));
  assert.equal(pv.getFloat32(REC * i + F.TOPK_RECORD_DISTANCE, true), d);
});
[t, p] = msg(0x99, 44, []);
assert.equal(t, T.ERROR);
assert.equal(new DataView(p.buffer).getInt32(0, true), abi.ERR.MSG_TYPE);
console.log(`tile node smoke test: ok (${file}, node ${process.version})`);
