// Runs a wasm32-wasip1 test binary (a cargo test harness) under node's WASI implementation.
// Usage: node wasi-run.mjs FILE.wasm [test args...]. Used as cargo's runner for wasm32-wasip1.
// Environment variables RVF_* are passed through; imports the old Debian wasi-libc lacks (pthread
// functions that a single-threaded test run never calls) are supplied as stubs that trap.
import { readFile } from 'node:fs/promises';
import { WASI } from 'node:wasi';
import { argv, env, exit } from 'node:process';

const [file, ...args] = argv.slice(2);
const passEnv = Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('RVF_')));
const wasi = new WASI({ version: 'preview1', args: [file, ...args], env: passEnv, preopens: {}, returnOnExit: true });
const module = await WebAssembly.compile(await readFile(file));
const imports = { wasi_snapshot_preview1: wasi.wasiImport };
for (const imp of WebAssembly.Module.imports(module)) {
  if (imp.module === 'wasi_snapshot_preview1') continue;
  imports[imp.module] ??= {};
  imports[imp.module][imp.name] = () => { throw new Error(`stub import ${imp.module}.${imp.name} called`); };
}
const instance = await WebAssembly.instantiate(module, imports);
exit(wasi.start(instance));
