/** Backend selection: what each choice gives on this machine, and the reasons it reports. */
import * as tf from '@tensorflow/tfjs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../../src-preload/api.ts';
import { initBackend } from '../../../../src-main/trainer/backend/index.ts';
import { explainLoadError } from '../../../../src-main/trainer/backend/native.ts';

const installed = (pkg: string) => {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
};
const noNative = !installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu');

describe.runIf(noNative)('without the optional TensorFlow packages', () => {
  it("'auto' picks wasm and says why each TensorFlow package was passed over", async () => {
    const info = await initBackend('auto');
    expect(info.name).toBe('wasm');
    expect(info.warning).toBeUndefined();
    expect(info.detail).toMatch(/^tfjs-backend-wasm 4\.22\.0 \(SIMD, \d+ threads?\) with fast training kernels/);
    expect(info.detail).toContain('@tensorflow/tfjs-node-gpu: not installed');
    expect(info.detail).toContain('@tensorflow/tfjs-node: not installed');
    expect(tf.getBackend()).toBe('wasm');
  });

  it("an explicit 'tensorflow' fails with both reasons", async () => {
    const err = await initBackend('tensorflow').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'unavailable', field: 'backend' });
    expect((err as Error).message).toMatch(/tfjs-node-gpu: not installed.*tfjs-node: not installed/);
  });
});

it("'cpu' is chosen when asked for, with a warning", async () => {
  const info = await initBackend('cpu');
  expect(info).toMatchObject({ name: 'cpu', warning: expect.stringContaining('very slow') });
  expect(tf.getBackend()).toBe('cpu');
});

it("'wasm' can follow another choice in the same process", async () => {
  expect((await initBackend('wasm')).name).toBe('wasm');
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
