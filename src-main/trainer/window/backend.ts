/**
 * The backends of the hidden trainer window: Chromium's own WebGPU, with WebGL as its fallback. A page
 * cannot load the Node backends (../backend/), and a Node process inside Electron cannot reach the GPU.
 * Each says what it runs on (the adapter or renderer, and whether it is a software one) as the trainer
 * process's backends do.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { ApiError, type BackendInfo } from '../../../src-preload/api.ts';
import { backendInfo, isSoftwareAdapter, type Started } from '../backend-summary.ts';

export type WindowBackend = 'webgpu' | 'webgl';

/** What this file uses of the page's WebGPU and WebGL (the node project's types have no DOM). */
interface GpuAdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}
interface PageGpu {
  requestAdapter(): Promise<{ info: GpuAdapterInfo } | null>;
}
interface WebGl {
  RENDERER: number;
  getExtension(name: 'WEBGL_debug_renderer_info'): { UNMASKED_RENDERER_WEBGL: number } | null;
  getParameter(name: number): unknown;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function startWebGpu(): Promise<Started> {
  if (!(await tf.setBackend('webgpu'))) throw new Error('no adapter');
  const gpu = (globalThis as { navigator?: { gpu?: PageGpu } }).navigator?.gpu;
  const info = (await gpu?.requestAdapter())?.info;
  const name = info?.description || info?.device || [info?.vendor, info?.architecture].filter(Boolean).join(' ') || 'unknown adapter';
  const software = isSoftwareAdapter(info ?? {}, [name, info?.vendor ?? '', info?.architecture ?? '']);
  return {
    name: 'webgpu',
    gpu: true,
    software,
    label: `WebGPU · ${name} (Chromium${software ? ', software' : ''})`,
    detail: `@tensorflow/tfjs-backend-webgpu on Chromium's WebGPU in the hidden trainer window: ${[info?.vendor, info?.architecture, name].filter(Boolean).join(', ')}`,
  };
}

async function startWebGl(): Promise<Started> {
  if (!(await tf.setBackend('webgl'))) throw new Error('no WebGL context');
  const gl = (tf.backend() as unknown as { gpgpu?: { gl?: WebGl } }).gpgpu?.gl;
  const debug = gl?.getExtension('WEBGL_debug_renderer_info');
  const renderer = String((gl && gl.getParameter(debug ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER)) ?? 'unknown renderer');
  const software = isSoftwareAdapter({}, [renderer]);
  return {
    name: 'webgl',
    gpu: true,
    software,
    label: `WebGL · ${renderer} (Chromium${software ? ', software' : ''})`,
    detail: `@tensorflow/tfjs-backend-webgl on Chromium's WebGL in the hidden trainer window: ${renderer}`,
  };
}

/** `webgpu` falls back to `webgl`, saying why; `webgl` is only webgl. Always asked for by name. */
export async function initWindowBackend(choice: WindowBackend): Promise<BackendInfo> {
  const passedOver: string[] = [];
  if (choice === 'webgpu') {
    try {
      return backendInfo(await startWebGpu(), ' — asked for by name');
    } catch (err) {
      passedOver.push(`webgpu: ${message(err)}`);
    }
  }
  try {
    return backendInfo(await startWebGl(), passedOver.length ? ` — WebGPU did not start (${passedOver[0]})` : ' — asked for by name');
  } catch (err) {
    throw new ApiError('unavailable', `backend '${choice}' is not available: ${[...passedOver, `webgl: ${message(err)}`].join('; ')}`, 'backend');
  }
}
