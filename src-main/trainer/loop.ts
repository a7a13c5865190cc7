/**
 * The training loop: LeNet on one data set, with a custom step (not `model.fit`) so that it controls
 * snapshots, progress, stopping and resuming. It knows nothing of processes or the database: the
 * trainer process (./trainer-process.ts) gives it callbacks that store snapshots and forward progress.
 *
 * Order of events: snapshot seq 0 (initial weights, test metrics), then for each epoch its batches in a
 * seeded order, optional extra snapshots inside the first epoch, and after the epoch a test evaluation
 * and a snapshot. Each snapshot carries the resume state that lets a later process continue exactly
 * where this one was: weights, optimizer slots, the shuffle RNG at the start of the epoch, the batch.
 * A stop abandons the epoch in progress; resuming replays it from the last snapshot.
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS, type EpochMetrics, type RunConfig, type TensorName } from '../../src-preload/api.ts';
import { createLeNet, logits, type LeNet } from './model/lenet.ts';
import type { LoopProgress } from './protocol.ts';
import type { NewSnapshot } from '../core/store/snapshots.ts';
import { ShuffleRng } from './shuffle.ts';
import { layerChanges, type Kernels } from './stats.ts';

export interface Split {
  /** HWC bytes of each image, concatenated. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

/** What a batch looks like: image shape (HWC) and the number of classes. */
export interface Geometry {
  shape: [number, number, number];
  classes: number;
}

export interface TrainingData extends Geometry {
  train: Split;
  test: Split;
}

export interface OptimizerState {
  iterations: number;
  /** The optimizer's slot variables (momentum, Adam moments) in its own order. */
  slots: { shape: number[]; data: Float32Array }[];
}

export interface ResumeState {
  /** The snapshot this state belongs to. */
  seq: number;
  /** The epoch in progress, from 0 (equal to the epochs completed when `batch` is 0). */
  epoch: number;
  /** Batches of that epoch already trained. */
  batch: number;
  /** The shuffle RNG at the start of that epoch: it yields the epoch's order again. */
  epochRngState: number;
  /** Running train loss and accuracy sums of the epoch in progress. */
  epochSums: { loss: number; correct: number; seen: number };
  trainSeconds: number;
  imagesTrained: number;
  optimizer: OptimizerState;
}

/** Where a resumed run starts: its last snapshot's weights and state, and its initial kernels. */
export interface StartPoint {
  weights: Map<TensorName, Float32Array>;
  initial: Kernels;
  state: ResumeState;
}

export interface LoopCallbacks {
  /** Stores a snapshot and its resume state, atomically. Called synchronously. */
  onSnapshot(snapshot: NewSnapshot, state: ResumeState): void;
  onProgress(progress: LoopProgress): void;
  /** Asked between batches: true ends the loop without finishing the epoch. */
  shouldStop(): boolean;
}

export interface LoopResult {
  status: 'done' | 'stopped';
  trainSeconds: number;
  imagesTrained: number;
  /** Time spent on snapshots in this process: reading weights, statistics and the callback. */
  snapshotSeconds: number;
  evalSeconds: number;
}

const EVAL_BATCH = 500;
/** Lets messages in (a stop, above all) between batches: a step is synchronous on CPU backends. */
const yieldToEvents = () => new Promise<void>((resolve) => setImmediate(resolve));
const PROGRESS_INTERVAL_MS = 250;
/** byte → [0, 1], exact and faster than dividing each pixel. */
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/** One batch as tensors: images in `order[start…end)` (or start…end) scaled to [0, 1], one-hot labels. */
export function batchTensors(
  split: Split,
  { shape, classes }: Geometry,
  start: number,
  end: number,
  order?: Uint32Array,
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const n = end - start;
  const size = shape[0] * shape[1] * shape[2];
  const xs = new Float32Array(n * size);
  const ys = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const index = order ? order[start + i]! : start + i;
    const src = split.images.subarray(index * size, (index + 1) * size);
    const dst = i * size;
    for (let k = 0; k < size; k++) xs[dst + k] = UNIT[src[k]!]!;
    ys[i * classes + split.labels[index]!] = 1;
  }
  return { x: tf.tensor4d(xs, [n, ...shape]), y: tf.tensor2d(ys, [n, classes]) };
}

export function makeOptimizer(config: RunConfig): tf.Optimizer {
  return config.optimizer === 'adam'
    ? tf.train.adam(config.learningRate)
    : tf.train.momentum(config.learningRate, config.momentum);
}

/**
 * One optimizer step; resolves to the batch's mean loss and its number of correct predictions. Values
 * are read back asynchronously everywhere in the loop: a GPU backend in Node (WebGPU on Dawn) has no
 * synchronous read.
 */
