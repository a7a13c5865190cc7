/**
 * LeNet as in the study: conv1 20@5×5 → ReLU → maxpool 2 → conv2 50@5×5 → ReLU → maxpool 2 → fc1 500 →
 * ReLU → fc2 10 → softmax. Built by a factory, never at import time.
 *
 * fc2 outputs logits: the softmax is applied by the loss (`tf.losses.softmaxCrossEntropy`, which is
 * numerically stable), and accuracy needs only the arg-max. The weights are the same either way.
 *
 * Initial weights depend only on the seed and the input shape: each kernel has its own seeded Glorot
 * initializer (drawn in JavaScript, so the same on every backend) and biases start at zero. Freezing is
 * applied after building, so two runs with the same seed start from bit-identical weights whatever is frozen.
 */
import * as tf from '@tensorflow/tfjs';
import { TENSOR_NAMES, type LayerName, type TensorName } from '../../../src-preload/api.ts';

export interface LeNet {
  model: tf.Sequential;
  /** Every weight and bias, in `TENSOR_NAMES` order. */
  weights: { name: TensorName; variable: tf.Variable }[];
  /** The variables the optimizer updates: those of the layers not frozen. */
  trainable: tf.Variable[];
}

/** A distinct seed per layer, so no two kernels draw the same numbers. */
const layerSeed = (seed: number, layer: number) => (seed * 7919 + layer * 104_729) % 2 ** 31;

/** `classes` is 10 for every data set the study used; a data set with its own class list may differ. */
export function createLeNet(
  inputShape: [number, number, number],
  seed: number,
  freeze: readonly LayerName[] = [],
  classes = 10,
): LeNet {
  const init = (layer: number) => ({
    kernelInitializer: tf.initializers.glorotUniform({ seed: layerSeed(seed, layer) }),
    biasInitializer: 'zeros' as const,
  });
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ name: 'conv1', inputShape, filters: 20, kernelSize: 5, padding: 'valid', activation: 'relu', ...init(1) }),
      tf.layers.maxPooling2d({ name: 'pool1', poolSize: 2, strides: 2 }),
      tf.layers.conv2d({ name: 'conv2', filters: 50, kernelSize: 5, padding: 'valid', activation: 'relu', ...init(2) }),
      tf.layers.maxPooling2d({ name: 'pool2', poolSize: 2, strides: 2 }),
      tf.layers.flatten({ name: 'flatten' }),
      tf.layers.dense({ name: 'fc1', units: 500, activation: 'relu', ...init(3) }),
      tf.layers.dense({ name: 'fc2', units: classes, ...init(4) }),
    ],
  });
  for (const name of freeze) model.getLayer(name).trainable = false;

  // tfjs makes variable names unique per process (conv1/kernel_1 …); originalName is the stable one.
  const byName = new Map(model.weights.map((w) => [w.originalName, w.read() as tf.Variable]));
  const weights = TENSOR_NAMES.map((name) => {
    const variable = byName.get(name);
    if (!variable) throw new Error(`LeNet has no weight named ${name}`);
    return { name, variable };
  });
  const trainable = weights.filter((w) => !freeze.includes(w.name.split('/')[0] as LayerName)).map((w) => w.variable);
  return { model, weights, trainable };
}

/** Logits for a batch of images (NHWC float32 in [0, 1]). */
export function logits(net: LeNet, x: tf.Tensor4D, training = false): tf.Tensor2D {
  return net.model.apply(x, { training }) as tf.Tensor2D;
}
