/**
 * What each unit of conv1, conv2 and the class layer responds to, at one snapshot, in the process where
 * tfjs runs (the forward server):
 *
 *  - top examples (Zeiler & Fergus, ECCV 2014): the TOP_EXAMPLES images of a split on which the unit's
 *    activation is highest — a conv channel's maximum over positions after its ReLU, a class's logit —
 *    with where the channel peaks; ties go to the lower image index, so the answer is the one an argsort
 *    of the same numbers gives;
 *  - feature visualization (Olah, Mordvintsev & Schubert, Distill 2017): an input optimised to maximise
 *    the unit (a channel's mean, a class's logit), from one seeded starting noise for every unit and snapshot, with the standard
 *    regularisers: the image is the sigmoid of a (half-)blurred parameter (in [0, 1], the model's input
 *    scale, and with less of the high-frequency noise an unblurred one grows), jittered by a seeded shift of up to
 *    JITTER pixels each step, with L2 and total-variation penalties; Adam, a fixed number of steps, every
 *    unit one image of one batch. The same seed and weights give the same bytes.
 *
 * The forward pass is LeNet's (model/lenet.ts) written out as functions of the snapshot's tensors, so that
 * the pre-ReLU maps are at hand; NHWC, kernels [kh, kw, in, out], pool2 flattened in NHWC order before fc1.
 */
import * as tf from '@tensorflow/tfjs';
import { TOP_EXAMPLES } from '../../../src-preload/api.ts';
import type { Split } from '../../datasets/split.ts';
import { batchTensors } from '../loop.ts';
import type { FilterUnits, SnapshotWeights } from '../protocol.ts';
import { ShuffleRng } from '../shuffle.ts';

/** Images per forward batch when searching a split (conv1's maps of 500 images: 23 MB). */
const SEARCH_BATCH = 500;
const JITTER = 2;
const LEARNING_RATE = 0.1;
const L2 = 1e-5;
const TV = 1e-4;
/**
 * The softplus's sharpness in the objective that is maximised (softplus(βm)/β → ReLU as β grows): sharp, so
 * that the many silent positions of a map do not outweigh the few that respond (their pull is the kernel's
 * sum, which for many kernels is negative: it darkens the image until nothing responds).
 */
const SHARPNESS = 40;
/** The starting parameter's noise: uniform in ±NOISE (pixels from 0.12 to 0.88: some positions of every unit respond at the start, and their gradient is the kernel's pattern, not only its sum). */
const NOISE = 2;

interface Params {
  k1: tf.Tensor4D;
  b1: tf.Tensor1D;
  k2: tf.Tensor4D;
  b2: tf.Tensor1D;
  k3: tf.Tensor2D;
  b3: tf.Tensor1D;
  k4: tf.Tensor2D;
  b4: tf.Tensor1D;
}

/** The pre-ReLU conv maps and the logits of a batch x [n, H, W, C] in [0, 1]. */
interface Maps {
  conv1: tf.Tensor4D;
  conv2: tf.Tensor4D;
  logits: tf.Tensor2D;
}

function paramsOf(weights: SnapshotWeights, inputChannels: number, classes: number): Params {
  const get = (name: keyof SnapshotWeights) => {
    const data = weights[name];
    if (!data) throw new Error(`the snapshot has no ${name}`);
    return data;
  };
  const fcIn = get('fc1/kernel').length / 500;
  return {
    k1: tf.tensor4d(get('conv1/kernel'), [5, 5, inputChannels, 20]),
    b1: tf.tensor1d(get('conv1/bias')),
    k2: tf.tensor4d(get('conv2/kernel'), [5, 5, 20, 50]),
    b2: tf.tensor1d(get('conv2/bias')),
    k3: tf.tensor2d(get('fc1/kernel'), [fcIn, 500]),
    b3: tf.tensor1d(get('fc1/bias')),
    k4: tf.tensor2d(get('fc2/kernel'), [500, classes]),
    b4: tf.tensor1d(get('fc2/bias')),
  };
}

function forward(p: Params, x: tf.Tensor4D): Maps {
  const conv1 = tf.add<tf.Tensor4D>(tf.conv2d(x, p.k1, 1, 'valid'), p.b1);
  const pool1 = tf.maxPool(tf.relu(conv1), 2, 2, 'valid');
  const conv2 = tf.add<tf.Tensor4D>(tf.conv2d(pool1, p.k2, 1, 'valid'), p.b2);
  const pool2 = tf.maxPool(tf.relu(conv2), 2, 2, 'valid');
  const flat = tf.reshape(pool2, [x.shape[0], -1]) as tf.Tensor2D;
  const fc1 = tf.relu(tf.add(tf.matMul(flat, p.k3), p.b3));
  const logits = tf.add(tf.matMul(fc1, p.k4), p.b4) as tf.Tensor2D;
  return { conv1, conv2, logits };
}

/** The units of the three layers, in order: conv1's 20, conv2's 50, the classes. */
const unitCounts = (classes: number) => [20, 50, classes];

