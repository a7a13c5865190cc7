/**
 * The activation views' numbers, computed on the main side from the stored weights by the model's own
 * forward pass (a trainer process, ./inference.ts), on demand, and kept:
 *
 *  - feature maps and probabilities of each (snapshot, test image), in memory up to a budget;
 *  - a layer's scale is fixed over the run: the first request for a set of inputs computes every stored
 *    snapshot (later ones find them cached; a snapshot stored since is computed when asked for);
 *  - the test confusion matrix of a snapshot with a test evaluation is stored with it; for runs stored
 *    before that, it is computed from the predictions and stored the first time it is asked for;
 *  - the predictions over the run's test split (the mistakes list), in memory up to a budget.
 *
 * Forward passes run one at a time, maps before predictions, otherwise in request order: a second
 * request for the same snapshots finds them done by the first.
 */
import {
  ApiError,
  MAP_LAYERS,
  MAX_PINS,
  TENSOR_NAMES,
  type ActivationMaps,
  type ClassLearning,
  type MapLayer,
  type Mistakes,
  type PinnedInputs,
  type RunDetail,
  type TensorName,
  type TestImages,
} from '../../../src-preload/api.ts';
import type { ForwardMaps, ForwardPredictions } from '../../trainer/protocol.ts';
import type { CoreContext } from '../api/context.ts';
import type { Split } from '../../datasets/split.ts';
import { readConfusions, readPins, writeConfusion, writePins } from '../store/activations.ts';
import { getRun } from '../store/runs.ts';
import { readTensor } from '../store/snapshots.ts';
import { LruCache } from './cache.ts';
import { Inference } from './inference.ts';
import { argMaxRow, classAccuracy, confusionOf, reachesNinetyPercent, staysTrueFrom, type ConfusionMatrix } from '../../shared/learning.ts';
import { firstImages, pickImages, testSetSource, type TestSet } from './test-set.ts';

export type ActivationContext = Pick<CoreContext, 'db' | 'spawnTrainer'>;

/** What a forward pass is for: maps go before predictions. */
type Priority = 'maps' | 'predictions';

/** A map difference reference: the previous stored snapshot, the initial one, or a chosen seq. */
export type MapDiff = 'prev' | 'init' | number;

const MiB = 1024 * 1024;
const MAPS_BUDGET = 256 * MiB;
const PREDICTIONS_BUDGET = 32 * MiB;
/** Test splits kept loaded (a CIFAR-10 test split is 30 MB). */
const TEST_SETS_KEPT = 2;
const SCALES_KEPT = 64;
/** Forward passes sent to the process before the first answer is awaited. */
const IN_FLIGHT = 4;

const bytesOfMaps = (m: ForwardMaps) => m.conv1.byteLength + m.pool1.byteLength + m.conv2.byteLength + m.probabilities.byteLength;
const bytesOfPredictions = (p: ForwardPredictions) => p.predicted.byteLength + p.confidence.byteLength;

/** The first test image of each class, in class order, at most MAX_PINS. */
export function defaultPins(test: Split, classes: number): number[] {
  const first = new Array<number>(classes).fill(-1);
  for (let i = 0; i < test.count; i++) if (first[test.labels[i]!] === -1) first[test.labels[i]!] = i;
  return first.filter((i) => i >= 0).slice(0, MAX_PINS);
}

export class Activations {
  private readonly inference: Inference;
  private readonly maps = new LruCache<ForwardMaps>(MAPS_BUDGET, bytesOfMaps);
  private readonly predictions = new LruCache<ForwardPredictions>(PREDICTIONS_BUDGET, bytesOfPredictions);
  private readonly testSets = new Map<string, Promise<TestSet>>();
  private readonly scales = new Map<string, Record<MapLayer, number>>();
  /** Forward passes waiting for the process, and whether one is running. */
  private readonly waiting: { priority: Priority; start(): Promise<void> }[] = [];
  private busy = false;

  constructor(private readonly ctx: ActivationContext) {
    this.inference = new Inference(() => ctx.spawnTrainer);
  }

  async pins(runId: number): Promise<PinnedInputs> {
    const run = this.requireRun(runId);
    const set = await this.testSet(run);
    const stored = readPins(this.ctx.db, runId);
    const indices = stored ?? defaultPins(set.test, set.classes.length);
    return { runId, isDefault: stored === undefined, testCount: set.test.count, ...testImages(set, indices) };
  }

