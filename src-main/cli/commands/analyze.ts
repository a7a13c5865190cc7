/**
 * `weightlapse analyze --run ID [--probes N]`: computes a run's layer analyses headless, with the app's own
 * pipeline (core/analysis/), what is not stored yet: linear CKA of every layer between every pair of
 * snapshots and the dead units, on the run's probe set. Progress on stderr (a bar on a terminal), then a
 * table per layer: CKA of the first snapshot with the final one, when it settled, the dead units at the end.
 * With `--json`: `{"run","probes","snapshots","analysed","seconds","layers":[{layer,first,settledAt}…]}`.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { DEFAULT_PROBES, MAX_PROBES, type AnalysisProgress, type LayerAnalysis } from '../../../src-preload/api.ts';
import { TestSets } from '../../core/activations/test-set.ts';
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

/** A run's analyses in this process (the layers', the filters'): its own forward-pass process, closed by `close`. */
export function cliAnalyses(db: Db): { analyses: Analyses; filters: FilterAnalyses; close(): void } {
  const forward = forwardContext(db, forkTrainer());
  const ctx = { ...forward, emit: () => {} };
  const testSets = new TestSets(db);
  return { analyses: new Analyses(ctx, testSets), filters: new FilterAnalyses(ctx, testSets), close: () => forward.inference.close() };
}

/** Computes what is missing, with a bar on a terminal; an error about the probe set names `--probes`. */
export async function analyzeWithProgress(cmd: Command, analyses: Analyses, runId: number, probes: number | undefined): Promise<AnalysisProgress> {
  const bar =
    process.stderr.isTTY && !globalOptions(cmd).json
      ? new cliProgress.SingleBar({ format: 'analysing run #{run} [{bar}] {value}/{total} snapshots · {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic)
      : undefined;
  try {
    return await analyses.analyze(runId, {
      probes,
      onProgress: (p) => {
        if (!bar) return;
        if (bar.getTotal() !== p.total) bar.start(p.total, p.done, { run: runId });
        else bar.update(p.done);
      },
    });
  } catch (err) {
    throw asOptionError(err, 'probes', '--probes');
  } finally {
    bar?.stop();
  }
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
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) say(row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
}

export function registerAnalyze(verb: Command): void {
  verb
    .requiredOption('--run <id>', 'the run')
    .option('--probes <n>', `probe images, a class-stratified subset of the test set (default ${DEFAULT_PROBES}, or the whole test set when smaller)`)
    .action(async (opts: { run: string; probes?: string }, cmd: Command) => {
      const runId = parseId('--run', opts.run);
      const probes = parseProbes(opts.probes);
      const started = performance.now();
      const { progress, summary } = await withDb(cmd, async (db) => {
        const { analyses, close } = cliAnalyses(db);
        try {
          const progress = await analyzeWithProgress(cmd, analyses, runId, probes);
          return { progress, summary: await analyses.layers(runId, { probes: progress.probes, threshold: 0.9 }) };
        } finally {
          close();
        }
      });
      const seconds = (performance.now() - started) / 1000;
      const layers = summary.layers.map((layer, l) => ({ layer, first: summary.toFinal[l]![0], settledAt: summary.settledAt[l] }));
      output(cmd, { run: runId, probes: progress.probes, snapshots: progress.total, analysed: progress.done, seconds, layers }, () => {
        say(`run #${runId}: ${plural(progress.total, 'snapshot')} analysed on ${plural(progress.probes, 'probe image')} in ${seconds.toFixed(1)} s`);
        printLayers(summary);
      });
    });
}
