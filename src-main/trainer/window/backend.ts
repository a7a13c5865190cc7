/**
 * The backends of the hidden trainer window: Chromium's own WebGPU, with WebGL as its fallback. A page
 * cannot load the Node backends (../backend/), and a Node process inside Electron cannot reach the GPU.
 * Each says what it runs on (the adapter or renderer, and whether it is a software one) as the trainer
 * process's backends do.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { ApiError, type BackendInfo } from '../../../src-preload/api.ts';
import { backendInfo, isSoftwareAdapter } from '../backend-summary.ts';
import { KIND } from '../probe.ts';
import type { PassedOver, Started } from '../protocol.ts';

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
    host: 'window',
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
    host: 'window',
    software,
    label: `WebGL · ${renderer} (Chromium${software ? ', software' : ''})`,
    detail: `@tensorflow/tfjs-backend-webgl on Chromium's WebGL in the hidden trainer window: ${renderer}`,
  };
}

const START: Record<WindowBackend, () => Promise<Started>> = { webgpu: startWebGpu, webgl: startWebGl };

/** The first of `names` that starts (switched to), and why each before it did not. */
async function firstThatStarts(names: WindowBackend[]): Promise<{ started?: Started; passedOver: PassedOver[] }> {
  const passedOver: PassedOver[] = [];
  for (const name of names) {
    try {
      return { started: await START[name](), passedOver };
    } catch (err) {
      passedOver.push({ name, short: `${KIND[name]} did not start in Chromium`, reason: `${name}: ${message(err)}` });
    }
  }
  return { passedOver };
}

/** What `auto` measures here: WebGPU, or WebGL where WebGPU does not start. */
export async function startWindowBackends(): Promise<{ started: Started[]; passedOver: PassedOver[] }> {
  const { started, passedOver } = await firstThatStarts(['webgpu', 'webgl']);
  return { started: started ? [started] : [], passedOver };
}

/** `webgpu` falls back to `webgl`, saying why; `webgl` is only webgl. Always asked for by name. */
export async function initWindowBackend(choice: WindowBackend): Promise<BackendInfo> {
  const { started, passedOver } = await firstThatStarts(choice === 'webgpu' ? ['webgpu', 'webgl'] : ['webgl']);
  const reasons = passedOver.map((p) => p.reason);
  if (!started) throw new ApiError('unavailable', `backend '${choice}' is not available: ${reasons.join('; ')}`, 'backend');
  return backendInfo(started, started.name === choice ? ' — asked for by name' : ` — WebGPU did not start (${reasons[0]})`);
}