  /** Replaces the pins (null: back to the default set); an index outside the test split changes nothing. */
  async setPins(runId: number, indices: number[] | null): Promise<PinnedInputs> {
    const run = this.requireRun(runId);
    if (indices) checkIndices(indices, (await this.testSet(run)).test.count, 'indices');
    writePins(this.ctx.db, runId, indices);
    return this.pins(runId);
  }

  /** The maps of `inputs` (default: the run's pins) at snapshot `seq`, on the run's fixed scale. */
  async mapsAt(runId: number, seq: number, options: { inputs?: number[]; diff?: MapDiff } = {}): Promise<ActivationMaps> {
    const run = this.requireRun(runId);
    const seqs = run.snapshots.map((s) => s.seq);
    const at = seqs.indexOf(seq);
    if (at < 0) throw new ApiError('not-found', `run #${runId} has no snapshot ${seq}`, 'seq');
    const refOf = referenceOf(seqs, options.diff);
    const set = await this.testSet(run);
    const indices = options.inputs ?? readPins(this.ctx.db, runId) ?? defaultPins(set.test, set.classes.length);
    if (options.inputs) checkIndices(indices, set.test.count, 'inputs');
    const all = await this.mapsOfEverySnapshot(run, set, indices);
    const classes = set.classes.length;
    const labels = indices.map((i) => set.test.labels[i]!);

    const ref = refOf(at);
    const maps = Object.fromEntries(
      MAP_LAYERS.map((layer) => {
        const data = concat(all[at]!.map((m) => m[layer]));
        if (ref !== undefined) subtractInPlace(data, concat(all[ref]!.map((m) => m[layer])));
        return [layer, { shape: [indices.length, ...mapShape(run.inputShape, layer)], data }];
      }),
    ) as ActivationMaps['maps'];
    const learnedAt = indices.map((_, k) => {
      const from = staysTrueFrom(all.map((maps) => argMaxRow(maps[k]!.probabilities, classes, 0) === labels[k]));
      return from === null ? null : seqs[from]!;
    });
    return {
      runId,
      seq,
      ...testImages(set, indices),
      maps,
      probabilities: concat(all[at]!.map((m) => m.probabilities)),
      scale: this.scaleOf(run, indices, options.diff, all, refOf),
      learnedAt,
    };
  }

  /** Per-class test accuracy over the run, from each evaluated snapshot's confusion matrix. */
  async classes(runId: number): Promise<ClassLearning> {
    const run = this.requireRun(runId);
    const evaluated = run.snapshots.filter((s) => s.metrics.testAccuracy !== null);
    const stored = readConfusions(this.ctx.db, runId);
    let computed = 0;
    const confusion: ConfusionMatrix[] = [];
    for (const s of evaluated) {
      let matrix = stored.get(s.seq);
      if (!matrix) {
        matrix = await this.computeConfusion(run, s.seq);
        computed++;
      }
      confusion.push(matrix);
    }
    const perSnapshot = confusion.map(classAccuracy);
    const accuracy = run.classes.map((_, c) => perSnapshot.map((a) => a[c] ?? null));
    return {
      runId,
      classes: run.classes,
      seqs: evaluated.map((s) => s.seq),
      epochs: evaluated.map((s) => s.epoch),
      confusion: confusion.map((m) => m.counts),
      accuracy,
      learnedAt: accuracy.map((a) => {
        const at = reachesNinetyPercent(a);
        return at === null ? null : evaluated[at]!.seq;
      }),
      computed,
    };
  }

  /** The test images snapshot `seq` gets wrong, the most confident first. */
  async mistakes(runId: number, seq: number, limit: number): Promise<Mistakes> {
    const run = this.requireRun(runId);
    const snapshot = run.snapshots.find((s) => s.seq === seq);
    if (!snapshot) throw new ApiError('not-found', `run #${runId} has no snapshot ${seq}`, 'seq');
    const { set, split, predictions } = await this.predictionsAt(run, seq);
    const wrong: number[] = [];
    for (let i = 0; i < split.count; i++) if (predictions.predicted[i] !== split.labels[i]) wrong.push(i);
    wrong.sort((a, b) => predictions.confidence[b]! - predictions.confidence[a]! || a - b);
    const shown = wrong.slice(0, limit);
    return {
      runId,
      seq,
      total: split.count,
      count: wrong.length,
      ...testImages(set, shown),
      predicted: shown.map((i) => predictions.predicted[i]!),
      confidence: shown.map((i) => predictions.confidence[i]!),
    };
  }