/**
 * Per unit (conv1, conv2, classes): the highest mean over positions of any image (after the ReLU; the
 * logit for a class), then TOP_EXAMPLES × (image, value, y, x) best first, y x where the channel peaks in
 * its map (0 0 for a class). Images are positions in `split`.
 */
export function topExamples(weights: SnapshotWeights, split: Split, geometry: { shape: [number, number, number]; classes: number }): FilterUnits {
  const counts = unitCounts(geometry.classes);
  const units = counts.reduce((a, b) => a + b, 0);
  const peak = new Float32Array(split.count * units);
  const where = new Int32Array(split.count * units);
  const mean = new Float32Array(split.count * units);
  // The width of conv1's and conv2's maps (valid 5 × 5 convolutions, a 2 × 2 pool between), for the peak's row and column.
  const widths = [geometry.shape[1] - 4, (geometry.shape[1] - 4) / 2 - 4];
  const p = paramsOf(weights, geometry.shape[2], geometry.classes);
  try {
    for (let start = 0; start < split.count; start += SEARCH_BATCH) {
      const end = Math.min(split.count, start + SEARCH_BATCH);
      const read = tf.tidy(() => {
        const { x } = batchTensors(split, geometry, start, end);
        const maps = forward(p, x);
        const n = end - start;
        return [maps.conv1, maps.conv2].flatMap((m) => {
          const flat = tf.reshape(tf.relu(m), [n, -1, m.shape[3]]);
          return [tf.max(flat, 1), tf.argMax(flat, 1), tf.mean(flat, 1)];
        }).concat([maps.logits]);
      });
      const arrays = read.map((t) => t.dataSync());
      tf.dispose(read);
      const n = end - start;
      let offset = 0;
      counts.forEach((c, layer) => {
        const [max, arg, avg] = layer < 2 ? arrays.slice(layer * 3, layer * 3 + 3) : [arrays[6]!, undefined, arrays[6]!];
        for (let i = 0; i < n; i++) {
          for (let u = 0; u < c; u++) {
            const at = (start + i) * units + offset + u;
            peak[at] = max![i * c + u]!;
            where[at] = arg ? arg[i * c + u]! : 0;
            mean[at] = avg![i * c + u]!;
          }
        }
        offset += c;
      });
    }
  } finally {
    tf.dispose(Object.values(p));
  }
  const per = 1 + 4 * TOP_EXAMPLES;
  const data = new Float64Array(units * per);
  let unit = 0;
  counts.forEach((c, layer) => {
    for (let u = 0; u < c; u++, unit++) {
      let best = -Infinity;
      for (let i = 0; i < split.count; i++) best = Math.max(best, mean[i * units + unit]!);
      data[unit * per] = best;
      top(peak, units, unit, split.count).forEach((image, k) => {
        const at = image * units + unit;
        const width = widths[layer] ?? 1;
        const cell = where[at]!;
        data.set([image, peak[at]!, Math.floor(cell / width), cell % width], unit * per + 1 + 4 * k);
      });
    }
  });
  return { units: counts, data };
}

/** The TOP_EXAMPLES images with the highest value of one unit, best first, ties to the lower index. */
function top(values: Float32Array, stride: number, unit: number, count: number): number[] {
  const kept: number[] = [];
  const better = (a: number, b: number) => values[a * stride + unit]! > values[b * stride + unit]! || (values[a * stride + unit] === values[b * stride + unit] && a < b);
  for (let i = 0; i < count; i++) {
    if (kept.length === TOP_EXAMPLES && !better(i, kept.at(-1)!)) continue;
    let k = Math.min(kept.length, TOP_EXAMPLES - 1);
    kept[k] = i;
    while (k > 0 && better(i, kept[k - 1]!)) {
      kept[k] = kept[k - 1]!;
      kept[--k] = i;
    }
  }
  return kept;
}

/** The starting noise's parameter, the same for every unit and snapshot of a seed: [H, W, C]. */
export function startingParameter(shape: [number, number, number], seed: number): Float32Array {
  const rng = new ShuffleRng(seed);
  return Float32Array.from({ length: shape[0] * shape[1] * shape[2] }, () => (2 * rng.next() - 1) * NOISE);
}

/**
 * Half a 3 × 3 binomial blur of each channel by itself (½ identity + ½ binomial: the finest checkerboard
 * kept at half its amplitude — a full blur removes it, and with it the only way a conv1 kernel with a
 * negative sum can respond), as a plain convolution's [3, 3, C, C] kernel (wasm has no gradient kernel for
 * a depthwise one).
 */
function blurKernel(channels: number): tf.Tensor4D {
  const taps = [1, 2, 1, 2, 4 + 16, 2, 1, 2, 1];
  const k = new Float32Array(9 * channels * channels);
  taps.forEach((t, i) => {
    for (let ch = 0; ch < channels; ch++) k[(i * channels + ch) * channels + ch] = t / 32;
  });
  return tf.tensor4d(k, [3, 3, channels, channels]);
}

