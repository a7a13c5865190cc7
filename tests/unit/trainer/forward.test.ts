/** The forward pass behind the activation views: the trained model's own outputs, no tensor left behind. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TensorName } from '../../../src-preload/api.ts';
import { initBackend } from '../../../src-main/trainer/backend/index.ts';
import { ForwardModel } from '../../../src-main/trainer/forward.ts';
import type { Split } from '../../../src-main/datasets/split.ts';
import { batchTensors } from '../../../src-main/trainer/loop.ts';
import { createLeNet, logits } from '../../../src-main/trainer/model/lenet.ts';
import { loadSample } from '../core/training/sample.ts';

const MNIST = { shape: [28, 28, 1] as [number, number, number], classes: 10 };
let test: Split;

beforeAll(async () => {
  await initBackend('wasm', { wasmThreads: 1 });
  ({ test } = await loadSample(10, 300));
});

const weightsOf = (net: ReturnType<typeof createLeNet>) =>
  Object.fromEntries(net.weights.map((w) => [w.name, w.variable.dataSync().slice() as Float32Array])) as Record<TensorName, Float32Array>;

describe('the forward pass over stored weights', () => {
  it('gives the model’s own layer outputs and the softmax of its logits', () => {
    const net = createLeNet(MNIST.shape, 11);
    const model = new ForwardModel(MNIST);
    model.setWeights(weightsOf(net));
    const few: Split = { images: test.images.subarray(0, 3 * 784), labels: test.labels.subarray(0, 3), count: 3 };
    const maps = model.maps(few);
    const [conv1, probabilities] = tf.tidy(() => {
      const { x } = batchTensors(few, MNIST, 0, 3);
      return [net.model.getLayer('conv1').apply(x) as tf.Tensor, tf.softmax(logits(net, x))];
    });
    expect(maps.conv1).toEqual(conv1!.dataSync());
    expect(maps.probabilities).toEqual(probabilities!.dataSync());
    expect([maps.conv1.length, maps.pool1.length, maps.conv2.length]).toEqual([3 * 24 * 24 * 20, 3 * 12 * 12 * 20, 3 * 8 * 8 * 50]);
    tf.dispose([conv1!, probabilities!]);

    // Predictions over a split of more than one batch: the arg-max of the same probabilities.
    const predictions = model.predict(test);
    const expected = tf.tidy(() => tf.argMax(logits(net, batchTensors(test, MNIST, 0, test.count).x), 1).dataSync());
    expect(Array.from(predictions.predicted)).toEqual(Array.from(expected));
    expect(predictions.confidence.every((p) => p >= 0.1 && p <= 1)).toBe(true);
    model.dispose();
    net.model.dispose();
  });

  it('leaks no tensors across snapshots, and refuses weights that do not fit', () => {
    const model = new ForwardModel(MNIST);
    const a = weightsOf(createLeNet(MNIST.shape, 1));
    const few: Split = { images: test.images.subarray(0, 784), labels: test.labels.subarray(0, 1), count: 1 };
    model.setWeights(a);
    model.maps(few);
    const count = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      model.setWeights(a);
      model.maps(few);
      model.predict(few);
    }
    expect(tf.memory().numTensors).toBe(count);
    const { 'fc2/bias': _gone, ...missing } = a;
    expect(() => model.setWeights(missing)).toThrow('the snapshot has no fc2/bias');
    expect(() => model.setWeights({ ...a, 'conv1/kernel': new Float32Array(10) })).toThrow(/conv1\/kernel has 10 values; this model needs \[5, 5, 1, 20\]/);
    model.dispose();
  });
});