  /** Ends the forward-pass process. */
  close(): void {
    this.inference.close();
  }

  private requireRun(runId: number): RunDetail {
    const run = getRun(this.ctx.db, runId);
    if (!run) throw new ApiError('not-found', `no run #${runId}`, 'runId');
    return run;
  }

  /**
   * The run's test set, read (and its files checked against the data set's checksum) once, then kept
   * while it is one of the last few used. The runs of one data set share it.
   */
  private async testSet(run: RunDetail): Promise<TestSet> {
    const source = testSetSource(this.ctx.db, run);
    let set = this.testSets.get(source.key);
    if (!set) {
      set = source.load();
      set.catch(() => this.testSets.delete(source.key));
      this.testSets.set(source.key, set);
      for (const old of this.testSets.keys()) if (this.testSets.size > TEST_SETS_KEPT) this.testSets.delete(old);
    }
    const loaded = await set;
    if (loaded.shape.join() !== run.inputShape.join() || loaded.classes.length !== run.classes.length) {
      throw new ApiError(
        'unavailable',
        `${loaded.path} holds ${loaded.shape.join('×')} images of ${loaded.classes.length} classes, but run #${run.id} was trained on ${run.inputShape.join('×')} images of ${run.classes.length}`,
        'runId',
      );
    }
    return loaded;
  }

  /**
   * Runs `work` when the process is free: one piece of work at a time, maps (someone looks at them)
   * before predictions over a whole test split (a second each), otherwise in the order asked.
   */
  private serially<T>(priority: Priority, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ priority, start: () => work().then(resolve, reject) });
      void this.next();
    });
  }

  private async next(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.waiting.length > 0) {
      const maps = this.waiting.findIndex((w) => w.priority === 'maps');
      const [task] = this.waiting.splice(maps >= 0 ? maps : 0, 1);
      await task!.start();
    }
    this.busy = false;
  }

  private weightsAt(run: RunDetail, seq: number): Partial<Record<TensorName, Float32Array>> {
    return Object.fromEntries(TENSOR_NAMES.map((name) => [name, readTensor(this.ctx.db, run.id, name, seq)?.data]));
  }

  /** Per stored snapshot (in seq order), the maps of each input; computed where not cached. */
  private async mapsOfEverySnapshot(run: RunDetail, set: TestSet, indices: number[]): Promise<ForwardMaps[][]> {
    const key = (seq: number, i: number) => `${runKey(run)}:${seq}:${i}`;
    const geometry = { shape: run.inputShape, classes: run.classes.length };
    const compute = async ({ seq, missing }: { seq: number; missing: number[] }) => {
      const split = pickImages(set.test, run.inputShape, missing);
      const result = await this.inference.maps({ geometry, weights: this.weightsAt(run, seq), split });
      splitByImage(result, missing.length).forEach((maps, k) => this.maps.set(key(seq, missing[k]!), maps));
    };
    await this.serially('maps', async () => {
      // What is missing once it is this request's turn (an earlier one may have computed it).
      const work = run.snapshots
        .map(({ seq }) => ({ seq, missing: indices.filter((i) => !this.maps.get(key(seq, i))) }))
        .filter((w) => w.missing.length > 0);
      // A few requests in flight, so the process never waits for the next one (nor holds every snapshot's weights).
      for (let i = 0; i < work.length; i += IN_FLIGHT) await Promise.all(work.slice(i, i + IN_FLIGHT).map(compute));
    });
    // Read after computing: a budget smaller than one run's maps would lose the first ones again.
    return run.snapshots.map(({ seq }) =>
      indices.map((i) => {
        const maps = this.maps.get(key(seq, i));
        if (!maps) throw new ApiError('failed', `the maps of ${indices.length} inputs over ${run.snapshots.length} snapshots do not fit in the cache`);
        return maps;
      }),
    );
  }

  /** Per layer, the largest |value| (or |difference|) over every snapshot: the fixed scale. */
  private scaleOf(run: RunDetail, indices: number[], diff: MapDiff | undefined, all: ForwardMaps[][], refOf: (i: number) => number | undefined) {
    const key = `${runKey(run)}:${run.snapshots.length}:${indices.join(',')}:${diff ?? ''}`;
    let scale = this.scales.get(key);
    if (!scale) {
      scale = Object.fromEntries(MAP_LAYERS.map((layer) => [layer, 0])) as Record<MapLayer, number>;
      for (let s = 0; s < all.length; s++) {
        const ref = refOf(s);
        for (const layer of MAP_LAYERS) {
          all[s]!.forEach((maps, k) => {
            scale![layer] = Math.max(scale![layer], maxAbs(maps[layer], ref === undefined ? undefined : all[ref]![k]![layer]));
          });
        }
      }
      this.scales.set(key, scale);
      for (const old of this.scales.keys()) if (this.scales.size > SCALES_KEPT) this.scales.delete(old);
    }
    return scale;
  }

  /** The predicted class of every image of the run's test split at `seq` (cached). */
  private async predictionsAt(run: RunDetail, seq: number): Promise<{ set: TestSet; split: Split; predictions: ForwardPredictions }> {
    const set = await this.testSet(run);
    const split = firstImages(set.test, run.inputShape, run.config.testLimit);
    const key = `${runKey(run)}:${seq}`;
    const predictions =
      this.predictions.get(key) ??
      (await this.serially('predictions', async () => {
        // An earlier request may have computed them while this one waited.
        let done = this.predictions.get(key);
        if (!done) {
          const geometry = { shape: run.inputShape, classes: run.classes.length };
          done = await this.inference.predictions({ geometry, weights: this.weightsAt(run, seq), split });
          this.predictions.set(key, done);
        }
        return done;
      }));
    return { set, split, predictions };
  }

  /** A snapshot's test confusion matrix from the model's predictions, stored with it. */
  private async computeConfusion(run: RunDetail, seq: number): Promise<ConfusionMatrix> {
    const { split, predictions } = await this.predictionsAt(run, seq);
    const matrix = confusionOf(split.labels, predictions.predicted, run.classes.length);
    writeConfusion(this.ctx.db, run.id, seq, matrix);
    return matrix;
  }
}

