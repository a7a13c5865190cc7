/**
 * What each filter responds to, snapshot by snapshot (issue "Filters"): per unit of conv1, conv2 and the
 * classes, its top examples among the test images and its optimised input (trainer/analysis/filters.ts),
 * on the analyses' pipeline — one job per (snapshot, kind) on the core's work queue at `background`
 * priority in the run's group, one stored row per (snapshot, kind, params), `analysis.progress` (with its
 * `kind`) after each. Computed when asked for (the filter page, `weightlapse analyze --kind`), not while a
 * run trains: feature visualization costs seconds a snapshot.
 *
 * The images searched: the whole test split up to TOP_EXAMPLE_IMAGES images (Fashion-MNIST's and CIFAR-10's
 * 10,000), else the run's probe set of that size. Stored layouts (float64), unit after unit, conv1's 20,
 * conv2's 50, then the classes:
 *  - `top9`, params {images}: the highest channel mean (conv, after ReLU) or logit (class) of any image
 *    searched, then TOP_EXAMPLES × (test index, value, y, x), best first; y x the peak in the unit's map;
 *  - `featurevis`, params {seed, steps}: the optimised input's activation, the starting noise's, the input's
 *    H·W·C values in [0, 1]; after the last unit, the starting image.
 */
import {
  ApiError,
  FILTER_LAYERS,
  RECEPTIVE_FIELD,
  TOP_EXAMPLE_IMAGES,
  TOP_EXAMPLES,
  type AnalysisProgress,
  type FeatureVis,
  type FilterAnalysis,
  type FilterLayer,
  type RunDetail,
  type TopExamples,
} from '../../../src-preload/api.ts';
import { staysTrueFrom } from '../../shared/learning.ts';
import { pickImages, type TestSets } from '../activations/test-set.ts';
import { countResults, paramsKey, readResults, writeResults } from '../store/analyses.ts';
import { getRun } from '../store/runs.ts';
import { weightsAt } from '../work/inference.ts';
import { runGroup } from '../work/queue.ts';
import { removed, warn, type AnalysisContext } from './jobs.ts';
import { probeSetOf, type Probes } from './probes.ts';

export type FilterKind = 'top9' | 'featurevis';
/** One seed for every run and snapshot: frames differ by the network alone. */
export const FEATUREVIS_SEED = 1;

const PER_TOP = 1 + 4 * TOP_EXAMPLES;
const unitCounts = (run: RunDetail) => [20, 50, run.classes.length];

interface Job {
  kind: FilterKind;
  params: string;
  steps: number;
}