/** The image a parameter stands for: sigmoid of its blur, in [0, 1]. */
const imageOf = (param: tf.Tensor4D, blur: tf.Tensor4D) => tf.sigmoid(tf.conv2d(param, blur, 1, 'same'));

/**
 * Per unit (conv1, conv2, classes): its activation on the optimised image (a channel's mean after the ReLU,
 * a class's logit), the same on the starting image, then the optimised image's H·W·C values in [0, 1];
 * after the last unit, the starting image's H·W·C values.
 */
export function featureVis(weights: SnapshotWeights, geometry: { shape: [number, number, number]; classes: number }, steps: number, seed: number): FilterUnits {
  const counts = unitCounts(geometry.classes);
  const units = counts.reduce((a, b) => a + b, 0);
  const [h, w, c] = geometry.shape;
  const pixels = h * w * c;
  const p = paramsOf(weights, c, geometry.classes);
  const blur = blurKernel(c);
  // Each image b selects its unit: one-hot masks over conv1's channels, conv2's, the classes.
  const masks = counts.map((n, layer) => {
    const offset = counts.slice(0, layer).reduce((a, b) => a + b, 0);
    const m = new Float32Array(units * n);
    for (let u = 0; u < n; u++) m[(offset + u) * n + u] = 1;
    return tf.tensor2d(m, [units, n]);
  });
  /**
   * Each image's unit objective: [units]; `relu` as reported, else what is maximised: the log of the mean of
   * a sharp softplus in place of the ReLU (ReLU's own gradient is 0 wherever the unit is silent, the plain
   * pre-ReLU mean rewards only the kernel's sum, not its pattern; the log, which has the same maximum, keeps
   * a unit silent on the start from being outweighed by the penalties).
   */
  const objective = (x: tf.Tensor4D, relu: boolean) => {
    const maps = forward(p, x);
    const smooth = (m: tf.Tensor4D) => tf.log(tf.add(tf.mean(tf.div(tf.softplus(tf.mul(m, SHARPNESS)), SHARPNESS), [1, 2]), 1e-30));
    const channel = (m: tf.Tensor4D) => (relu ? tf.mean(tf.relu(m), [1, 2]) : smooth(m));
    return tf.addN([channel(maps.conv1), channel(maps.conv2), maps.logits].map((a, layer) => tf.sum(tf.mul(a, masks[layer]!), 1)));
  };
  const start = startingParameter(geometry.shape, seed);
  const param = tf.variable(tf.tile(tf.tensor4d(start, [1, h, w, c]), [units, 1, 1, 1]) as tf.Tensor4D);
  const optimizer = tf.train.adam(LEARNING_RATE);
  const rng = new ShuffleRng(seed ^ 0x5eed);
  try {
    const [startImage, startObjective] = tf.tidy(() => {
      const x = imageOf(param, blur);
      return [tf.slice(x, [0, 0, 0, 0], [1, h, w, c]), objective(x, true)];
    });
    const startPixels = startImage!.dataSync();
    const startValues = startObjective!.dataSync();
    tf.dispose([startImage!, startObjective!]);
    for (let step = 0; step < steps; step++) {
      const dy = Math.floor(rng.next() * (2 * JITTER + 1));
      const dx = Math.floor(rng.next() * (2 * JITTER + 1));
      optimizer.minimize(() => {
        const x = imageOf(param, blur);
        const padded = tf.mirrorPad(x, [[0, 0], [JITTER, JITTER], [JITTER, JITTER], [0, 0]], 'reflect');
        const jittered = tf.slice(padded, [0, dy, dx, 0], [units, h, w, c]);
        const gain = tf.sum(objective(jittered, false));
        const l2 = tf.sum(tf.square(tf.sub(x, 0.5)));
        const tv = tf.add(tf.sum(tf.abs(tf.sub(tf.slice(x, [0, 1, 0, 0], [-1, h - 1, -1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, h - 1, -1, -1])))),
          tf.sum(tf.abs(tf.sub(tf.slice(x, [0, 0, 1, 0], [-1, -1, w - 1, -1]), tf.slice(x, [0, 0, 0, 0], [-1, -1, w - 1, -1])))));
        return tf.sub(tf.add(tf.mul(L2, l2), tf.mul(TV, tv)), gain) as tf.Scalar;
      }, false, [param]);
    }
    const [finalImages, finalValues] = tf.tidy(() => {
      const x = imageOf(param, blur);
      return [x, objective(x, true)];
    });
    const images = finalImages!.dataSync();
    const values = finalValues!.dataSync();
    tf.dispose([finalImages!, finalValues!]);
    const per = 2 + pixels;
    const data = new Float64Array(units * per + pixels);
    for (let u = 0; u < units; u++) {
      data[u * per] = values[u]!;
      data[u * per + 1] = startValues[u]!;
      data.set(images.subarray(u * pixels, (u + 1) * pixels), u * per + 2);
    }
    data.set(startPixels, units * per);
    return { units: counts, data };
  } finally {
    optimizer.dispose();
    param.dispose();
    tf.dispose([...Object.values(p), blur, ...masks]);
  }
}
