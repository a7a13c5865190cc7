/**
 * Starts a named tfjs backend for the trainer and says what it is.
 *
 * Everything imports tf as `import * as tf from '@tensorflow/tfjs'`; these functions switch that same
 * instance. `auto` is not decided here but by measurement (../probe-process.ts), which starts its candidates
 * through `startBackend`.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { ApiError, type BackendChoice, type BackendInfo } from '../../../src-preload/api.ts';
import { backendInfo } from '../backend-summary.ts';
import type { BackendName, Started } from '../protocol.ts';
import { tryNative } from './native.ts';
import { startWasm } from './wasm.ts';
import { startWebGpu } from './webgpu.ts';

export interface BackendOptions {
  /**
   * Threads for the wasm backend; default: one per logical core (XNNPACK's kernels and ours split every
   * step across them; tests/bench/many-cores.sh measures 1 to 16). Decided by the first wasm start in a
   * process.
   */
  wasmThreads?: number;
}

/** Why a backend cannot train here: a few words for the summary line, and the whole reason. */
export class Unavailable extends Error {
  constructor(
    readonly backend: BackendName,
    readonly short: string,
    reason: string,
  ) {
    super(reason);
  }
}

/** The name tfjs registers each backend under: both TensorFlow packages register 'tensorflow'. */
export const tfBackendName = (name: BackendName) => (name === 'tensorflow-gpu' ? 'tensorflow' : name);

/** Starts `name` in this trainer process and switches to it; throws `Unavailable` with the reason it cannot. */
export async function startBackend(name: BackendName, options: BackendOptions = {}): Promise<Started> {
  return { host: 'process', ...(await start(name, options)) };
}

async function start(name: BackendName, options: BackendOptions): Promise<Omit<Started, 'host'>> {
  switch (name) {
    case 'tensorflow-gpu': {
      const result = await tryNative('@tensorflow/tfjs-node-gpu');
      if (!result.ok) throw new Unavailable(name, result.short, result.reason);
      return { name, gpu: true, software: false, label: 'TensorFlow CUDA', detail: '@tensorflow/tfjs-node-gpu (libtensorflow with CUDA)' };
    }
    case 'tensorflow': {
      const result = await tryNative('@tensorflow/tfjs-node');
      if (!result.ok) throw new Unavailable(name, result.short, result.reason);
      return { name, gpu: false, software: false, label: 'TensorFlow', detail: '@tensorflow/tfjs-node (libtensorflow on the CPU)' };
    }
    case 'webgpu': {
      const result = await startWebGpu();
      if (!result.ok) throw new Unavailable(name, result.short, `webgpu: ${result.reason}`);
      const { adapter } = result;
      return {
        name,
        gpu: true,
        software: adapter.software,
        label: `WebGPU · ${adapter.name} (${adapter.api}${adapter.software ? ', software' : ''})`,
        detail:
          `@tensorflow/tfjs-backend-webgpu ${versionOf('@tensorflow/tfjs-backend-webgpu')} on Dawn (webgpu ${versionOf('webgpu')}): ${adapter.name}, ${adapter.vendor || 'unknown vendor'}` +
          `${adapter.architecture ? ` ${adapter.architecture}` : ''}, driver ${adapter.driver || 'unknown'}`,
      };
    }
    case 'wasm': {
      try {
        const detail = await startWasm(options.wasmThreads ?? availableParallelism());
        const threads = getThreadsCount();
        return { name, gpu: false, software: false, label: `wasm, ${threads} thread${threads === 1 ? '' : 's'}`, detail };
      } catch (err) {
        const reason = err instanceof Error ? err.message : String(err);
        throw new Unavailable(name, 'wasm did not start', `wasm: ${reason}`);
      }
    }
    case 'webgl':
      throw new Unavailable(name, 'WebGL only in the desktop app', "webgl: trains only in the desktop app's hidden trainer window (a page)");
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Unavailable(name, 'cpu did not start', "backend 'cpu' failed to start");
      return { name, gpu: false, software: false, label: 'plain JavaScript', detail: 'tfjs cpu backend (plain JavaScript)' };
  }
}

function versionOf(pkg: string): string {
  return (createRequire(import.meta.url)(`${pkg}/package.json`) as { version: string }).version;
}

/**
 * Starts the backend a person asked for by name; a backend that cannot start is an `unavailable` error
 * naming the reason. `tensorflow` means either TensorFlow package, the GPU one first.
 */
export function initBackend(choice: Exclude<BackendChoice, 'auto'>, options: BackendOptions = {}): Promise<BackendInfo> {
  const names = choice === 'tensorflow' ? (['tensorflow-gpu', 'tensorflow'] as const) : [choice];
  return firstThatStarts(names, ' — asked for by name', `backend '${choice}' is not available`, options);
}

/**
 * The native TensorFlow packages, then wasm, then cpu: the first that starts, unmeasured. For work too short
 * to be worth a probe's training bursts (the activation views' forward passes).
 */
export function initUnmeasured(options: BackendOptions = {}): Promise<BackendInfo> {
  return firstThatStarts(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'], '', 'no backend starts', options);
}

async function firstThatStarts(names: readonly BackendName[], why: string, failure: string, options: BackendOptions): Promise<BackendInfo> {
  const reasons: string[] = [];
  for (const name of names) {
    try {
      const started = await startBackend(name, options);
      const passedOver = reasons.length ? `; passed over: ${reasons.join('; ')}` : '';
      return backendInfo(started, why, started.detail + passedOver);
    } catch (err) {
      if (!(err instanceof Unavailable)) throw err;
      reasons.push(err.message);
    }
  }
  throw new ApiError('unavailable', `${failure}: ${reasons.join('; ')}`, 'backend');
}
