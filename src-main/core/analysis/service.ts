/**
 * The analyses of a run's layers, from its stored snapshots on a fixed probe set (design: "Analyses"):
 * linear CKA of every layer between every pair of snapshots, and the dead units of each snapshot.
 *
 * One job per snapshot on the core's work queue, at `background` priority (what is on screen goes
 * first) and in the run's group, so that removing the run cancels them. A job asks the forward-pass
 * process (trainer/analysis/layers.ts) for the snapshot's row — CKA with itself and every earlier
 * snapshot, and its dead units — and stores it in one statement, then says so (`analysis.progress`).
 * The process keeps the earlier snapshots' Grams, so a new snapshot costs one forward pass and its Grams;
 * when it lacks some (it was restarted, its budget is full) it names them and the job sends their weights.
 * A run removed while a job runs stores nothing of it: the job is aborted, and a row whose snapshot is
 * gone is not written.
 *
 * The layer rewind map and the linear share are their own kinds (rewind.ts, linear.ts), on the same queue
 * and storage; this class holds them. They are computed when asked for (the run page asks again as a
 * training run stores snapshots), not with each snapshot stored: the rewind map's every cell depends on
 * the final snapshot, and the share's regression is a fit of its own.
 *
 * Rows are computed where missing: a snapshot stored while its run trains is analysed at once (the
 * core's training hook, core/startup.ts), a run stored before this release when it is first opened
 * (`analyses.layers`), or everything at once (`weightlapse analyze`).
 */
import {
  ApiError,
  DEAD_LAYERS,
  PROBE_LAYERS,
  type AnalysisProgress,
  type CrossSimilarity,
  type LayerAnalysis,
  type ProbeLayer,
  type ProbeSet,
  type RunDetail,
  type SimilarityMatrix,
} from '../../../src-preload/api.ts';
import { staysTrueFrom } from '../../shared/learning.ts';
import { testSetSource, type TestSets } from '../activations/test-set.ts';
import { countResults, readResults, writeResults } from '../store/analyses.ts';
import { getRun } from '../store/runs.ts';
import { runGroup } from '../work/queue.ts';
import type { ForwardActivations, SnapshotWeights } from '../../trainer/protocol.ts';
import { inBackground, removed, RowJobs, warn, type AnalysisContext } from './jobs.ts';
import { LinearShares } from './linear.ts';
import { probeSetOf, type Probes } from './probes.ts';
import { Rewinds } from './rewind.ts';

/** The units of each ReLU layer (filters of a conv layer, fc1's neurons). */
const UNITS = [20, 50, 500];

const nullIfNaN = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? null : x);

export class Analyses {
  private readonly jobs: RowJobs;
  /** The layer rewind map (rewind.ts). */
  readonly rewind: Rewinds;
  /** The linear share and its pixel regression (linear.ts). */
  readonly linear: LinearShares;

  constructor(
    private readonly ctx: AnalysisContext,
    private readonly testSets: TestSets,
  ) {
    this.jobs = new RowJobs(ctx);
    this.rewind = new Rewinds(ctx, testSets, this.jobs);
    this.linear = new LinearShares(ctx, testSets, this.jobs);
  }

  /** The heat strip: each layer's CKA to the final snapshot, "settled at", dead units; schedules what is missing. */
  async layers(runId: number, options: { probes?: number; threshold: number }): Promise<LayerAnalysis> {
    const run = this.requireRun(runId);
    const probes = await this.probes(run, options.probes);
    this.inBackground(run, probes);
    const cka = readResults(this.ctx.db, runId, 'cka', probes.params);
    const dead = readResults(this.ctx.db, runId, 'dead', probes.params);
    const seqs = run.snapshots.map((s) => s.seq);
    // The last snapshot with its row: its CKA with each earlier one is the strip (the rows of those need not be there).
    let final = seqs.length - 1;
    while (final >= 0 && !cka.has(seqs[final]!)) final--;
    const row = final < 0 ? undefined : cka.get(seqs[final]!)!;
    const toFinal = PROBE_LAYERS.map((_, l) => seqs.map((_, s) => (row && s <= final ? nullIfNaN(row[l * (final + 1) + s]) : null)));
    const settledAt = toFinal.map((series) => {
      if (final < 0) return null;
      const from = staysTrueFrom(series.slice(0, final + 1).map((v) => v !== null && v >= options.threshold));
      return from === null ? null : seqs[from]!;
    });
    return {
      runId,
      probes: { size: probes.size, indices: probes.indices },
      seqs,
      epochs: run.snapshots.map((s) => s.epoch),
      layers: [...PROBE_LAYERS],
      analysed: cka.size,
      toFinal,
      threshold: options.threshold,
      settledAt,
      dead: {
        layers: [...DEAD_LAYERS],
        units: UNITS,
        share: DEAD_LAYERS.map((_, l) => seqs.map((seq) => nullIfNaN(dead.get(seq)?.[l]))),
      },
    };
  }

