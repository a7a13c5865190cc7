/**
 * The WebAssembly backend, set up for training: its binaries found in node_modules, and the fast
 * gradient kernels of ./wasm-kernels.ts registered over the stock ones.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { registerWasmTrainingKernels } from './wasm-kernels.ts';

/**
 * The folder holding tfjs-backend-wasm's .wasm files. Resolved through the package (not relative to
 * this file) so that it still works once electron-vite has bundled this module somewhere else.
 */
export function wasmBinaryDir(): string {
  const pkgJson = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkgJson), 'dist');
}

let started: Promise<void> | undefined;

/**
 * Starts the wasm backend once per process, with the training kernels, and switches to it.
 * Resolves to a one-line description of what runs.
 */
export function startWasm(): Promise<string> {
  started ??= (async () => {
    // A prefix ending in the path separator: emscripten appends the binary's file name to it.
    setWasmPaths(wasmBinaryDir() + '/');
    if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend failed to start');
    registerWasmTrainingKernels();
  })();
  return started.then(async () => {
    if (tf.getBackend() !== 'wasm') await tf.setBackend('wasm');
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) ? 'SIMD' : 'no SIMD';
    const threads = getThreadsCount();
    return `tfjs-backend-wasm ${version_wasm} (${simd}, ${threads} thread${threads === 1 ? '' : 's'}) with fast training kernels`;
  });
}
