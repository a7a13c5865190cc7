/**
 * How many of a group's members train side by side, and with how many threads each: a rule, checked by
 * `npm run bench groups` (tests/bench/groups.ts), never more trainer threads than the machine has cores.
 *
 * - wasm: min(members, cores) processes, cores / processes threads each (whole cores, at least 1). LeNet's
 *   steps are small: a batch split across threads waits at every op for the slowest, while separate
 *   processes never wait for each other, so k processes with fewer threads train more images per second
 *   than one with all of them (measured on 2 cores: see the README's "Groups" section). Members are bit-identical
 *   whatever their thread count (the kernels split work by output, never a sum across threads).
 * - cpu (plain JavaScript, one thread): min(members, cores) processes.
 * - native TensorFlow on the CPU keeps its own pool over every core: one at a time.
 * - a GPU: one at a time, each member having the whole device (and, in the desktop app, the one hidden
 *   trainer window); LeNet's batches are too small to gain from sharing it.
 */
import { availableParallelism } from 'node:os';
import type { BackendInfo } from '../../../src-preload/api.ts';
import type { PoolOptions } from './trainers.ts';

export interface ParallelPlan extends PoolOptions {
  /** The choice in words, for the page and the terminal. */
  text: string;
}

export function parallelPlan(backend: BackendInfo, members: number, cores = availableParallelism()): ParallelPlan {
  const coresText = `${cores} core${cores === 1 ? '' : 's'}`;
  if (backend.gpu || backend.host === 'window') {
    return { parallel: 1, backend, text: `one at a time on the GPU (${backend.name}): each member has the whole device` };
  }
  if (backend.name === 'tensorflow') {
    return { parallel: 1, backend, text: `one at a time: native TensorFlow already uses all ${coresText}` };
  }
  const parallel = Math.max(1, Math.min(members, cores));
  if (backend.name === 'cpu') return { parallel, backend, text: `${parallel} at once, plain JavaScript, one thread each (${coresText})` };
  const wasmThreads = Math.max(1, Math.floor(cores / parallel));
  return {
    parallel,
    backend,
    wasmThreads,
    text: `${parallel} at once, wasm with ${wasmThreads} thread${wasmThreads === 1 ? '' : 's'} each (${coresText})`,
  };
}
