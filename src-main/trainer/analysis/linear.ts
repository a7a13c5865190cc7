/**
 * The reference of the linear share (Nakkiran et al., "SGD on Neural Networks Learns Functions of
 * Increasing Complexity", NeurIPS 2019): a multinomial logistic regression on raw pixels, scaled to [0, 1]
 * as the network sees them. The fit is deterministic and plain, so that NumPy can repeat it: weights and
 * bias from zero, full-batch gradients of the mean softmax cross-entropy, `iterations` steps of Adam
 * (β₁ 0.9, β₂ 0.999, ε 1e-8, bias-corrected), no regularisation. Its cost is iterations × two
 * [images × pixels] × [pixels × classes] products: the caller bounds the images.
 */
import * as tf from '@tensorflow/tfjs';
import type { Split } from '../../datasets/split.ts';
import type { ForwardLinearFit, LinearFitQuery } from '../protocol.ts';

const [BETA1, BETA2, EPSILON] = [0.9, 0.999, 1e-8];

export function fitLinear(split: Split, pixels: number, classes: number, query: LinearFitQuery): ForwardLinearFit {
  const n = split.count;
  const x = tf.tidy(() => tf.div(tf.tensor2d(Float32Array.from(split.images.subarray(0, n * pixels)), [n, pixels]), 255));
  const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Int32Array.from(split.labels.subarray(0, n)), 'int32'), classes).toFloat());
  let params = [tf.zeros([pixels, classes]), tf.zeros([classes])];
  let moments = params.flatMap((p) => [tf.zerosLike(p), tf.zerosLike(p)]);
  const residual = (w: tf.Tensor, b: tf.Tensor) => tf.sub(tf.softmax(tf.add(tf.matMul(x, w), b)), y);
  for (let t = 1; t <= query.iterations; t++) {
    const next = tf.tidy(() => {
      const r = residual(params[0]!, params[1]!);
      const grads = [tf.div(tf.matMul(x, r, true, false), n), tf.div(tf.sum(r, 0), n)];
      const step = query.learningRate / (1 - BETA1 ** t);
      const out: tf.Tensor[] = [];
      grads.forEach((g, i) => {
        const m = tf.add(tf.mul(moments[2 * i]!, BETA1), tf.mul(g, 1 - BETA1));
        const v = tf.add(tf.mul(moments[2 * i + 1]!, BETA2), tf.mul(tf.square(g), 1 - BETA2));
        const vHat = tf.div(v, 1 - BETA2 ** t);
        out.push(tf.sub(params[i]!, tf.mul(step, tf.div(m, tf.add(tf.sqrt(vHat), EPSILON)))), m, v);
      });
      return out;
    });
    tf.dispose([...params, ...moments]);
    params = [next[0]!, next[3]!];
    moments = [next[1]!, next[2]!, next[4]!, next[5]!];
  }
  const loss = tf.tidy(() => tf.losses.softmaxCrossEntropy(y, tf.add(tf.matMul(x, params[0]!), params[1]!)));
  const result = { kernel: params[0]!.dataSync() as Float32Array, bias: params[1]!.dataSync() as Float32Array, loss: loss.dataSync()[0]! };
  tf.dispose([x, y, loss, ...params, ...moments]);
  return result;
}