  /** One layer's CKA between every pair of snapshots (NaN where not analysed yet); schedules what is missing. */
  async similarity(runId: number, layer: ProbeLayer, size?: number): Promise<SimilarityMatrix> {
    const run = this.requireRun(runId);
    const probes = await this.probes(run, size);
    this.inBackground(run, probes);
    const seqs = run.snapshots.map((s) => s.seq);
    const rows = readResults(this.ctx.db, runId, 'cka', probes.params);
    const n = seqs.length;
    const l = PROBE_LAYERS.indexOf(layer);
    const matrix = new Float64Array(n * n).fill(Number.NaN);
    seqs.forEach((seq, t) => {
      const row = rows.get(seq);
      if (!row) return;
      for (let s = 0; s <= t; s++) matrix[t * n + s] = matrix[s * n + t] = row[l * (t + 1) + s]!;
    });
    return { runId, layer, probes: { size: probes.size, indices: probes.indices }, seqs, epochs: run.snapshots.map((s) => s.epoch), matrix, analysed: rows.size };
  }

  /**
   * Two runs' layers against each other (the compare view): linear CKA of every layer of run A's snapshot
   * `a.seq` with every layer of run B's `b.seq`, on one probe set. Probe sets are chosen per data set, so two
   * runs of one data set measure the same images; runs of different data sets (or shapes) are refused.
   */
  async cross(a: { runId: number; seq: number }, b: { runId: number; seq: number }, size?: number): Promise<CrossSimilarity> {
    const [runA, runB] = [this.requireRun(a.runId), this.requireRun(b.runId)];
    for (const [run, side, field] of [[runA, a, 'a.seq'], [runB, b, 'b.seq']] as const) {
      if (!run.snapshots.some((s) => s.seq === side.seq)) throw new ApiError('not-found', `run #${run.id} has no snapshot ${side.seq}`, field);
    }
    const sameData = testSetSource(this.ctx.db, runA).key === testSetSource(this.ctx.db, runB).key;
    if (!sameData || runA.inputShape.join() !== runB.inputShape.join() || runA.classes.length !== runB.classes.length) {
      throw new ApiError('bad-input', `runs #${runA.id} and #${runB.id} were not trained on one data set: their layers cannot be compared on the same images`, 'b.runId');
    }
    const [pa, pb] = [await this.probes(runA, size), await this.probes(runB, size)];
    if (pa.indices.join() !== pb.indices.join()) throw new ApiError('conflict', `runs #${runA.id} and #${runB.id} hold different probe sets of ${pa.size} images`, 'probes');
    const geometry = { shape: runA.inputShape, classes: runA.classes.length };
    const { cka } = await this.ctx.work.run(
      'view',
      () =>
        this.ctx.inference.cross(
          { geometry, weights: this.weightsOf(runA, a.seq), split: pa.split },
          { a: { probeKey: pa.key, seq: a.seq }, b: { probeKey: pb.key, seq: b.seq, weights: this.weightsOf(runB, b.seq) } },
        ),
      runGroup(runA.id),
    );
    return { a, b, layers: [...PROBE_LAYERS], probes: pa.size, matrix: cka };
  }

  /** Analyses every snapshot not analysed yet; resolves once all are stored, with the last progress. */
  async analyze(runId: number, options: { probes?: number; onProgress?: (p: AnalysisProgress) => void } = {}): Promise<AnalysisProgress> {
    const run = this.requireRun(runId);
    const probes = await this.probes(run, options.probes);
    const progress = () => this.progress(run, probes);
    options.onProgress?.(progress());
    await Promise.all(this.schedule(run, probes, () => options.onProgress?.(progress())));
    return progress();
  }

