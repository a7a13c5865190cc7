/**
 * Whole-LeNet gradients with the fast wasm kernels against the stock wasm kernels, and no tensor or
 * wasm-memory leak across training steps.
 *
 * The reference is stock wasm, not cpu: the two backends round the forward pass differently, and where a
 * max-pool window's two largest values are closer than that rounding they pick different maxima, which
 * moves a gradient entry legitimately. On one backend the forward pass, and so every argmax, is identical.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLeNet, type LeNet } from '../../../../src-main/trainer/model/lenet.ts';
import { initBackend } from '../../../../src-main/trainer/backend/index.ts';
import { registerWasmTrainingKernels, restoreStockWasmKernels } from '../../../../src-main/trainer/backend/wasm-kernels.ts';
import { fashionBatch, randArray, relError } from './helpers.ts';

beforeAll(async () => {
  await initBackend('wasm', { wasmThreads: 1 });
});
afterAll(() => registerWasmTrainingKernels());

/**
 * Stock wasm has no Conv2DBackpropFilter at all: the reference uses its Conv3DBackpropFilterV2 on a
 * depth-1 volume (correct, and about five times slower than the fast one).
 */
function registerStockBackpropFilter(): void {
  const conv3d = tf.getKernel('Conv3DBackpropFilterV2', 'wasm').kernelFunc;
  const reshape = tf.getKernel('Reshape', 'wasm').kernelFunc;
  tf.registerKernel({
    kernelName: 'Conv2DBackpropFilter',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, dy } = inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
      const { strides, pad, filterShape } = attrs as { strides: number | number[]; pad: string; filterShape: number[] };
      const [sh, sw] = typeof strides === 'number' ? [strides, strides] : strides;
      const to5d = (t: tf.TensorInfo) =>
        reshape({ inputs: { x: t }, backend, attrs: { shape: [t.shape[0], 1, ...t.shape.slice(1)] } }) as tf.TensorInfo;
      const x5 = to5d(x);
      const dy5 = to5d(dy);
      const out5 = conv3d({
        inputs: { x: x5, dy: dy5 },
        backend,
        attrs: { strides: [1, sh, sw], pad, filterShape: [1, ...filterShape] },
      }) as tf.TensorInfo;
      const out = reshape({ inputs: { x: out5 }, backend, attrs: { shape: filterShape } }) as tf.TensorInfo;
      for (const t of [x5, dy5, out5]) (backend as BackendWasm).disposeData(t.dataId);
      return out;
    },
  });
}

/** Fan-in scaled seeded weights, so that activations neither vanish nor saturate. */
function setSeededWeights(net: LeNet, seed: number): void {
  net.weights.forEach(({ variable }, i) => {
    const fanIn = variable.shape.length > 1 ? variable.shape.slice(0, -1).reduce((a, b) => a * b) : 1;
    const data = randArray(variable.shape, seed + i).map((v) => v * Math.sqrt(3 / fanIn));
    variable.assign(tf.tensor(data, variable.shape));
  });
}

type Batch = () => { x: tf.Tensor4D; y: tf.Tensor2D };

/** Seeded random images (ReLU-like: many zeros), in any shape and number. */
const randomBatch = (count: number, inputShape: [number, number, number]): Batch => () => ({
  x: tf.tensor4d(randArray([count, ...inputShape], 7, { relu: true }), [count, ...inputShape]),
  y: tf.oneHot(tf.tensor1d(Array.from({ length: count }, (_, i) => (i * 7) % 10), 'int32'), 10) as tf.Tensor2D,
});

function lenetGradients(inputShape: [number, number, number], batch: Batch): Map<string, Float32Array> {
  const net = createLeNet(inputShape, 1);
  setSeededWeights(net, 1000);
  const { x, y } = batch();
  const { value, grads } = tf.variableGrads(
    () => tf.losses.softmaxCrossEntropy(y, net.model.apply(x) as tf.Tensor) as tf.Scalar,
    net.weights.map((w) => w.variable),
  );
  const out = new Map(net.weights.map(({ name, variable }) => [name, grads[variable.name].dataSync() as Float32Array]));
  tf.dispose([value, x, y, ...Object.values(grads)]);
  net.model.dispose();
  return out;
}

// Fashion-MNIST's 60,000 training images end in a partial batch of 32.
describe.each<[string, [number, number, number], Batch]>([
  ['28×28×1, 64 random images', [28, 28, 1], randomBatch(64, [28, 28, 1])],
  ['32×32×3, 64 random images', [32, 32, 3], randomBatch(64, [32, 32, 3])],
  ['32×32×3, batch 1', [32, 32, 3], randomBatch(1, [32, 32, 3])],
  ['28×28×1, 64 Fashion-MNIST images', [28, 28, 1], () => fashionBatch(64)],
  ['28×28×1, a last partial batch of 32 Fashion-MNIST images', [28, 28, 1], () => fashionBatch(32)],
  ['28×28×1, batch 1, a Fashion-MNIST image', [28, 28, 1], () => fashionBatch(1)],
])('LeNet %s', (_label, inputShape, batch) => {
  it('has the same gradients with the fast kernels as with the stock ones', () => {
    restoreStockWasmKernels();
    registerStockBackpropFilter();
    const stock = lenetGradients(inputShape, batch);
    registerWasmTrainingKernels();
    const fast = lenetGradients(inputShape, batch);
    expect([...fast.keys()]).toEqual([...stock.keys()]);
    for (const [name, ref] of stock) {
      expect(ref.some((v) => v !== 0), `${name} gradient is all zeros`).toBe(true);
      expect(relError(fast.get(name)!, ref), name).toBeLessThanOrEqual(1e-4);
    }
  });
});

it('leaks no tensors and no wasm memory across training steps and an evaluation', async () => {
  const net = createLeNet([28, 28, 1], 3);
  const x = tf.tensor4d(randArray([64, 28, 28, 1], 11, { relu: true }), [64, 28, 28, 1]);
  const y = tf.oneHot(tf.tensor1d(Array.from({ length: 64 }, (_, i) => i % 10), 'int32'), 10);
  const optimizer = tf.train.momentum(0.01, 0.9);
  const step = () => optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, net.model.apply(x) as tf.Tensor) as tf.Scalar, false, net.trainable);
  const evaluate = () => tf.tidy(() => (net.model.predict(x) as tf.Tensor).argMax(-1).dataSync());
  step(); // the optimizer creates its momentum slots on the first step
  const backend = tf.backend() as BackendWasm;
  const tensors = tf.memory().numTensors;
  const dataIds = backend.numDataIds();
  for (let i = 0; i < 3; i++) step();
  evaluate();
  expect(tf.memory().numTensors).toBe(tensors);
  expect(backend.numDataIds()).toBe(dataIds);
  tf.dispose([x, y]);
  optimizer.dispose();
  net.model.dispose();
});
