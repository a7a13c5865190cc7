/**
 * WebGPU in a Node trainer process: @tensorflow/tfjs-backend-webgpu on Dawn's Node bindings (the optional
 * `webgpu` package: Vulkan on Linux, Metal on macOS, D3D12 on Windows).
 *
 * Dawn's bindings cannot run inside Electron's processes (the V8 memory cage refuses their external
 * buffers, dawn-gpu/node-webgpu#5), so in the desktop app's utility process this backend stands aside
 * with that reason.
 *
 * The adapter's own description (vendor, architecture, name, driver, and whether it is a software one)
 * is returned with it: `auto` never trains on a software adapter (SwiftShader, lavapipe/llvmpipe, WARP,
 * or one that Dawn flags as a fallback), though it can be asked for by name.
 */
import * as tf from '@tensorflow/tfjs';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { isSoftwareAdapter } from '../backend-summary.ts';
import { importOptional } from './optional.ts';

export interface GpuAdapter {
  /** As the driver names the device: "NVIDIA GeForce RTX 4070", "llvmpipe (LLVM 15.0.6, 256 bits)". */
  name: string;
  /** The native API Dawn drives it through: Vulkan, Metal, D3D12… */
  api: string;
  vendor: string;
  architecture: string;
  /** The driver and its version, as Dawn describes it. */
  driver: string;
  /** The CPU pretending to be a GPU. */
  software: boolean;
}

export type WebGpuStart = { ok: true; adapter: GpuAdapter } | { ok: false; reason: string; short: string };

/** What this file uses of Dawn's Node module and of WebGPU (its full types are @webgpu/types). */
interface DawnModule {
  create(options: string[]): Gpu;
  globals: object;
}
interface Gpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<Adapter | null>;
}
interface Adapter {
  info: AdapterInfo;
  features: ReadonlySet<string>;
  limits: Record<string, number>;
  requestDevice(descriptor: { requiredFeatures: string[]; requiredLimits: Record<string, number> }): Promise<unknown>;
}
export interface AdapterInfo {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter?: boolean;
}

const API_NAMES: Record<string, string> = {
  vulkan: 'Vulkan',
  metal: 'Metal',
  d3d12: 'D3D12',
  d3d11: 'D3D11',
  opengl: 'OpenGL',
  opengles: 'OpenGL ES',
};
const PLATFORM_API: Partial<Record<NodeJS.Platform, string>> = { linux: 'Vulkan', darwin: 'Metal', win32: 'D3D12' };
/** The limits tfjs-backend-webgpu asks for when it creates its own device (its base.ts). */
const LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupSizeX',
  'maxComputeInvocationsPerWorkgroup',
];

let started: Promise<WebGpuStart> | undefined;

/** Starts the backend once per process (later calls reuse the first start) and switches to it. */
export function startWebGpu(): Promise<WebGpuStart> {
  started ??= start();
  return started.then(async (result) => {
    if (result.ok && tf.getBackend() !== 'webgpu') await tf.setBackend('webgpu');
    return result;
  });
}

async function start(): Promise<WebGpuStart> {
  if (process.versions.electron) {
    return {
      ok: false,
      short: "WebGPU does not run in Electron's utility process",
      reason: "Dawn's Node bindings cannot run inside Electron's processes (V8 memory cage, dawn-gpu/node-webgpu#5)",
    };
  }
  let dawn: DawnModule;
  try {
    dawn = (await importOptional('webgpu')) as DawnModule;
  } catch (err) {
    const message = firstLine(err);
    return /Cannot find (package|module) 'webgpu'/.test(message)
      ? { ok: false, short: 'webgpu package not installed', reason: 'the optional package webgpu (Dawn) is not installed' }
      : { ok: false, short: 'Dawn did not load', reason: `the webgpu package (Dawn) did not load: ${message}` };
  }
  // tfjs-backend-webgpu uses the WebGPU globals (GPUBuffer, GPUBufferUsage…) and checks navigator.gpu.
  Object.assign(globalThis, dawn.globals);
  const gpu = dawn.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    const api = PLATFORM_API[process.platform] ?? 'native';
    return { ok: false, short: 'no WebGPU adapter', reason: `Dawn found no usable ${api} device (no driver, or one too old for WebGPU)` };
  }
  const description = describeAdapter(adapter.info, await listAdapters(dawn));
  try {
    const device = await adapter.requestDevice({
      requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
      requiredLimits: Object.fromEntries(LIMITS.map((name) => [name, adapter.limits[name]!])),
    });
    const navigator = ((globalThis as { navigator?: object }).navigator ??= {});
    Object.defineProperty(navigator, 'gpu', { value: gpu, configurable: true });
    if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
    tf.registerBackend('webgpu', () => new WebGPUBackend(device as never, adapter.info as never));
    if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs could not start its webgpu backend');
  } catch (err) {
    return { ok: false, short: 'WebGPU device failed', reason: `${description.name}: ${firstLine(err)}` };
  }
  return { ok: true, adapter: description };
}

/** Name, API and driver of the adapter, and whether it is software. Exported for its tests. */
export function describeAdapter(info: AdapterInfo, listed: { api: string; name: string }[]): GpuAdapter {
  // Dawn reports the device name normalised ("llvmpipe-llvm-15-0-6-256-bits-"); its adapter list has it as the driver does.
  const match = listed.find((a) => a.name.toLowerCase().replace(/[^a-z0-9]+/g, '-') === info.device);
  const name = match?.name ?? (info.device || info.description || info.vendor || 'unknown adapter');
  return {
    name,
    api: match ? (API_NAMES[match.api] ?? match.api) : (PLATFORM_API[process.platform] ?? 'native'),
    vendor: info.vendor,
    architecture: info.architecture,
    driver: info.description,
    software: isSoftwareAdapter(info, [name, info.vendor, info.device, info.description]),
  };
}

/**
 * The adapters Dawn can see, as `{ api, name }`: Dawn lists them in its error when asked for an adapter
 * that does not exist (dawn.node's documented way to find names). Empty if that ever changes.
 */
async function listAdapters(dawn: DawnModule): Promise<{ api: string; name: string }[]> {
  try {
    await dawn.create(['adapter=\u0001']).requestAdapter();
  } catch (err) {
    return parseAdapterList(err instanceof Error ? err.message : String(err));
  }
  return [];
}

/** Lines like ` * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'`. Exported for its tests. */
export function parseAdapterList(message: string): { api: string; name: string }[] {
  return [...message.matchAll(/^\s*\* backend: '(\w+)', name: '(.*)'\s*$/gm)].map((m) => ({ api: m[1]!, name: m[2]! }));
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();
}
