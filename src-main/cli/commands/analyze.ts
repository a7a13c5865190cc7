/**
 * `weightlapse analyze --run ID [--probes N]`: computes a run's layer analyses headless, with the app's own
 * pipeline (core/analysis/), what is not stored yet: linear CKA of every layer between every pair of
 * snapshots and the dead units, on the run's probe set. Progress on stderr (a bar on a terminal), then a
 * table per layer: CKA of the first snapshot with the final one, when it settled, the dead units at the end;
 * then the layer rewind map (each layer of the final network put back to the first snapshot, and
 * re-initialised) and the linear share (the pixel regression's accuracy, the network's agreement with it).
 * With `--json`: `{"run","probes","snapshots","analysed","seconds","layers":[{layer,first,settledAt}…],
 * "rewind":[{layer,toFirst,reinit}…],"linear":{regression,first,final}}`.
 *
 * `weightlapse analyze --run ID --examples` computes only the run's example ledger from its stored
 * snapshots ("compute it now": end-of-epoch predictions of every training image, core/analysis/examples.ts),
 * what is not computed yet, and prints its totals; with `--json`: `{"run","source":"computed","snapshots",
 * "computed","images","epochs","seconds","totals":{unforgettable,neverLearned,forgettingEvents}}`.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DEFAULT_PROBES, MAX_PROBES, type AnalysisProgress, type LayerAnalysis, type LinearShare, type RewindMap } from '../../../src-preload/api.ts';
import { TestSets } from '../../core/activations/test-set.ts';
import { Examples } from '../../core/analysis/examples.ts';
import { FilterAnalyses } from '../../core/analysis/filters.ts';
import { Analyses } from '../../core/analysis/service.ts';
import type { Db } from '../../core/store/db.ts';
import { forkTrainer } from '../../core/training/fork.ts';
import { forwardContext } from '../../core/work/inference.ts';
import { asOptionError, globalOptions, output, parseId, UsageError, withDb } from '../common.ts';
import { plural, say } from '../terminal.ts';

/** `--probes 500`: a whole number within the API's bounds (the run's test split is checked by the service). */
export function parseProbes(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_PROBES) throw new UsageError(`--probes: expected a whole number from 1 to ${MAX_PROBES}, got "${value}"`);
  return n;
}

/** A run's analyses in this process (the layers', the filters', the example ledger's): its own forward-pass process, closed by `close`. */
export function cliAnalyses(db: Db): { analyses: Analyses; filters: FilterAnalyses; examples: Examples; close(): void } {
  const forward = forwardContext(db, forkTrainer());
  const ctx = { ...forward, emit: () => {} };
  const testSets = new TestSets(db);
  return { analyses: new Analyses(ctx, testSets), filters: new FilterAnalyses(ctx, testSets), examples: new Examples(ctx), close: () => forward.inference.close() };
}

/** Runs `work`, showing its progress as a bar on a terminal (`label` says what advances). */
async function withBar<T>(cmd: Command, runId: number, label: string, work: (onProgress: (p: AnalysisProgress) => void) => Promise<T>): Promise<T> {
  const bar =
    process.stderr.isTTY && !globalOptions(cmd).json
      ? new cliProgress.SingleBar({ format: `${label} of run #{run} [{bar}] {value}/{total} · {eta_formatted} left`, hideCursor: true }, cliProgress.Presets.shades_classic)
      : undefined;
  try {
    return await work((p) => {
      if (!bar) return;
      if (bar.getTotal() !== p.total) bar.start(p.total, p.done, { run: runId });
      else bar.update(p.done);
    });
  } finally {
    bar?.stop();
  }
}

/** Computes what is missing, with a bar on a terminal; an error about the probe set names `--probes`. */
export async function analyzeWithProgress(cmd: Command, analyses: Analyses, runId: number, probes: number | undefined): Promise<AnalysisProgress> {
  try {
    return await withBar(cmd, runId, 'analysing the layers', (onProgress) => analyses.analyze(runId, { probes, onProgress }));
  } catch (err) {
    throw asOptionError(err, 'probes', '--probes');
  }
}

/** The layer rewind map and the linear share, computed where missing, with a bar each on a terminal. */
export async function rewindAndLinear(cmd: Command, analyses: Analyses, runId: number): Promise<{ rewind: RewindMap; linear: LinearShare }> {
  await withBar(cmd, runId, 'rewinding the layers', (onProgress) => analyses.rewind.analyze(runId, onProgress));
  await withBar(cmd, runId, 'the linear share', (onProgress) => analyses.linear.analyze(runId, onProgress));
  return { rewind: await analyses.rewind.map(runId), linear: await analyses.linear.share(runId) };
}

const fixed = (x: number | null | undefined) => (x === null || x === undefined ? '–' : x.toFixed(3));