export async function trainStep(
  net: LeNet,
  optimizer: tf.Optimizer,
  x: tf.Tensor4D,
  y: tf.Tensor2D,
): Promise<{ loss: number; correct: number }> {
  let correct: tf.Scalar | undefined;
  const forward = () => {
    const out = logits(net, x, true);
    correct = tf.keep(tf.sum<tf.Tensor>(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(y, 1)), 'float32'))) as tf.Scalar;
    return tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar;
  };
  let lossTensor: tf.Scalar;
  if (net.trainable.length === 0) {
    lossTensor = tf.tidy(forward);
  } else {
    const { value, grads } = tf.variableGrads(forward, net.trainable);
    optimizer.applyGradients(grads);
    tf.dispose(grads);
    lossTensor = value as tf.Scalar;
  }
  const [loss, hits] = await Promise.all([lossTensor.data(), correct!.data()]);
  tf.dispose([lossTensor, correct!]);
  return { loss: loss[0]!, correct: hits[0]! };
}

/** Mean loss and accuracy over a whole split; undefined if `shouldStop` said so part-way. */
export async function evaluate(net: LeNet, split: Split, geometry: Geometry, shouldStop = () => false) {
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    await yieldToEvents();
    if (shouldStop()) return undefined;
    const end = Math.min(split.count, start + EVAL_BATCH);
    const sums = tf.tidy(() => {
      const { x, y } = batchTensors(split, geometry, start, end);
      const out = logits(net, x);
      const l = tf.mul(tf.losses.softmaxCrossEntropy(y, out), end - start);
      const c = tf.sum(tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(y, 1)), 'float32'));
      return tf.stack([l, c]);
    });
    const [loss, hits] = await sums.data();
    sums.dispose();
    lossSum += loss!;
    correct += hits!;
  }
  return { loss: lossSum / split.count, accuracy: correct / split.count };
}

async function saveOptimizer(optimizer: tf.Optimizer): Promise<OptimizerState> {
  const [iter, ...slots] = await optimizer.getWeights();
  const iterations = iter ? (await iter.tensor.data())[0]! : 0;
  iter?.tensor.dispose(); // a fresh scalar; the slots are the optimizer's own variables
  const data = await Promise.all(slots.map((s) => s.tensor.data<'float32'>()));
  return { iterations, slots: slots.map((s, i) => ({ shape: s.tensor.shape, data: data[i]!.slice() })) };
}

async function restoreOptimizer(optimizer: tf.Optimizer, state: OptimizerState): Promise<void> {
  if (state.slots.length === 0 && state.iterations === 0) return;
  const tensors = [
    { name: 'iter', tensor: tf.scalar(state.iterations, 'int32') },
    ...state.slots.map((s, i) => ({ name: `slot${i}`, tensor: tf.tensor(s.data, s.shape) })),
  ];
  await optimizer.setWeights(tensors);
  tf.dispose(tensors.map((t) => t.tensor)); // setWeights made its own variables from them
}

const kernelsOf = (weights: Map<TensorName, Float32Array>): Kernels =>
  Object.fromEntries(LAYERS.map((l) => [l, weights.get(`${l}/kernel`)!])) as Kernels;

/** Batch indices after which the first epoch gets an extra snapshot. */
function subEpochMarks(batches: number, perEpoch: number): Set<number> {
  const marks = new Set<number>();
  for (let k = 1; k < perEpoch; k++) {
    const b = Math.round((k * batches) / perEpoch);
    if (b > 0 && b < batches) marks.add(b);
  }
  return marks;
}

const NO_METRICS: EpochMetrics = { trainLoss: null, trainAccuracy: null, testLoss: null, testAccuracy: null };

export async function runTraining(
  config: RunConfig,
  data: TrainingData,
  callbacks: LoopCallbacks,
  from?: StartPoint,
): Promise<LoopResult> {
  const net = createLeNet(data.shape, config.seed, config.freeze, data.classes);
  const optimizer = makeOptimizer(config);
  try {
    return await loop(net, optimizer, config, data, callbacks, from);
  } finally {
    optimizer.dispose();
    net.model.dispose();
  }
}

