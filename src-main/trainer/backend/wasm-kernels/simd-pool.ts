/**
 * Runs a SIMD kernel on several threads: the calling thread and `threads - 1` worker threads, each with
 * its own instance of the kernels module on the backend's shared memory. A call names a kernel whose
 * last two arguments are a range [lo, hi) of a dimension that no other range writes (./assembly/kernels.ts);
 * the range is cut into one contiguous part per thread. The workers sleep in Atomics.wait between calls.
 *
 * Each call has a generation number; a worker runs a generation once, then posts it as done in its own
 * slot, and the caller waits until every slot shows the call's generation. A worker woken with no new
 * generation (Atomics.wait may return without one) goes back to sleep, so no call runs twice.
 */
import { Worker } from 'node:worker_threads';

export const RANGE_KERNELS = ['convForward', 'maxPoolGrad', 'convBackpropFilter', 'convBackpropInput', 'sumRows'] as const;
export type RangeKernel = (typeof RANGE_KERNELS)[number];

// The control block: Int32 slots (the header, then one "done" slot per worker), then the arguments as
// Float64 (pointers and sizes fit exactly).
const GENERATION = 0; // bumped by each call; the workers wait on it
const KERNEL = 1;
const ARG_COUNT = 2;
const PARTS = 3;
const FAILED = 4; // set by a worker whose kernel threw
const DONE = 8; // DONE + i: the last generation worker i finished
const MAX_ARGS = 24;
/** A call whose workers have not all finished by then has hung: better an error than a trainer stuck forever. */
const HUNG_MS = 60_000;

const argsOffset = (threads: number) => 8 * Math.ceil((4 * (DONE + threads)) / 8);

/** The worker's code, evaluated as CommonJS: no file to find once the trainer is bundled. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, argsOffset, index, names } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const state = new Int32Array(control, 0, argsOffset / 4);
const args = new Float64Array(control, argsOffset, ${MAX_ARGS});
let seen = 0;
for (;;) {
  Atomics.wait(state, ${GENERATION}, seen);
  const generation = Atomics.load(state, ${GENERATION});
  if (generation === seen) continue;
  seen = generation;
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
  Atomics.store(state, ${DONE} + index, generation);
  Atomics.notify(state, ${DONE} + index);
}
`;

export type RangeKernels = Record<RangeKernel, (...args: number[]) => void>;

export class SimdPool {
  private readonly state: Int32Array;
  private readonly args: Float64Array;
  private generation = 0;

  /** `module` is the shared-memory build, `kernels` its instance on this thread. */
  constructor(
    module: object,
    memory: object,
    private readonly kernels: RangeKernels,
    private readonly threads: number,
  ) {
    const offset = argsOffset(threads);
    const control = new SharedArrayBuffer(offset + 8 * MAX_ARGS);
    this.state = new Int32Array(control, 0, offset / 4);
    this.args = new Float64Array(control, offset, MAX_ARGS);
    for (let index = 1; index < threads; index++) {
      const workerData = { module, memory, control, argsOffset: offset, index, names: RANGE_KERNELS };
      new Worker(WORKER_SOURCE, { eval: true, workerData }).unref(); // waiting for work must not keep the process alive
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
    const generation = ++this.generation;
    Atomics.store(s, GENERATION, generation);
    Atomics.notify(s, GENERATION);
    this.kernels[kernel](...args, lo, lo + Math.floor((hi - lo) / parts));
    const deadline = performance.now() + HUNG_MS;
    for (let index = 1; index < this.threads; index++) {
      for (let done = Atomics.load(s, DONE + index); done !== generation; done = Atomics.load(s, DONE + index)) {
        const wait = deadline - performance.now();
        if (wait <= 0) throw new Error(`the SIMD kernel ${kernel}: worker thread ${index} did not finish in ${HUNG_MS / 1000} s`);
        Atomics.wait(s, DONE + index, done, wait);
      }
    }
    if (s[FAILED]) throw new Error(`the SIMD kernel ${kernel} failed on a worker thread`);
  }
}
