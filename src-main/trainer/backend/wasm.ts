/**
 * The WebAssembly backend, set up for training: its binaries found in node_modules, several threads
 * where the threaded build starts (else one, saying why), and the fast gradient kernels of
 * ./wasm-kernels.ts registered over the stock ones.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { sep } from 'node:path';
import { registerWasmTrainingKernels } from './wasm-kernels.ts';
import { wasmBinaryDir } from './wasm-paths.ts';
import { createThreadedWasmBackend } from './wasm-threads.ts';

/** Same as tfjs-backend-wasm's own registration. */
const WASM_PRIORITY = 2;
/** A threaded start that takes longer than this has hung (a worker that never loads). */
const THREADED_START_TIMEOUT_MS = 30_000;

let started: Promise<string> | undefined;

/**
 * Starts the wasm backend with `threads` threads (once per process: later calls reuse the first start)
 * and switches to it. Resolves to a one-line description of what runs.
 */
export function startWasm(threads: number): Promise<string> {
  started ??= start(threads);
  return started.then(async (note) => {
    if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
    const n = getThreadsCount();
    return `tfjs-backend-wasm ${version_wasm} (${simd}, ${n} thread${n === 1 ? '' : 's'}) with fast training kernels${note}`;
  });
}

async function start(threads: number): Promise<string> {
  // A prefix ending in the separator: emscripten appends the binary's file name to it.
  setWasmPaths(wasmBinaryDir() + sep);
  let note = '';
  if (threads > 1) {
    try {
      await useThreadedBuild(threads);
    } catch (err) {
      note = `; ${threads} threads were asked for but the threaded build did not start (${err instanceof Error ? err.message : String(err)})`;
    }
  }
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to start');
  registerWasmTrainingKernels();
  return note;
}

/** Replaces the stock (single-threaded in Node) 'wasm' registration by a started threaded backend. */
async function useThreadedBuild(threads: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${THREADED_START_TIMEOUT_MS / 1000} s`)), THREADED_START_TIMEOUT_MS);
  });
  try {
    const backend = await Promise.race([createThreadedWasmBackend(threads), timeout]);
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', () => backend, WASM_PRIORITY);
  } finally {
    clearTimeout(timer);
  }
}
