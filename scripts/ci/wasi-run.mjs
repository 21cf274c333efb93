// Runs a wasm32-wasip1 test binary (a cargo test harness) under node's WASI implementation.
// Usage: node wasi-run.mjs FILE.wasm [test args...]. Used as cargo's runner for wasm32-wasip1.
// Environment variables RVF_* and RUST_TEST_* are passed through; imports the old Debian
// wasi-libc lacks (pthread functions that a single-threaded test run never calls) are supplied as
// stubs that trap.
//
// wasm32 has no unwinding (panic=abort): a failing assertion aborts the whole test binary, and
// with libtest's output capture its message would be lost with the process (only the wasm trap,
// `unreachable`, would show). So output is not captured (RUST_TEST_NOCAPTURE=1, unless the caller
// sets RVF_WASI_CAPTURE=1): std's panic hook prints the assertion message to stderr before the
// abort. A trap is then reported in one line, naming the test binary, with exit code 134.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env, exit, stderr } from 'node:process';

const [file, ...args] = argv.slice(2);
const passEnv = Object.fromEntries(
  Object.entries(env).filter(([k]) => k.startsWith('RVF_') || k.startsWith('RUST_TEST_')));
if (env.RVF_WASI_CAPTURE !== '1') passEnv.RUST_TEST_NOCAPTURE ??= '1';
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: passEnv, preopens: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const imports = { wasi_snapshot_preview1: wasi.wasiImport };
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.module === 'wasi_snapshot_preview1') continue;
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = () => { throw new Error(`stub import ${imp.module}.${imp.name} called`); };
}
const instance = await WebAssembly.instantiate(module, imports);
let code;
try {
  code = wasi.start(instance);
} catch (e) {
  if (!(e instanceof WebAssembly.RuntimeError)) throw e;
  stderr.write(`\nwasi-run: ${file} trapped (${e.message}): a panic aborts a wasm32 test binary; ` +
    'the panic message, if any, is printed above\n');
  code = 134;
}
exit(code);