function printLayers(summary: LayerAnalysis): void {
  const epochOf = (seq: number | null) => (seq === null ? '–' : `epoch ${summary.epochs[summary.seqs.indexOf(seq)]}`);
  const rows = [['layer', 'CKA first→final', `settled (≥ ${summary.threshold})`, 'dead at the end']];
  summary.layers.forEach((layer, l) => {
    const d = summary.dead.layers.indexOf(layer as (typeof summary.dead.layers)[number]);
    const share = d < 0 ? undefined : summary.dead.share[d]!.at(-1);
    const dead = d < 0 ? '' : `${share == null ? '–' : `${(100 * share).toFixed(1)}%`} of ${summary.dead.units[d]}`;
    rows.push([layer, fixed(summary.toFinal[l]![0]), epochOf(summary.settledAt[l]!), dead]);
  });
  printTable(rows);
}

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) say(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? '–' : `${(100 * x).toFixed(1)}%`);

/** Per layer, the final network's accuracy with it put back to the first snapshot and re-initialised. */
function printRewind({ rewind, linear }: { rewind: RewindMap; linear: LinearShare }): void {
  say('');
  say(`rewinding one layer of the final network (test accuracy ${pct(rewind.finalAccuracy)} on ${plural(rewind.testImages, 'test image')}, chance ${pct(rewind.chance)}):`);
  const rows = [['layer', `to epoch ${rewind.epochs[0] ?? 0}`, `re-initialised (seed ${rewind.reinitSeed})`]];
  rewind.layers.forEach((layer, l) => rows.push([layer, pct(rewind.accuracy[l]![0]), pct(rewind.reinit[l])]));
  printTable(rows);
  const r = linear.regression;
  say('');
  say(
    r
      ? `pixel logistic regression (${plural(r.trainImages, 'training image')}, ${r.iterations} iterations): ${pct(r.accuracy)} on the test images; the network agrees with it on ${pct(linear.share[0])} at first, ${pct(linear.share.at(-1))} at the end`
      : 'pixel logistic regression: not fitted',
  );
}

/** `--examples`: the example ledger computed from the snapshots where missing, and its totals. */
async function analyzeExamples(cmd: Command, runId: number): Promise<void> {
  const started = performance.now();
  const table = await withDb(cmd, async (db) => {
    const { examples, close } = cliAnalyses(db);
    try {
      await withBar(cmd, runId, 'computing the example ledger', async (onProgress) => {
        const { progress, done } = examples.compute(runId, onProgress);
        onProgress(progress);
        await done;
      });
      return await examples.table(runId, undefined, 'computed');
    } finally {
      close();
    }
  });
  const seconds = (performance.now() - started) / 1000;
  const json = { run: runId, source: 'computed', snapshots: table.computed.total, computed: table.computed.done, images: table.count, epochs: table.epochs, seconds, totals: table.totals };
  output(cmd, json, () => {
    say(`run #${runId}: example ledger computed from ${plural(table.computed.done, 'snapshot')} (end-of-epoch predictions of ${plural(table.count, 'training image')}) in ${seconds.toFixed(1)} s`);
    const t = table.totals;
    say(`${plural(t.forgettingEvents, 'forgetting event')}; ${t.unforgettable} unforgettable, ${t.neverLearned} never learned`);
  });
}

export function registerAnalyze(verb: Command): void {
  verb
    .requiredOption('--run <id>', 'the run')
    .option('--probes <n>', `probe images, a class-stratified subset of the test set (default ${DEFAULT_PROBES}, or the whole test set when smaller)`)
    .option('--examples', 'only compute the example ledger from the stored snapshots (end-of-epoch predictions), for a run stored without one')
    .action(async (opts: { run: string; probes?: string; examples?: boolean }, cmd: Command) => {
      const runId = parseId('--run', opts.run);
      if (opts.examples) return analyzeExamples(cmd, runId);
      const probes = parseProbes(opts.probes);
      const started = performance.now();
      const { progress, summary, rewind, linear } = await withDb(cmd, async (db) => {
        const { analyses, close } = cliAnalyses(db);
        try {
          const progress = await analyzeWithProgress(cmd, analyses, runId, probes);
          const summary = await analyses.layers(runId, { probes: progress.probes, threshold: 0.9 });
          return { progress, summary, ...(await rewindAndLinear(cmd, analyses, runId)) };
        } finally {
          close();
        }
      });
      const seconds = (performance.now() - started) / 1000;
      const layers = summary.layers.map((layer, l) => ({ layer, first: summary.toFinal[l]![0], settledAt: summary.settledAt[l] }));
      const rewound = rewind.layers.map((layer, l) => ({ layer, toFirst: rewind.accuracy[l]![0], reinit: rewind.reinit[l] }));
      const linearJson = { regression: linear.regression, first: linear.share[0], final: linear.share.at(-1) };
      output(cmd, { run: runId, probes: progress.probes, snapshots: progress.total, analysed: progress.done, seconds, layers, rewind: rewound, linear: linearJson }, () => {
        say(`run #${runId}: ${plural(progress.total, 'snapshot')} analysed on ${plural(progress.probes, 'probe image')} in ${seconds.toFixed(1)} s`);
        printLayers(summary);
        printRewind({ rewind, linear });
      });
    });
}
