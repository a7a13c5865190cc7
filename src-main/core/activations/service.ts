/**
 * The activation views' five API methods, computed on the main side from the stored weights by the
 * model's own forward pass (a trainer process, ../work/inference.ts) on the core's work queue, on demand:
 *
 *  - the pinned test images of a run (its own choice, or the first of each class);
 *  - their feature maps and probabilities at a snapshot, on the run's fixed scale (maps.ts);
 *  - per-class test accuracy over the run, from each evaluated snapshot's stored confusion matrix; for
 *    runs stored before those were recorded, computed from the predictions and stored the first time;
 *  - the test images a snapshot gets wrong (predictions.ts).
 */
import { ApiError, type ClassLearning, type Mistakes, type PinnedInputs, type RunDetail } from '../../../src-preload/api.ts';
import { classAccuracy, confusionOf, staysNearFinalFrom, type ConfusionMatrix } from '../../shared/learning.ts';
import { readConfusions, readPins, writeConfusion, writePins } from '../store/activations.ts';
import { getRun } from '../store/runs.ts';
import type { ForwardContext } from '../work/inference.ts';
import { PinnedMaps, type MapDiff } from './maps.ts';
import { TestPredictions } from './predictions.ts';
import { checkIndices, defaultPins, testImages, TestSets } from './test-set.ts';

export class Activations {
  private readonly testSets: TestSets;
  private readonly maps: PinnedMaps;
  private readonly predictions: TestPredictions;

  /** `testSets`: shared with the analyses where a core has both, so that a test split is read once. */
  constructor(
    private readonly ctx: ForwardContext,
    testSets = new TestSets(ctx.db),
  ) {
    this.testSets = testSets;
    this.maps = new PinnedMaps(ctx);
    this.predictions = new TestPredictions(ctx);
  }

  async pins(runId: number): Promise<PinnedInputs> {
    const run = this.requireRun(runId);
    const set = await this.testSets.of(run);
    const stored = readPins(this.ctx.db, runId);
    const indices = stored ?? defaultPins(set.test, set.classes.length);
    return { runId, isDefault: stored === undefined, testCount: set.test.count, ...testImages(set, indices) };
  }

  /** Replaces the pins (null: back to the default set); an index outside the test split changes nothing. */
  async setPins(runId: number, indices: number[] | null): Promise<PinnedInputs> {
    const run = this.requireRun(runId);
    if (indices) checkIndices(indices, (await this.testSets.of(run)).test.count, 'indices');
    writePins(this.ctx.db, runId, indices);
    return this.pins(runId);
  }

  /** The maps of `inputs` (default: the run's pins) at snapshot `seq`, on the run's fixed scale. */
  async mapsAt(runId: number, seq: number, options: { inputs?: number[]; diff?: MapDiff } = {}) {
    const run = this.requireRun(runId);
    const set = await this.testSets.of(run);
    const indices = options.inputs ?? readPins(this.ctx.db, runId) ?? defaultPins(set.test, set.classes.length);
    if (options.inputs) checkIndices(indices, set.test.count, 'inputs');
    return this.maps.at(run, set, seq, indices, options.diff);
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
        const at = staysNearFinalFrom(a);
        return at === null ? null : evaluated[at]!.seq;
      }),
      computed,
    };
  }

  /** The test images snapshot `seq` gets wrong, the most confident first. */
  async mistakes(runId: number, seq: number, limit: number): Promise<Mistakes> {
    const run = this.requireRun(runId);
    if (!run.snapshots.some((s) => s.seq === seq)) throw new ApiError('not-found', `run #${runId} has no snapshot ${seq}`, 'seq');
    const set = await this.testSets.of(run);
    const { split, predictions } = await this.predictions.at(run, set, seq);
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

  private requireRun(runId: number): RunDetail {
    const run = getRun(this.ctx.db, runId);
    if (!run) throw new ApiError('not-found', `no run #${runId}`, 'runId');
    return run;
  }

  /** A snapshot's test confusion matrix from the model's predictions, stored with it. */
  private async computeConfusion(run: RunDetail, seq: number): Promise<ConfusionMatrix> {
    const { split, predictions } = await this.predictions.at(run, await this.testSets.of(run), seq);
    const matrix = confusionOf(split.labels, predictions.predicted, run.classes.length);
    writeConfusion(this.ctx.db, run.id, seq, matrix);
    return matrix;
  }
}