async function loop(
  net: LeNet,
  optimizer: tf.Optimizer,
  config: RunConfig,
  data: TrainingData,
  callbacks: LoopCallbacks,
  from?: StartPoint,
): Promise<LoopResult> {
  const n = data.train.count;
  const batches = Math.ceil(n / config.batchSize);
  const result: LoopResult = { status: 'done', trainSeconds: 0, imagesTrained: 0, snapshotSeconds: 0, evalSeconds: 0 };
  let state: ResumeState;
  let initial: Kernels;
  let previous: Kernels;

  const readWeights = async () => {
    const data = await Promise.all(net.weights.map((w) => w.variable.data<'float32'>()));
    return new Map(net.weights.map((w, i) => [w.name, data[i]!.slice()]));
  };
  /** Stores the weights as snapshot `state.seq` (the caller moves it on). */
  const snapshot = async (epoch: number, metrics: EpochMetrics) => {
    const t0 = performance.now();
    const weights = await readWeights();
    const kernels = kernelsOf(weights);
    const tensors = net.weights.map((w) => ({ name: w.name, shape: w.variable.shape, data: weights.get(w.name)! }));
    const layers = layerChanges(kernels, previous, initial);
    state.optimizer = await saveOptimizer(optimizer);
    callbacks.onSnapshot({ seq: state.seq, epoch, metrics, layers, tensors }, state);
    previous = kernels;
    result.snapshotSeconds += (performance.now() - t0) / 1000;
  };
  const testMetrics = async () => {
    const t0 = performance.now();
    const test = await evaluate(net, data.test, data, callbacks.shouldStop);
    result.evalSeconds += (performance.now() - t0) / 1000;
    return test;
  };

  if (from) {
    for (const w of net.weights) {
      const value = from.weights.get(w.name);
      if (!value) throw new Error(`the snapshot to resume from has no ${w.name}`);
      const t = tf.tensor(value, w.variable.shape);
      w.variable.assign(t);
      t.dispose();
    }
    await restoreOptimizer(optimizer, from.state.optimizer);
    state = structuredClone(from.state);
    initial = from.initial;
    previous = kernelsOf(from.weights);
  } else {
    const weights = await readWeights();
    initial = previous = kernelsOf(weights);
    state = {
      seq: 0,
      epoch: 0,
      batch: 0,
      epochRngState: (config.seed ^ 0x9e3779b9) >>> 0,
      epochSums: { loss: 0, correct: 0, seen: 0 },
      trainSeconds: 0,
      imagesTrained: 0,
      optimizer: { iterations: 0, slots: [] },
    };
    const test = await testMetrics();
    if (!test) return { ...result, status: 'stopped' };
    await snapshot(0, { ...NO_METRICS, testLoss: test.loss, testAccuracy: test.accuracy });
  }

  const rng = new ShuffleRng(state.epochRngState);
  let sessionSeconds = 0;
  let sessionImages = 0;
  let lastProgress = 0;
  for (let epoch = state.epoch; epoch < config.epochs; epoch++) {
    state.epochRngState = rng.state;
    const order = rng.permutation(n);
    const marks = epoch === 0 ? subEpochMarks(batches, config.snapshotsPerEpoch) : new Set<number>();
    const sums = state.epochSums;
    for (let b = state.batch; b < batches; b++) {
      await yieldToEvents();
      if (callbacks.shouldStop()) return { ...result, status: 'stopped' };
      const start = b * config.batchSize;
      const end = Math.min(n, start + config.batchSize);
      const t0 = performance.now();
      const { x, y } = batchTensors(data.train, data, start, end, order);
      const step = await trainStep(net, optimizer, x, y);
      tf.dispose([x, y]);
      const seconds = (performance.now() - t0) / 1000;
      sessionSeconds += seconds;
      sessionImages += end - start;
      state.trainSeconds += seconds;
      state.imagesTrained += end - start;
      result.trainSeconds += seconds;
      result.imagesTrained += end - start;
      sums.loss += step.loss * (end - start);
      sums.correct += step.correct;
      sums.seen += end - start;
      state.batch = b + 1;

      const now = performance.now();
      if (now - lastProgress >= PROGRESS_INTERVAL_MS || b + 1 === batches) {
        lastProgress = now;
        const rate = sessionImages / sessionSeconds;
        const remaining = (config.epochs - epoch) * n - sums.seen;
        callbacks.onProgress({
          epoch: epoch + 1,
          epochs: config.epochs,
          batch: b + 1,
          batches,
          loss: sums.loss / sums.seen,
          accuracy: sums.correct / sums.seen,
          imagesPerSecond: rate,
          etaSeconds: remaining / rate,
        });
      }
      if (marks.has(b + 1)) {
        state.seq += 1;
        await snapshot(epoch + (b + 1) / batches, {
          ...NO_METRICS,
          trainLoss: sums.loss / sums.seen,
          trainAccuracy: sums.correct / sums.seen,
        });
      }
    }
    const test = await testMetrics();
    if (!test) return { ...result, status: 'stopped' };
    const metrics: EpochMetrics = {
      trainLoss: sums.loss / sums.seen,
      trainAccuracy: sums.correct / sums.seen,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
    };
    state.epoch = epoch + 1;
    state.batch = 0;
    state.epochRngState = rng.state;
    state.epochSums = { loss: 0, correct: 0, seen: 0 };
    state.seq += 1;
    await snapshot(epoch + 1, metrics);
  }
  return result;
}
