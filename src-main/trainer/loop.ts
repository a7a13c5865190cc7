/**
 * The training loop: LeNet on one data set, with a custom step (not `model.fit`) so that it controls
 * snapshots, progress, stopping and resuming. It knows nothing of processes or the database: the
 * trainer (./session.ts, in a process or the hidden window) gives it callbacks that send snapshots and progress to the core.
 *
 * Order of events: snapshot seq 0 (initial weights, test metrics), then for each epoch its batches in a
 * seeded order, optional extra snapshots inside the first epoch, and after the epoch a test evaluation
 * and a snapshot. Each snapshot carries the resume state that lets a later process continue exactly
 * where this one was: weights, optimizer slots, the shuffle RNG at the start of the epoch, the batch.
 * A stop abandons the epoch in progress; resuming replays it from the last snapshot.
 */
import * as tf from '@tensorflow/tfjs';
import { LAYERS, type EpochMetrics, type Geometry, type RunConfig, type TensorName } from '../../src-preload/api.ts';
import type { Split } from '../datasets/split.ts';
import { confusionOf, overallAccuracy, type ConfusionMatrix } from '../shared/learning.ts';
import { createLeNet, logits, type LeNet } from './model/lenet.ts';
import { flipLabels, withNoise } from './label-noise.ts';
import type { Kernels, LabelNoise, LoopProgress, OptimizerState, ResumeState, Snapshot, StartPoint } from './protocol.ts';
import { ShuffleRng } from './shuffle.ts';
import { LedgerRecorder } from './ledger.ts';
import { layerChanges } from './stats.ts';

export interface TrainingData extends Geometry {
  train: Split;
  test: Split;
}

export interface LoopCallbacks {
  /**
   * Hands a snapshot and its resume state on to be stored (together, atomically). The loop waits for the
   * returned promise before it trains on; `state` may change once it resolves.
   */
  onSnapshot(snapshot: Snapshot, state: ResumeState): Promise<void>;
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
/**
 * Lets messages in (a stop, above all) between batches: a step is synchronous on CPU backends.
 * setImmediate in Node; in the hidden trainer window (a page) a zero timeout.
 */
const yieldToEvents = () => new Promise<void>((resolve) => (typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0)));
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

/** What one step saw: the batch's mean loss, its correct predictions, and per image (with `perImage`) hit and p(true). */
export interface StepResult {
  loss: number;
  correct: number;
  /** 1 where the image's prediction was right, else 0, in batch order. */
  hits?: Float32Array;
  /** The probability the network gave each image's true class. */
  pTrue?: Float32Array;
}

/**
 * One optimizer step; resolves to the batch's mean loss and its number of correct predictions, and with
 * `perImage` each image's hit and p(true class) from the same forward pass (the example ledger). Values
 * are read back asynchronously everywhere in the loop: WebGPU on Dawn in Node has no synchronous read,
 * and in a page tfjs-backend-webgpu's synchronous read goes through a canvas that headless Chromium's
 * software adapter leaves blank (all zeros), after which the device is lost.
 */
