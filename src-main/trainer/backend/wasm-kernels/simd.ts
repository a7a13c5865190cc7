/**
 * The SIMD kernels of ./assembly/kernels.ts, instantiated on the wasm backend's own memory so that they
 * read and write tensors where they lie. Pointers are byte offsets into that memory; `ptr` gives a
 * tensor's. On the threaded build the kernels that take a range run on every thread (./simd-pool.ts).
 */
import type * as tf from '@tensorflow/tfjs';
import { getThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { PLAIN_MEMORY_WASM, SHARED_MEMORY_WASM } from './simd-binary.ts';
import { SimdPool, type RangeKernel, type RangeKernels } from './simd-pool.ts';

export interface SimdExports {
  countNonZero(p: number, n: number): number;
  transpose2d(src: number, dst: number, rows: number, cols: number, r0: number, r1: number): void;
  sumRows(x: number, out: number, rows: number, C: number, c0: number, c1: number): void;
  convForward(
    x: number, w: number, bias: number, hasBias: number, relu: number, out: number, H: number, W: number, C: number,
    OH: number, OW: number, OC: number, KH: number, KW: number, sh: number, sw: number, pt: number, pl: number,
    b0: number, b1: number): void;
  maxPoolGrad(
    x: number, dy: number, dx: number, H: number, W: number, C: number, OH: number, OW: number,
    FH: number, FW: number, sh: number, sw: number, pt: number, pl: number, b0: number, b1: number): void;
  convBackpropFilter(
    x: number, dy: number, dWt: number, B: number, H: number, W: number, C: number, OH: number, OW: number, OC: number,
    KH: number, KW: number, sh: number, sw: number, pt: number, pl: number, oc0: number, oc1: number): void;
  convBackpropInput(
    dy: number, Wt: number, dx: number, H: number, W: number, C: number, OH: number, OW: number, OC: number,
    KH: number, KW: number, sh: number, sw: number, pt: number, pl: number, b0: number, b1: number): void;
}

/** What BackendWasm keeps per tensor (not in its typings): where its bytes start. */
interface WasmData {
  memoryOffset: number;
}

/** The part of the WebAssembly API used here (the project's Node typings, without DOM, do not declare it). */
interface Memory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}
const WebAssemblyApi = (globalThis as unknown as {
  WebAssembly: {
    Memory: abstract new () => Memory;
    Module: new (bytes: Uint8Array) => object;
    Instance: new (module: object, imports: object) => { exports: unknown };
  };
}).WebAssembly;

/** The emscripten module's memory: exported by the plain build, created in JavaScript by the threaded one. */
interface EmscriptenMemory {
  wasmMemory?: Memory;
  asm?: { memory?: Memory };
}

export interface SimdKernels extends SimdExports {
  /** kernel(...args, lo, hi), its range split across the threads. */
  run(kernel: RangeKernel, args: number[], lo: number, hi: number): void;
}

const instances = new WeakMap<Memory, SimdKernels>();

export function backendMemory(backend: BackendWasm): Memory {
  const module = backend.wasm as unknown as EmscriptenMemory;
  const memory = module.wasmMemory ?? module.asm?.memory;
  if (!(memory instanceof WebAssemblyApi.Memory)) throw new Error('tfjs-backend-wasm: its WebAssembly memory was not found');
  return memory;
}

export function simdKernels(backend: BackendWasm): SimdKernels {
  const memory = backendMemory(backend);
  let kernels = instances.get(memory);
  if (kernels == null) {
    const shared = memory.buffer instanceof SharedArrayBuffer;
    const module = new WebAssemblyApi.Module(Buffer.from(shared ? SHARED_MEMORY_WASM : PLAIN_MEMORY_WASM, 'base64'));
    const exports = new WebAssemblyApi.Instance(module, { env: { memory } }).exports as SimdExports;
    const threads = shared ? getThreadsCount() : 1;
    const ranged = exports as unknown as RangeKernels;
    const pool = threads > 1 ? new SimdPool(module, memory, ranged, threads) : undefined;
    const run = (kernel: RangeKernel, args: number[], lo: number, hi: number) =>
      pool ? pool.run(kernel, args, lo, hi) : ranged[kernel](...args, lo, hi);
    kernels = { ...exports, run };
    instances.set(memory, kernels);
  }
  return kernels;
}

/** A tensor's byte offset in the backend's memory. */
export function ptr(backend: BackendWasm, t: tf.TensorInfo): number {
  return (backend.dataIdMap.get(t.dataId) as unknown as WasmData).memoryOffset;
}
