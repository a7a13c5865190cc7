/** Backend selection: what each choice gives on this machine, and the reasons it reports. */
import * as tf from '@tensorflow/tfjs';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src-preload/api.ts';
import { initBackend } from '../../../../src-main/trainer/backend/index.ts';
import { cudaProblem, explainLoadError, type LibrarySearch } from '../../../../src-main/trainer/backend/native.ts';
import { describeAdapter, parseAdapterList } from '../../../../src-main/trainer/backend/webgpu.ts';
import { installed } from '../../core/training/sample.ts';

const noNative = !installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu');

describe.runIf(noNative)('without the optional TensorFlow packages', () => {
  it("an explicit 'tensorflow' fails with both reasons", async () => {
    const err = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'unavailable', field: 'backend' });
    expect((err as Error).message).toMatch(/tfjs-node-gpu: not installed.*tfjs-node: not installed/);
  });
});

it("'cpu' is chosen when asked for, with a warning", async () => {
  const info = await initBackend('cpu');
  expect(info).toMatchObject({ name: 'cpu', gpu: false, summary: 'CPU: plain JavaScript — asked for by name', warning: expect.stringContaining('very slow') });
  expect(tf.getBackend()).toBe('cpu');
});

it("'wasm' can follow another choice in the same process", async () => {
  const info = await initBackend('wasm');
  expect(info).toMatchObject({ name: 'wasm', gpu: false });
  expect(info.summary).toMatch(/^CPU: wasm, \d threads? — asked for by name$/);
  expect(info.detail).toMatch(/^tfjs-backend-wasm 4\.22\.0 \(SIMD, \d+ threads?\) with fast training kernels/);
  expect(tf.getBackend()).toBe('wasm');
  expect(tf.add(tf.scalar(2), tf.scalar(3)).dataSync()[0]).toBe(5);
});

describe('explainLoadError', () => {
  it('names the missing CUDA 11 runtime library', () => {
    const err = new Error(
      'libcudart.so.11.0: cannot open shared object file: No such file or directory\n    at Module._extensions..node',
    );
    expect(explainLoadError('@tensorflow/tfjs-node-gpu', err)).toBe('CUDA 11 runtime missing: libcudart.so.11.0');
  });

  it('names a missing cuDNN', () => {
    const err = new Error('libcudnn.so.8: cannot open shared object file: No such file or directory');
    expect(explainLoadError('@tensorflow/tfjs-node-gpu', err)).toBe('cuDNN 8 runtime missing: libcudnn.so.8');
  });

  it('says the native binding was never downloaded', () => {
    const err = Object.assign(
      new Error("Cannot find module '/app/node_modules/@tensorflow/tfjs-node/lib/napi-v8/tfjs_binding.node'"),
      { code: 'MODULE_NOT_FOUND' },
    );
    expect(explainLoadError('@tensorflow/tfjs-node', err)).toMatch(/without its native binding/);
  });

  it('passes anything else through as its first line', () => {
    expect(explainLoadError('@tensorflow/tfjs-node', new Error('boom\nstack'))).toBe('boom');
  });
});