/**
 * Identifies a run in the caches: its id and creation time, since SQLite may give a removed run's id to
 * the next run made.
 */
const runKey = (run: RunDetail) => `${run.id}@${run.createdAt}`;

/** For snapshot position i, the position of its reference (undefined: no difference). */
function referenceOf(seqs: number[], diff: MapDiff | undefined): (i: number) => number | undefined {
  if (diff === undefined) return () => undefined;
  if (diff === 'prev') return (i) => Math.max(0, i - 1);
  if (diff === 'init') return () => 0;
  const at = seqs.indexOf(diff);
  if (at < 0) throw new ApiError('not-found', `there is no snapshot ${diff} to compare with`, 'diff');
  return () => at;
}

/** The images and labels of `indices`, as the contract gives them. */
function testImages(set: TestSet, indices: number[]): TestImages {
  const picked = pickImages(set.test, set.shape, indices);
  return { indices, labels: Array.from(picked.labels), images: picked.images, shape: set.shape, classes: set.classes };
}

function checkIndices(indices: readonly number[], count: number, field: string): void {
  const bad = indices.findIndex((i) => i >= count);
  if (bad >= 0) {
    throw new ApiError('bad-input', `${field}.${bad}: there is no test image ${indices[bad]}; the test set has ${count} (0–${count - 1})`, `${field}.${bad}`);
  }
}

/** [height, width, channels] of a layer's output for an input of `shape` (valid 5×5 convolutions, 2×2 pooling). */
export function mapShape([h, w]: readonly number[], layer: MapLayer): [number, number, number] {
  const c1 = [h! - 4, w! - 4];
  if (layer === 'conv1') return [c1[0]!, c1[1]!, 20];
  const p1 = [Math.floor(c1[0]! / 2), Math.floor(c1[1]! / 2)];
  if (layer === 'pool1') return [p1[0]!, p1[1]!, 20];
  return [p1[0]! - 4, p1[1]! - 4, 50];
}

/** One forward result over n images as n results over one image each (views, no copies). */
function splitByImage(result: ForwardMaps, n: number): ForwardMaps[] {
  const part = (a: Float32Array, k: number) => a.subarray((k * a.length) / n, ((k + 1) * a.length) / n);
  return Array.from({ length: n }, (_, k) => ({
    conv1: part(result.conv1, k),
    pool1: part(result.pool1, k),
    conv2: part(result.conv2, k),
    probabilities: part(result.probabilities, k),
  }));
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function subtractInPlace(a: Float32Array, b: Float32Array): void {
  for (let i = 0; i < a.length; i++) a[i]! -= b[i]!;
}

/** max |a| (or max |a − b|). */
function maxAbs(a: Float32Array, b?: Float32Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(b ? a[i]! - b[i]! : a[i]!);
    if (v > m) m = v;
  }
  return m;
}

