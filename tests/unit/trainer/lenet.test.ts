import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { runConfigSchema, TENSOR_NAMES } from '../../../src-preload/api.ts';
import { initBackend } from '../../../src-main/trainer/backend/index.ts';
import { createLeNet } from '../../../src-main/trainer/model/lenet.ts';
import type { Split } from '../../../src-main/datasets/split.ts';
import { batchTensors, evaluate, makeOptimizer, trainStep } from '../../../src-main/trainer/loop.ts';
import { loadSample } from '../core/training/sample.ts';

const MNIST = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
let train: Split;
let test: Split;

beforeAll(async () => {
  await initBackend('wasm', { wasmThreads: 1 });
  ({ train, test } = await loadSample(128, 100));
});

const weightsOf = (net: ReturnType<typeof createLeNet>) => net.weights.map((w) => w.variable.dataSync().slice());

describe('LeNet', () => {
  it('has the study’s layers, shapes and parameter counts', () => {
    const mnist = createLeNet([28, 28, 1], 1);
    const cifar = createLeNet([32, 32, 3], 1);
    expect(mnist.model.countParams()).toBe(431_080);
    expect(cifar.model.countParams()).toBe(657_080);
    expect(mnist.weights.map((w) => w.name)).toEqual([...TENSOR_NAMES]);
    expect(mnist.weights.map((w) => w.variable.shape)).toEqual([[5, 5, 1, 20], [20], [5, 5, 20, 50], [50], [800, 500], [500], [500, 10], [10]]);
    expect(cifar.weights[0]!.variable.shape).toEqual([5, 5, 3, 20]);
    const out = tf.tidy(() => mnist.model.predict(tf.zeros([3, 28, 28, 1])) as tf.Tensor);
    expect(out.shape).toEqual([3, 10]);
    tf.dispose(out);
    mnist.model.dispose();
    cifar.model.dispose();
  });

  it('starts from bit-identical weights for the same seed, whatever is frozen, and different ones for another seed', () => {
    const a = createLeNet([28, 28, 1], 7);
    const b = createLeNet([28, 28, 1], 7, ['conv1', 'conv2']);
    const c = createLeNet([28, 28, 1], 8);
    const [wa, wb, wc] = [weightsOf(a), weightsOf(b), weightsOf(c)];
    for (let i = 0; i < wa.length; i++) expect(Buffer.from(wb[i]!.buffer).equals(Buffer.from(wa[i]!.buffer))).toBe(true);
    expect(Buffer.from(wc[0]!.buffer).equals(Buffer.from(wa[0]!.buffer))).toBe(false);
    expect(b.trainable).toHaveLength(4);
    for (const net of [a, b, c]) net.model.dispose();
  });

  it('keeps frozen layers bit-for-bit and moves the others during training', async () => {
    const net = createLeNet([28, 28, 1], 3, ['conv1', 'conv2']);
    const optimizer = makeOptimizer(runConfigSchema.parse({}));
    const before = weightsOf(net);
    for (let start = 0; start < train.count; start += 64) {
      const { x, y } = batchTensors(train, MNIST, start, Math.min(train.count, start + 64));
      await trainStep(net, optimizer, x, y);
      tf.dispose([x, y]);
    }
    const after = weightsOf(net);
    net.weights.forEach((w, i) => {
      const same = Buffer.from(after[i]!.buffer).equals(Buffer.from(before[i]!.buffer));
      expect([w.name, same]).toEqual([w.name, w.name.startsWith('conv')]);
    });
    optimizer.dispose();
    net.model.dispose();
  });

  it('leaks no tensors across a training step and an evaluation', async () => {
    const net = createLeNet([28, 28, 1], 1);
    const optimizer = makeOptimizer(runConfigSchema.parse({ optimizer: 'adam' }));
    const step = async () => {
      const { x, y } = batchTensors(train, MNIST, 0, 32);
      const result = await trainStep(net, optimizer, x, y);
      tf.dispose([x, y]);
      return result;
    };
    await step(); // the optimizer creates its slots on the first step
    const count = tf.memory().numTensors;
    const { loss, correct } = await step();
    const metrics = (await evaluate(net, test, MNIST))!;
    expect(tf.memory().numTensors).toBe(count);
    expect(loss).toBeGreaterThan(0);
    expect(correct).toBeGreaterThanOrEqual(0);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0);
    expect(metrics.accuracy).toBeLessThanOrEqual(1);
    optimizer.dispose();
    net.model.dispose();
  });
});
