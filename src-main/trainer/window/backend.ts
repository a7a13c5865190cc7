/**
 * The backends of the hidden trainer window: Chromium's own WebGPU, with WebGL as its fallback. A page
 * cannot load the Node backends (index.ts), and a Node process cannot reach Chromium's GPU.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { ApiError, type BackendInfo } from '../../../src-preload/api.ts';

export type WindowBackend = 'webgpu' | 'webgl';

async function tryBackend(name: WindowBackend): Promise<string | undefined> {
  try {
    if (await tf.setBackend(name)) return undefined;
    return `${name}: no adapter`;
  } catch (err) {
    return `${name}: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** `webgpu` falls back to `webgl`, saying why; `webgl` is only webgl. */
export async function initWindowBackend(choice: WindowBackend): Promise<BackendInfo> {
  const passedOver: string[] = [];
  if (choice === 'webgpu') {
    const failed = await tryBackend('webgpu');
    if (!failed) return { name: 'webgpu', detail: 'tfjs-backend-webgpu on Chromium\'s WebGPU (hidden trainer window)' };
    passedOver.push(failed);
  }
  const failed = await tryBackend('webgl');
  if (failed) throw new ApiError('unavailable', `backend '${choice}' is not available: ${[...passedOver, failed].join('; ')}`, 'backend');
  const detail = 'tfjs-backend-webgl on Chromium\'s WebGL (hidden trainer window)';
  return { name: 'webgl', detail: passedOver.length ? `${detail}; passed over: ${passedOver.join('; ')}` : detail };
}
