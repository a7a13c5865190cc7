/**
 * Runs a SIMD kernel on several threads: the calling thread and `threads - 1` worker threads, each with
 * its own instance of the kernels module on the backend's shared memory. A call names a kernel whose
 * last two arguments are a range [lo, hi) of a dimension that no other range writes (./assembly/kernels.ts);
 * the range is cut into one contiguous part per thread. The workers sleep in Atomics.wait between calls.
 */
import { Worker } from 'node:worker_threads';

export const RANGE_KERNELS = ['convForward', 'maxPoolGrad', 'convBackpropFilter', 'convBackpropInput', 'sumRows'] as const;
export type RangeKernel = (typeof RANGE_KERNELS)[number];

// The control block: Int32 slots, then the arguments as Float64 (pointers and sizes fit exactly).
const GENERATION = 0; // bumped by each call; the workers wait on it
const PENDING = 1; // workers still running the current call
const KERNEL = 2;
const ARG_COUNT = 3;
const PARTS = 4;
const FAILED = 5; // set by a worker whose kernel threw
const ARGS_BYTE_OFFSET = 64;
const MAX_ARGS = 24;
/** A call whose workers have not all finished by then has hung: better an error than a trainer stuck forever. */
const HUNG_MS = 60_000;

/** The worker's code, evaluated as CommonJS: no file to find once the trainer is bundled. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, index, names } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const state = new Int32Array(control);
const args = new Float64Array(control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
let seen = 0;
for (;;) {
  Atomics.wait(state, ${GENERATION}, seen);
  seen = Atomics.load(state, ${GENERATION});
  try {
    const n = state[${ARG_COUNT}];
    const all = Array.from(args.subarray(0, n));
    const [lo, hi] = all.splice(n - 2, 2);
    const parts = state[${PARTS}];
    const from = lo + Math.floor(((hi - lo) * index) / parts);
    const to = lo + Math.floor(((hi - lo) * (index + 1)) / parts);
    if (from < to) kernels[names[state[${KERNEL}]]](...all, from, to);
  } catch (err) {
    Atomics.store(state, ${FAILED}, 1);
  }
  if (Atomics.sub(state, ${PENDING}, 1) === 1) Atomics.notify(state, ${PENDING});
}
`;

export type RangeKernels = Record<RangeKernel, (...args: number[]) => void>;

export class SimdPool {
  private readonly state: Int32Array;
  private readonly args: Float64Array;

  /** `module` is the shared-memory build, `kernels` its instance on this thread. */
  constructor(
    module: object,
    memory: object,
    private readonly kernels: RangeKernels,
    private readonly threads: number,
  ) {
    const control = new SharedArrayBuffer(ARGS_BYTE_OFFSET + 8 * MAX_ARGS);
    this.state = new Int32Array(control, 0, ARGS_BYTE_OFFSET / 4);
    this.args = new Float64Array(control, ARGS_BYTE_OFFSET, MAX_ARGS);
    for (let index = 1; index < threads; index++) {
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { module, memory, control, index, names: RANGE_KERNELS } });
      worker.unref(); // waiting for work forever must not keep the process alive
    }
  }

  /** kernel(...args, from, to) for parts of [lo, hi), one per thread; returns when all are done. */
  run(kernel: RangeKernel, args: number[], lo: number, hi: number): void {
    const parts = Math.min(this.threads, hi - lo);
    if (parts <= 1) {
      this.kernels[kernel](...args, lo, hi);
      return;
    }
    const all = [...args, lo, hi];
    this.args.set(all);
    const s = this.state;
    s[KERNEL] = RANGE_KERNELS.indexOf(kernel);
    s[ARG_COUNT] = all.length;
    s[PARTS] = parts;
    s[FAILED] = 0;
    Atomics.store(s, PENDING, this.threads - 1);
    Atomics.add(s, GENERATION, 1);
    Atomics.notify(s, GENERATION);
    this.kernels[kernel](...args, lo, lo + Math.floor((hi - lo) / parts));
    const deadline = performance.now() + HUNG_MS;
    for (let left = Atomics.load(s, PENDING); left !== 0; left = Atomics.load(s, PENDING)) {
      const wait = deadline - performance.now();
      if (wait <= 0) throw new Error(`the SIMD kernel ${kernel}: ${left} worker thread(s) did not finish in ${HUNG_MS / 1000} s`);
      Atomics.wait(s, PENDING, left, wait);
    }
    if (s[FAILED]) throw new Error(`the SIMD kernel ${kernel} failed on a worker thread`);
  }
}