  /** Every compared layer's output on the probe set at snapshot `seq` (for export: what the CKA is computed from). */
  async activationsAt(runId: number, seq: number, size?: number): Promise<{ probes: ProbeSet; activations: ForwardActivations }> {
    const run = this.requireRun(runId);
    if (!run.snapshots.some((s) => s.seq === seq)) throw new ApiError('not-found', `run #${runId} has no snapshot ${seq}`, 'seq');
    const probes = await this.probes(run, size);
    const geometry = { shape: run.inputShape, classes: run.classes.length };
    const activations = await this.ctx.work.run(
      'background',
      () => this.ctx.inference.activations({ geometry, weights: this.weightsOf(run, seq), split: probes.split }),
      runGroup(runId),
    );
    return { probes: { size: probes.size, indices: probes.indices }, activations };
  }

  /** A snapshot a training run just stored: analysed on the default probe set, behind what is on screen. */
  snapshotStored(runId: number, seq: number): void {
    const run = getRun(this.ctx.db, runId);
    if (!run) return;
    this.probes(run, undefined).then(
      (probes) => this.inBackground({ ...run, snapshots: run.snapshots.filter((s) => s.seq <= seq) }, probes),
      (err: unknown) => warn(run, err),
    );
  }

  /** The rows not stored yet, each a job on the queue (or the one already waiting for it). */
  private schedule(run: RunDetail, probes: Probes, onRow?: () => void): Promise<void>[] {
    const stored = readResults(this.ctx.db, run.id, 'cka', probes.params);
    return run.snapshots
      .filter((s) => !stored.has(s.seq))
      .map(({ seq }) => {
        const row = this.jobs.row(run.id, `${probes.key}:${seq}`, (signal) => this.computeRow(run, probes, seq, signal));
        return onRow ? row.then(onRow) : row;
      });
  }

  /** Schedules what is missing without waiting for it. */
  private inBackground(run: RunDetail, probes: Probes): void {
    inBackground(run, this.schedule(run, probes));
  }

  /** Snapshot `seq`'s row: CKA with itself and every earlier snapshot, and its dead units, stored together. */
  private async computeRow(run: RunDetail, probes: Probes, seq: number, signal: AbortSignal): Promise<void> {
    if (readResults(this.ctx.db, run.id, 'cka', probes.params).has(seq)) return; // another process did it meanwhile
    const weightsOf = (at: number) => this.weightsOf(run, at);
    const input = { geometry: { shape: run.inputShape, classes: run.classes.length }, weights: weightsOf(seq), split: probes.split };
    let query = { probeKey: probes.key, seq, against: run.snapshots.filter((s) => s.seq <= seq).map((s) => ({ seq: s.seq })) };
    let answer = await this.ctx.inference.layers(input, query);
    while ('missing' in answer) {
      signal.throwIfAborted();
      const missing = new Set(answer.missing);
      query = { ...query, against: query.against.map((a) => (missing.has(a.seq) ? { seq: a.seq, weights: weightsOf(a.seq) } : a)) };
      answer = await this.ctx.inference.layers(input, query);
    }
    signal.throwIfAborted();
    const results = [
      { kind: 'cka' as const, data: answer.cka },
      { kind: 'dead' as const, data: answer.dead },
    ];
    if (!writeResults(this.ctx.db, run.id, seq, probes.params, results)) throw removed(run.id);
    this.ctx.emit('analysis.progress', this.progress(run, probes));
  }

  private weightsOf(run: RunDetail, seq: number): SnapshotWeights {
    return this.jobs.weightsOf(run.id, seq);
  }

  /** Of the snapshots stored now (a training run stores more as it goes), how many are analysed. */
  private progress(run: RunDetail, probes: Probes): AnalysisProgress {
    const total = getRun(this.ctx.db, run.id)?.snapshots.length ?? run.snapshots.length;
    return { runId: run.id, done: countResults(this.ctx.db, run.id, 'cka', probes.params), total, probes: probes.size };
  }

  private probes(run: RunDetail, size: number | undefined): Promise<Probes> {
    return probeSetOf(this.ctx.db, this.testSets, run, size);
  }

  private requireRun(runId: number): RunDetail {
    return this.jobs.requireRun(runId);
  }
}