export async function trainStep(
  net: LeNet,
  optimizer: tf.Optimizer,
  x: tf.Tensor4D,
  y: tf.Tensor2D,
  perImage = false,
): Promise<StepResult> {
  // Per image, the loss is −log p(true class) (one-hot labels): the ledger's p(true) costs no extra kernel.
  let hits: tf.Tensor | undefined;
  let losses: tf.Tensor1D | undefined;
  const forward = () => {
    const out = logits(net, x, true);
    const hit = tf.cast(tf.equal(tf.argMax(out, 1), tf.argMax(y, 1)), 'float32');
    if (!perImage) {
      hits = tf.keep(tf.sum(hit));
      return tf.losses.softmaxCrossEntropy(y, out) as tf.Scalar;
    }
    hits = tf.keep(hit);
    losses = tf.keep(tf.losses.softmaxCrossEntropy(y, out, undefined, 0, tf.Reduction.NONE)) as tf.Tensor1D;
    return tf.mean(losses) as tf.Scalar;
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
  const [loss, hitsRead, lossesRead] = await Promise.all([lossTensor.data(), hits!.data<'float32'>(), losses?.data<'float32'>()]);
  tf.dispose([lossTensor, hits!, ...(losses ? [losses] : [])]);
  if (!lossesRead) return { loss: loss[0]!, correct: hitsRead[0]! };
  let correct = 0;
  for (let i = 0; i < hitsRead.length; i++) correct += hitsRead[i]!;
  return { loss: loss[0]!, correct, hits: hitsRead, pTrue: lossesRead.map((l) => Math.exp(-l)) };
}

/**
 * Mean loss, accuracy and the confusion matrix ([true][predicted] counts) over a whole split; undefined
 * if `shouldStop` said so part-way.
 */
export async function evaluate(net: LeNet, split: Split, geometry: Geometry, shouldStop = () => false) {
  let lossSum = 0;
  const predicted = new Uint8Array(split.count);
  for (let start = 0; start < split.count; start += EVAL_BATCH) {
    await yieldToEvents();
    if (shouldStop()) return undefined;
    const end = Math.min(split.count, start + EVAL_BATCH);
    const [classes, loss] = tf.tidy(() => {
      const { x, y } = batchTensors(split, geometry, start, end);
      const out = logits(net, x);
      return [tf.argMax(out, 1), tf.mul(tf.losses.softmaxCrossEntropy(y, out), end - start)];
    });
    const [classesRead, lossRead] = await Promise.all([classes.data(), loss.data()]);
    tf.dispose([classes, loss]);
    predicted.set(classesRead, start);
    lossSum += lossRead[0]!;
  }
  const confusion = confusionOf(split.labels.subarray(0, split.count), predicted, geometry.classes);
  return { loss: lossSum / split.count, accuracy: overallAccuracy(confusion), confusion };
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

const kernelsOf = (weights: Record<TensorName, Float32Array>): Kernels =>
  Object.fromEntries(LAYERS.map((l) => [l, weights[`${l}/kernel`]])) as Kernels;

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
  const noise = config.labelNoise ? flipLabels(data.train.labels.subarray(0, data.train.count), data.classes, config.labelNoise, config.seed) : undefined;
  const trained = noise ? { ...data, train: withNoise(data.train, noise) } : data;
  try {
    return await new TrainingLoop(net, optimizer, config, trained, callbacks, noise).run(from);
  } finally {
    optimizer.dispose();
    net.model.dispose();
  }
}

/** One session of the loop, and what it carries from batch to batch and from snapshot to snapshot. */
class TrainingLoop {
  private readonly result: LoopResult = { status: 'done', trainSeconds: 0, imagesTrained: 0, snapshotSeconds: 0, evalSeconds: 0 };
  private readonly batches: number;
  private state!: ResumeState;
  /** The epoch in progress's example ledger. */
  private ledger!: LedgerRecorder;
  /** The kernels at seq 0 and at the latest snapshot, which the change statistics compare with. */
  private initial!: Kernels;
  private previous!: Kernels;
  /** This session's own pace (not a resumed run's earlier ones), for the progress it reports. */
  private readonly session = { seconds: 0, images: 0, lastProgress: 0 };

  constructor(
    private readonly net: LeNet,
    private readonly optimizer: tf.Optimizer,
    private readonly config: RunConfig,
    private readonly data: TrainingData,
    private readonly callbacks: LoopCallbacks,
    /** The labels flipped (a noisy-labels run), sent with snapshot 0. */
    private readonly noise?: LabelNoise,
  ) {
    this.batches = Math.ceil(data.train.count / config.batchSize);
  }

  async run(from?: StartPoint): Promise<LoopResult> {
    if (from) await this.restore(from);
    else if (!(await this.begin())) return this.stopped();
    const rng = new ShuffleRng(this.state.epochRngState);
    for (let epoch = this.state.epoch; epoch < this.config.epochs; epoch++) {
      if (!(await this.trainEpoch(epoch, rng))) return this.stopped();
    }
    return this.result;
  }

  private stopped(): LoopResult {
    return { ...this.result, status: 'stopped' };
  }

  /** Carries on from a stored snapshot: its weights, the optimizer's slots, and where the epoch was. */
  private async restore(from: StartPoint): Promise<void> {
    for (const w of this.net.weights) {
      const value = from.weights[w.name];
      if (!value) throw new Error(`the snapshot to resume from has no ${w.name}`);
      const t = tf.tensor(value, w.variable.shape);
      w.variable.assign(t);
      t.dispose();
    }
    await restoreOptimizer(this.optimizer, from.state.optimizer);
    this.state = structuredClone(from.state);
    // Inside an epoch, its ledger so far; at an epoch's start (or for a run stored before ledgers), a fresh one.
    this.ledger = new LedgerRecorder(this.data.train.count, this.state.epoch, this.state.batch > 0 ? from.ledger : undefined);
    this.initial = from.initial;
    this.previous = kernelsOf(from.weights);
  }

  /** A fresh run: snapshot 0 holds the initial weights and their test metrics. False if stopped first. */
  private async begin(): Promise<boolean> {
    this.initial = this.previous = kernelsOf(await this.readWeights());
    this.state = {
      seq: 0,
      epoch: 0,
      batch: 0,
      epochRngState: (this.config.seed ^ 0x9e3779b9) >>> 0,
      epochSums: { loss: 0, correct: 0, seen: 0 },
      trainSeconds: 0,
      imagesTrained: 0,
      optimizer: { iterations: 0, slots: [] },
    };
    this.ledger = new LedgerRecorder(this.data.train.count, 0);
    const test = await this.testMetrics();
    if (!test) return false;
    await this.snapshot(0, { ...NO_METRICS, testLoss: test.loss, testAccuracy: test.accuracy }, test.confusion);
    return true;
  }

  /** Trains the epoch's remaining batches in its shuffled order, then tests and stores it. False if stopped. */
  private async trainEpoch(epoch: number, rng: ShuffleRng): Promise<boolean> {
    this.state.epochRngState = rng.state;
    const order = rng.permutation(this.data.train.count);
    const marks = epoch === 0 ? subEpochMarks(this.batches, this.config.snapshotsPerEpoch) : new Set<number>();
    for (let b = this.state.batch; b < this.batches; b++) {
      await yieldToEvents();
      if (this.callbacks.shouldStop()) return false;
      await this.trainBatch(b, order);
      this.reportProgress(epoch);
      if (marks.has(b + 1)) await this.subEpochSnapshot(epoch);
    }
    return this.endEpoch(epoch, rng);
  }

  /** One optimizer step on batch `b` of the epoch's order, counted in the state, the result and the session. */
  private async trainBatch(b: number, order: Uint32Array): Promise<void> {
    const { config, data, state, result, session } = this;
    const start = b * config.batchSize;
    const end = Math.min(data.train.count, start + config.batchSize);
    const t0 = performance.now();
    const { x, y } = batchTensors(data.train, data, start, end, order);
    const step = await trainStep(this.net, this.optimizer, x, y, true);
    tf.dispose([x, y]);
    this.ledger.record(order, start, step.hits!, step.pTrue!);
    const seconds = (performance.now() - t0) / 1000;
    const images = end - start;
    session.seconds += seconds;
    session.images += images;
    state.trainSeconds += seconds;
    state.imagesTrained += images;
    result.trainSeconds += seconds;
    result.imagesTrained += images;
    state.epochSums.loss += step.loss * images;
    state.epochSums.correct += step.correct;
    state.epochSums.seen += images;
    state.batch = b + 1;
  }

  /** Reports the epoch's running loss and accuracy, at most every PROGRESS_INTERVAL_MS and after its last batch. */
  private reportProgress(epoch: number): void {
    const { state, session, config } = this;
    const now = performance.now();
    if (now - session.lastProgress < PROGRESS_INTERVAL_MS && state.batch < this.batches) return;
    session.lastProgress = now;
    const sums = state.epochSums;
    const rate = session.images / session.seconds;
    const remaining = (config.epochs - epoch) * this.data.train.count - sums.seen;
    this.callbacks.onProgress({
      epoch: epoch + 1,
      epochs: config.epochs,
      batch: state.batch,
      batches: this.batches,
      loss: sums.loss / sums.seen,
      accuracy: sums.correct / sums.seen,
      imagesPerSecond: rate,
      etaSeconds: remaining / rate,
    });
  }

  /** An extra snapshot inside the epoch, with the train metrics so far (no test). */
  private async subEpochSnapshot(epoch: number): Promise<void> {
    const sums = this.state.epochSums;
    this.state.seq += 1;
    await this.snapshot(epoch + this.state.batch / this.batches, {
      ...NO_METRICS,
      trainLoss: sums.loss / sums.seen,
      trainAccuracy: sums.correct / sums.seen,
    });
  }

  /** Tests the finished epoch, moves the state to the next one's start, and stores the snapshot. False if stopped. */
  private async endEpoch(epoch: number, rng: ShuffleRng): Promise<boolean> {
    const test = await this.testMetrics();
    if (!test) return false;
    const sums = this.state.epochSums;
    const metrics: EpochMetrics = {
      trainLoss: sums.loss / sums.seen,
      trainAccuracy: sums.correct / sums.seen,
      testLoss: test.loss,
      testAccuracy: test.accuracy,
    };
    Object.assign(this.state, {
      epoch: epoch + 1,
      batch: 0,
      epochRngState: rng.state,
      epochSums: { loss: 0, correct: 0, seen: 0 },
      seq: this.state.seq + 1,
    });
    await this.snapshot(epoch + 1, metrics, test.confusion);
    this.ledger.next(epoch + 1);
    return true;
  }

  private async readWeights(): Promise<Record<TensorName, Float32Array>> {
    const data = await Promise.all(this.net.weights.map((w) => w.variable.data<'float32'>()));
    return Object.fromEntries(this.net.weights.map((w, i) => [w.name, data[i]!.slice()])) as Record<TensorName, Float32Array>;
  }

  /**
   * Hands the weights on as snapshot `state.seq` (the caller has moved it on), with the state that resumes
   * there and, after training (`seq` > 0), the epoch's ledger so far.
   */
  private async snapshot(epoch: number, metrics: EpochMetrics, confusion?: ConfusionMatrix): Promise<void> {
    const t0 = performance.now();
    const weights = await this.readWeights();
    const kernels = kernelsOf(weights);
    const tensors = this.net.weights.map((w) => ({ name: w.name, shape: w.variable.shape, data: weights[w.name] }));
    const layers = layerChanges(kernels, this.previous, this.initial);
    this.state.optimizer = await saveOptimizer(this.optimizer);
    const extra = this.state.seq > 0 ? { ledger: this.ledger.snapshot() } : this.noise ? { labelNoise: this.noise } : {};
    await this.callbacks.onSnapshot({ seq: this.state.seq, epoch, metrics, layers, tensors, confusion, ...extra }, this.state);
    this.previous = kernels;
    this.result.snapshotSeconds += (performance.now() - t0) / 1000;
  }

  /** Test loss and accuracy; undefined if a stop came during the evaluation. */
  private async testMetrics() {
    const t0 = performance.now();
    const test = await evaluate(this.net, this.data.test, this.data, this.callbacks.shouldStop);
    this.result.evalSeconds += (performance.now() - t0) / 1000;
    return test;
  }
}