describe('cudaProblem: the CUDA 11 and cuDNN 8 check before tfjs-node-gpu loads', () => {
  const ALL = ['libcuda.so.1', 'libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11', 'libcudnn.so.8'];
  const ldconfig = (libs: string[]) =>
    `${libs.length} libs found in cache \`/etc/ld.so.cache'\n` +
    libs.map((l) => `\t${l} (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/${l}`).join('\n');
  const linux = (over: Partial<LibrarySearch>): LibrarySearch => ({ platform: 'linux', dirs: [], exists: () => false, ...over });

  it("finds every library in the loader's cache", () => {
    expect(cudaProblem(linux({ ldconfig: ldconfig(ALL) }))).toBeUndefined();
  });

  it('says what is missing on a machine with only CUDA 12, and what to install', () => {
    const cuda12 = ['libcuda.so.1', 'libcudart.so.12', 'libcublas.so.12', 'libcudnn.so.9'];
    const problem = cudaProblem(linux({ ldconfig: ldconfig(cuda12) }))!;
    expect(problem.short).toBe('CUDA 11.2 runtime not found; cuDNN 8.1 not found');
    expect(problem.reason).toContain('CUDA 11.2 runtime not found (libcudart.so.11.0, libcublas.so.11, libcublasLt.so.11)');
    expect(problem.reason).toContain('cuDNN 8.1 not found (libcudnn.so.8)');
    expect(problem.reason).toMatch(/libcudnn8.*LD_LIBRARY_PATH/);
  });

  it('looks in the library path folders too (real files)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'weightlapse-cuda-'));
    try {
      for (const lib of ALL.slice(1)) writeFileSync(join(dir, lib), '');
      const search = linux({ ldconfig: ldconfig(['libcuda.so.1']), dirs: ['/nonexistent', dir], exists: existsSync });
      expect(cudaProblem(search)).toBeUndefined();
      rmSync(join(dir, 'libcudnn.so.8'));
      expect(cudaProblem(search)?.short).toBe('cuDNN 8.1 not found');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('names a missing NVIDIA driver', () => {
    expect(cudaProblem(linux({ ldconfig: ldconfig(ALL.slice(1)) }))?.short).toBe('NVIDIA driver not found');
  });

  it('says macOS has no CUDA build and points to WebGPU', () => {
    expect(cudaProblem({ platform: 'darwin', dirs: [], exists: () => true })).toEqual({
      short: 'no CUDA on macOS',
      reason: expect.stringContaining('WebGPU (Metal)'),
    });
  });

  it('looks for the Windows DLL names on PATH', () => {
    const dlls = new Set(['C:\\cuda\\cudart64_110.dll', 'C:\\cuda\\cublas64_11.dll', 'C:\\cuda\\cublasLt64_11.dll', 'C:\\cuda\\nvcuda.dll']);
    const win: LibrarySearch = { platform: 'win32', dirs: ['C:\\cuda'], exists: (p) => dlls.has(p.replaceAll('/', '\\')) };
    expect(cudaProblem(win)?.short).toBe('cuDNN 8.1 not found');
  });
});

describe('WebGPU adapters', () => {
  const listing = `no suitable backends found
Available adapters:
 * backend: 'vulkan', name: 'NVIDIA GeForce RTX 4070'
 * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'`;

  it("reads Dawn's adapter list", () => {
    expect(parseAdapterList(listing)).toEqual([
      { api: 'vulkan', name: 'NVIDIA GeForce RTX 4070' },
      { api: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
    ]);
    expect(parseAdapterList('something else')).toEqual([]);
  });

  it('names a hardware adapter as its driver does, with its API', () => {
    const info = { vendor: 'nvidia', architecture: 'lovelace', device: 'nvidia-geforce-rtx-4070', description: 'NVIDIA: 550.54.14' };
    expect(describeAdapter(info, parseAdapterList(listing))).toEqual({
      name: 'NVIDIA GeForce RTX 4070',
      api: 'Vulkan',
      vendor: 'nvidia',
      architecture: 'lovelace',
      driver: 'NVIDIA: 550.54.14',
      software: false,
    });
  });

  it('knows software adapters by flag, architecture or name', () => {
    const lavapipe = { vendor: 'mesa', architecture: 'software', device: 'llvmpipe-llvm-15-0-6-256-bits-', description: 'llvmpipe: Mesa 25.0.7' };
    expect(describeAdapter(lavapipe, parseAdapterList(listing))).toMatchObject({ name: 'llvmpipe (LLVM 15.0.6, 256 bits)', software: true });
    const swiftshader = { vendor: 'google', architecture: '', device: 'swiftshader-device-subzero-', description: 'SwiftShader driver' };
    expect(describeAdapter(swiftshader, []).software).toBe(true);
    const flagged = { vendor: 'unknown', architecture: '', device: 'some-device', description: '', isFallbackAdapter: true };
    expect(describeAdapter(flagged, []).software).toBe(true);
    const hardware = { vendor: 'amd', architecture: 'rdna-3', device: 'amd-radeon-rx-7900', description: 'AMD open-source driver' };
    expect(describeAdapter(hardware, [])).toMatchObject({ name: 'amd-radeon-rx-7900', software: false });
  });
});