export class FilterAnalyses {
  private readonly pending = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly testSets: TestSets,
  ) {}

  /** One layer's units at every snapshot (null where not computed yet); schedules what is missing of `what`. */
  async layer(runId: number, options: { layer: FilterLayer; what: FilterKind[]; steps: number; threshold: number }): Promise<FilterAnalysis> {
    const run = this.requireRun(runId);
    const images = await this.images(run);
    const jobs = options.what.map((kind) => this.job(kind, images, options.steps));
    for (const job of jobs) {
      const rows = this.schedule(run, images, job);
      if (rows.length > 0) Promise.all(rows).catch((err: unknown) => warn(run, err));
    }
    const l = FILTER_LAYERS.indexOf(options.layer);
    const counts = unitCounts(run);
    const units = counts[l]!;
    const first = counts.slice(0, l).reduce((a, b) => a + b, 0);
    const seqs = run.snapshots.map((s) => s.seq);
    const topRows = readResults(this.ctx.db, runId, 'top9', this.job('top9', images, options.steps).params);
    const visRows = readResults(this.ctx.db, runId, 'featurevis', this.job('featurevis', images, options.steps).params);
    const pixels = run.inputShape.reduce((a, b) => a * b, 1);
    const stride = options.layer === 'logits' ? 0 : RECEPTIVE_FIELD[options.layer].stride;
    const top = seqs.map((seq) => {
      const row = topRows.get(seq);
      return row ? Array.from({ length: units }, (_, u) => decodeTop(row, first + u, stride)) : null;
    });
    const featureVis = seqs.map((seq) => {
      const row = visRows.get(seq);
      const best = topRows.get(seq);
      return row ? Array.from({ length: units }, (_, u) => decodeVis(row, first + u, pixels, best?.[(first + u) * PER_TOP])) : null;
    });
    // Stability: each unit's top-example set against the last snapshot's that is computed.
    let final = top.length - 1;
    while (final >= 0 && !top[final]) final--;
    const jaccard = Array.from({ length: units }, (_, u) => top.map((t, s) => (t && s <= final ? jaccardOf(t[u]!.indices, top[final]![u]!.indices) : null)));
    const mean = seqs.map((_, s) => (top[s] && s <= final ? jaccard.reduce((sum, series) => sum + series[s]!, 0) / units : null));
    const from = final < 0 ? null : staysTrueFrom(mean.slice(0, final + 1).map((v) => v !== null && v >= options.threshold));
    const set = await this.testSets.of(run);
    const shown = [...new Set(top.flatMap((t) => t?.flatMap((e) => e.indices) ?? []))].sort((a, b) => a - b);
    const picked = pickImages(set.test, run.inputShape, shown);
    return {
      runId,
      layer: options.layer,
      units,
      images: { size: images.size, whole: images.size === set.test.count },
      field: options.layer === 'logits' ? run.inputShape[0] : RECEPTIVE_FIELD[options.layer].size,
      seqs,
      epochs: run.snapshots.map((s) => s.epoch),
      top,
      featureVis,
      jaccard,
      threshold: options.threshold,
      settledAt: from === null ? null : seqs[from]!,
      examples: { indices: shown, labels: Array.from(picked.labels), images: picked.images, shape: run.inputShape, classes: set.classes },
      steps: options.steps,
    };
  }

  /** Computes what is missing of `kinds` at every snapshot; resolves once all are stored, with the last progress of each. */
  async compute(runId: number, options: { kinds: FilterKind[]; steps: number; onProgress?: (p: AnalysisProgress) => void }): Promise<AnalysisProgress[]> {
    const run = this.requireRun(runId);
    const images = await this.images(run);
    const jobs = options.kinds.map((kind) => this.job(kind, images, options.steps));
    for (const job of jobs) options.onProgress?.(this.progress(run, images, job));
    await Promise.all(jobs.flatMap((job) => this.schedule(run, images, job).map((row) => row.then(() => options.onProgress?.(this.progress(run, images, job))))));
    return jobs.map((job) => this.progress(run, images, job));
  }

  /** The stored rows of one kind by seq (for export), with the test images searched. */
  async rows(runId: number, kind: FilterKind, steps: number): Promise<{ images: Probes; rows: Map<number, Float64Array> }> {
    const run = this.requireRun(runId);
    const images = await this.images(run);
    return { images, rows: readResults(this.ctx.db, runId, kind, this.job(kind, images, steps).params) };
  }

  /** The test images searched: the whole test split up to TOP_EXAMPLE_IMAGES, else the probe set of that size. */
  private async images(run: RunDetail): Promise<Probes> {
    const { test } = await this.testSets.of(run);
    return probeSetOf(this.ctx.db, this.testSets, run, Math.min(test.count, TOP_EXAMPLE_IMAGES));
  }

  private job(kind: FilterKind, images: Probes, steps: number): Job {
    return { kind, steps, params: kind === 'top9' ? paramsKey({ images: images.size }) : paramsKey({ seed: FEATUREVIS_SEED, steps }) };
  }

  private schedule(run: RunDetail, images: Probes, job: Job): Promise<void>[] {
    const stored = readResults(this.ctx.db, run.id, job.kind, job.params);
    return run.snapshots
      .filter((s) => !stored.has(s.seq))
      .map(({ seq }) => {
        const key = `${run.id}:${job.kind}:${job.params}:${seq}`;
        let row = this.pending.get(key);
        if (!row) {
          row = this.ctx.work.run('background', (signal) => this.computeRow(run, images, job, seq, signal), runGroup(run.id));
          this.pending.set(key, row);
          const done = () => this.pending.delete(key);
          void row.then(done, done);
        }
        return row;
      });
  }

  private async computeRow(run: RunDetail, images: Probes, job: Job, seq: number, signal: AbortSignal): Promise<void> {
    if (readResults(this.ctx.db, run.id, job.kind, job.params).has(seq)) return;
    const weights = weightsAt(this.ctx.db, run.id, seq);
    if (Object.values(weights).some((w) => w === undefined)) throw removed(run.id);
    const geometry = { shape: run.inputShape, classes: run.classes.length };
    const empty = { images: new Uint8Array(0), labels: new Uint8Array(0), count: 0 };
    const answer =
      job.kind === 'top9'
        ? await this.ctx.inference.topExamples({ geometry, weights, split: images.split })
        : await this.ctx.inference.featureVis({ geometry, weights, split: empty }, { steps: job.steps, seed: FEATUREVIS_SEED });
    signal.throwIfAborted();
    const data = answer.data;
    if (job.kind === 'top9') {
      // Positions in the searched images → indices into the test split.
      const units = answer.units.reduce((a, b) => a + b, 0);
      for (let u = 0; u < units; u++) for (let k = 0; k < TOP_EXAMPLES; k++) data[u * PER_TOP + 1 + 4 * k] = images.indices[data[u * PER_TOP + 1 + 4 * k]!]!;
    }
    if (!writeResults(this.ctx.db, run.id, seq, job.params, [{ kind: job.kind, data }])) throw removed(run.id);
    this.ctx.emit('analysis.progress', this.progress(run, images, job));
  }

  private progress(run: RunDetail, images: Probes, job: Job): AnalysisProgress {
    const total = getRun(this.ctx.db, run.id)?.snapshots.length ?? run.snapshots.length;
    return { runId: run.id, done: countResults(this.ctx.db, run.id, job.kind, job.params), total, probes: images.size, kind: job.kind };
  }

  private requireRun(runId: number): RunDetail {
    const run = getRun(this.ctx.db, runId);
    if (!run) throw new ApiError('not-found', `no run #${runId}`, 'runId');
    return run;
  }
}

/** One unit's top examples; `stride`: input pixels per step of its map (the corner of the peak's receptive field). */
function decodeTop(row: Float64Array, unit: number, stride: number): TopExamples {
  const at = unit * PER_TOP + 1;
  const k = Array.from({ length: TOP_EXAMPLES }, (_, i) => at + 4 * i);
  return { indices: k.map((i) => row[i]!), values: k.map((i) => row[i + 1]!), corners: k.map((i) => [row[i + 2]! * stride, row[i + 3]! * stride] as [number, number]) };
}

function decodeVis(row: Float64Array, unit: number, pixels: number, best: number | undefined): FeatureVis {
  const at = unit * (2 + pixels);
  const image = Uint8Array.from(row.subarray(at + 2, at + 2 + pixels), (v) => Math.round(v * 255));
  const value = row[at]!;
  return { image, value, start: row[at + 1]!, ratio: best !== undefined && best > 0 ? value / best : null };
}

/** |A ∩ B| / |A ∪ B| of two sets of test indices. */
export function jaccardOf(a: readonly number[], b: readonly number[]): number {
  const inB = new Set(b);
  const shared = a.filter((i) => inB.has(i)).length;
  return shared / (a.length + b.length - shared);
}
