/**
 * Picks the tfjs backend the trainer runs on, best first, and says why.
 *
 * Everything imports tf as `import * as tf from '@tensorflow/tfjs'`; initBackend switches that same
 * instance. Call it once per process (the trainer runs in its own) before building a model.
 */
import * as tf from '@tensorflow/tfjs';
import { availableParallelism } from 'node:os';
import { ApiError, type BackendChoice, type BackendInfo } from '../../../src-preload/api.ts';
import { tryNative } from './native.ts';
import { startWasm } from './wasm.ts';

export interface BackendOptions {
  /**
   * Threads for the wasm backend; default: one per logical core (XNNPACK's kernels and ours split every
   * step across them; tests/bench/many-cores.sh measures 1 to 16). Decided by the first wasm start in a
   * process.
   */
  wasmThreads?: number;
}

const CPU_WARNING = 'training on the plain JavaScript cpu backend is very slow (about 5 images/s)';

export async function initBackend(choice: BackendChoice, options: BackendOptions = {}): Promise<BackendInfo> {
  if (choice === 'webgpu' || choice === 'webgl') {
    throw new ApiError('unavailable', `backend '${choice}' trains only in the desktop app's trainer window`, 'backend');
  }
  const passedOver: string[] = [];
  const detail = (chosen: string) => (passedOver.length ? `${chosen}; passed over: ${passedOver.join('; ')}` : chosen);

  if (choice === 'auto' || choice === 'tensorflow') {
    const gpu = await tryNative('@tensorflow/tfjs-node-gpu');
    if (gpu.ok) return { name: 'tensorflow-gpu', detail: detail('@tensorflow/tfjs-node-gpu (libtensorflow with CUDA)') };
    passedOver.push(gpu.reason);
    const native = await tryNative('@tensorflow/tfjs-node');
    if (native.ok) return { name: 'tensorflow', detail: detail('@tensorflow/tfjs-node (libtensorflow on the CPU)') };
    passedOver.push(native.reason);
    if (choice === 'tensorflow') {
      throw new ApiError('unavailable', `backend 'tensorflow' is not available: ${passedOver.join('; ')}`, 'backend');
    }
  }

  if (choice === 'auto' || choice === 'wasm') {
    try {
      return { name: 'wasm', detail: detail(await startWasm(options.wasmThreads ?? availableParallelism())) };
    } catch (err) {
      const reason = `wasm: ${err instanceof Error ? err.message : String(err)}`;
      if (choice === 'wasm') throw new ApiError('unavailable', `backend 'wasm' is not available: ${reason}`, 'backend');
      passedOver.push(reason);
    }
  }

  if (!(await tf.setBackend('cpu'))) throw new ApiError('unavailable', "backend 'cpu' failed to start", 'backend');
  return { name: 'cpu', detail: detail('tfjs cpu backend (plain JavaScript)'), warning: CPU_WARNING };
}
