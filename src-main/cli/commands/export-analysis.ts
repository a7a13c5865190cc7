/**
 * `weightlapse export-analysis --run ID --out DIR [--kind K]… [--probes N] [--activations] [--steps N]`: a run's
 * analyses as NumPy `.npy` files with a JSON index, computing first what is not stored yet (as `analyze`).
 * By default what `analyze` computes (cka, dead, rewind, linear); when named, the filter analyses (top9,
 * featurevis: export-filters.ts) and the example ledger (examples: export-examples.ts, a per-image table as
 * CSV and `.npy`).
 *
 * Layout: `DIR/cka_<layer>.npy` float64 [snapshots, snapshots], linear CKA between every pair of snapshots,
 * one per layer (conv1, pool1, conv2, pool2, fc1, logits); `DIR/dead.npy` float64 [snapshots, 3], the share
 * of dead units of conv1, conv2 and fc1; `DIR/rewind.npy` float64 [4 layers, snapshots], the final network's test
 * accuracy with conv1, conv2, fc1 or fc2 put back to each snapshot, and `DIR/reinit.npy` [4], with it drawn afresh;
 * `DIR/linear_share.npy` float64 [snapshots], the share of test images on which each snapshot agrees with the
 * data set's pixel logistic regression, whose coefficients are `linear_kernel.npy` [pixels, classes] and
 * `linear_bias.npy` [classes] (float64 of the float32 fit; pixels HWC, scaled to [0, 1]); with `--activations`,
 * `DIR/activations/<snapshot folder>/<layer>.npy` float32 [probes, features], each layer's output on the probe
 * set, NHWC flattened, as the CKA sees it (folders named as `export-weights` names them). `DIR/analysis.json`
 * names every array, its axes, the snapshots (seq, epoch) and the probe set (test-set indices and labels).
 */
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FEATUREVIS_STEPS, MAX_FEATUREVIS_STEPS, PROBE_LAYERS, type ProbeSet } from '../../../src-preload/api.ts';
import type { FilterKind } from '../../core/analysis/filters.ts';
import type { Analyses } from '../../core/analysis/service.ts';
import { getRun } from '../../core/store/runs.ts';
import { encodeNpy } from '../../core/export/npy.ts';
import { output, parseId, UsageError, UserError, withDb } from '../common.ts';
import { outputFolder, writeError } from '../output.ts';
import { plural, say } from '../terminal.ts';
import { analyzeWithProgress, cliAnalyses, parseProbes, rewindAndLinear } from './analyze.ts';
import { writeExamples, type ExamplesEntry } from './export-examples.ts';
import { writeFilterArrays, type ArrayEntry } from './export-filters.ts';
import { snapshotFolders } from './export-weights.ts';

interface ExportAnalysisOptions {
  run: string;
  out: string;
  kind?: ExportKind[];
  probes?: string;
  activations?: boolean;
  steps?: string;
}

/** What is written without `--kind`: what `analyze` computes (`rewind`: the map with its re-initialised column; `linear`: the share with its regression). */
const DEFAULT_KINDS = ['cka', 'dead', 'rewind', 'linear'] as const;
/** The filters' (feature visualization costs seconds a snapshot) and the example ledger (recorded while training): only when named. */
const FILTER_KINDS: FilterKind[] = ['top9', 'featurevis'];
const EXPORT_KINDS = [...DEFAULT_KINDS, ...FILTER_KINDS, 'examples'] as const;
type ExportKind = (typeof EXPORT_KINDS)[number];

/** `--steps 64`: feature visualization's optimisation steps. */
export function parseSteps(value: string | undefined): number {
  if (value === undefined) return FEATUREVIS_STEPS;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_FEATUREVIS_STEPS) throw new UsageError(`--steps: expected a whole number from 1 to ${MAX_FEATUREVIS_STEPS}, got "${value}"`);
  return n;
}

/** `--kind cka --kind dead` or `--kind cka,dead`. */
const kinds = (value: string, previous: ExportKind[] = []): ExportKind[] => [
  ...previous,
  ...value.split(',').map((v) => {
    const kind = v.trim();
    if (!(EXPORT_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind: unknown kind "${kind}"; the kinds are ${EXPORT_KINDS.join(', ')}`);
    return kind as ExportKind;
  }),
];

interface IndexEntry extends ArrayEntry {
  final?: number | null;
  seed?: number;
  layers?: string[];
  seq?: number;
}

type Write = (entry: IndexEntry, data: Float32Array | Float64Array) => void;

export function registerExportAnalysis(verb: Command): void {
  verb
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--out <dir>', 'the folder to write into (created if missing)')
    .option('--kind <kind>', `what to write: ${EXPORT_KINDS.join(', ')}; repeat or comma-separate (default: ${DEFAULT_KINDS.join(', ')})`, kinds)
    .option('--probes <n>', 'the probe set by its size (default: as `analyze` chooses)')
    .option('--activations', "also write each layer's output on the probe set at every snapshot (float32, large: conv1 is 46 KB per probe image)")
    .option('--steps <n>', `feature visualization's optimisation steps (default ${FEATUREVIS_STEPS})`)
    .action(async (opts: ExportAnalysisOptions, cmd: Command) => {
      const runId = parseId('--run', opts.run);
      const probes = parseProbes(opts.probes);
      const steps = parseSteps(opts.steps);
      const chosen = new Set<ExportKind>(opts.kind ?? DEFAULT_KINDS);
      const layered = chosen.has('cka') || chosen.has('dead') || opts.activations === true;
      const out = outputFolder('--out', opts.out);
      const written = await withDb(cmd, async (db) => {
        const { analyses, filters, examples: ledgers, close } = cliAnalyses(db);
        try {
          const run = getRun(db, runId);
          if (!run) throw new UserError(`no run #${runId}`);
          const arrays: (IndexEntry | ExamplesEntry)[] = [];
          // The example ledger first: a run without one is refused before anything is computed or written.
          const examples = chosen.has('examples') ? await writeExamples(db, ledgers, runId, out) : undefined;
          arrays.push(...(examples?.entries ?? []));
          // The folder is made by the first array written: an analysis refused first (a bad --probes) leaves none.
          const write: Write = (entry, data) => {
            mkdirSync(join(out, entry.file, '..'), { recursive: true });
            writeFileSync(join(out, entry.file), encodeNpy(entry.shape, data));
            arrays.push(entry);
          };
          // Only what is asked for is computed: each analysis is work of its own.
          const probeSet = layered ? await writeLayerArrays(cmd, analyses, runId, { probes, chosen, activations: opts.activations === true }, write) : undefined;
          const others = chosen.has('rewind') || chosen.has('linear') ? await writeRewindAndLinear(cmd, analyses, runId, chosen, write) : undefined;
          const filterKinds = FILTER_KINDS.filter((k) => chosen.has(k));
          // The test images the top examples were searched in (the whole test split, or a probe set of TOP_EXAMPLE_IMAGES).
          const searched = filterKinds.length > 0 ? await writeFilterArrays(cmd, filters, runId, filterKinds, steps, write) : undefined;
          const index = {
            run: runId,
            // Indices into the data set's test split, ascending: the rows of every activation array.
            ...(probeSet ? { probes: probeSet } : {}),
            ...(searched ? { top9Images: searched, featurevisSteps: steps } : {}),
            // A noisy-labels run's flipped training images (the examples table's labels are the flipped ones).
            ...(examples?.labelNoise ? { labelNoise: examples.labelNoise } : {}),
            ...others,
            snapshots: run.snapshots.map(({ seq, epoch }) => ({ seq, epoch })),
            arrays,
          };
          mkdirSync(out, { recursive: true });
          writeFileSync(join(out, 'analysis.json'), `${JSON.stringify(index, null, 2)}\n`);
          return { files: arrays.length, snapshots: run.snapshots.length };
        } catch (err) {
          throw writeError('--out', err);
        } finally {
          close();
        }
      });
      output(cmd, { out, ...written }, () => say(`wrote ${plural(written.files, '.npy file')} for ${plural(written.snapshots, 'snapshot')} to ${out}`));
    });
}

/** The layer analyses' arrays (cka, dead, activations), computed first where missing; returns the probe set they were measured on. */
async function writeLayerArrays(
  cmd: Command,
  analyses: Analyses,
  runId: number,
  options: { probes: number | undefined; chosen: Set<ExportKind>; activations: boolean },
  write: Write,
): Promise<ProbeSet> {
  const { probes: size } = await analyzeWithProgress(cmd, analyses, runId, options.probes);
  const summary = await analyses.layers(runId, { probes: size, threshold: 0.9 });
  const n = summary.seqs.length;
  if (options.chosen.has('cka')) {
    for (const layer of PROBE_LAYERS) {
      const { matrix } = await analyses.similarity(runId, layer, size);
      write({ file: `cka_${layer}.npy`, kind: 'cka', layer, dtype: 'float64', shape: [n, n], axes: ['snapshot', 'snapshot'] }, matrix);
    }
  }
  if (options.chosen.has('dead')) {
    const { layers, share } = summary.dead;
    const data = Float64Array.from({ length: n * layers.length }, (_, i) => share[i % layers.length]![Math.floor(i / layers.length)] ?? Number.NaN);
    write({ file: 'dead.npy', kind: 'dead', layers, dtype: 'float64', shape: [n, layers.length], axes: ['snapshot', 'layer'] }, data);
  }
  if (options.activations) {
    const folders = snapshotFolders(summary.seqs.map((_, i) => ({ epoch: summary.epochs[i]! })));
    for (const [i, seq] of summary.seqs.entries()) {
      const { activations } = await analyses.activationsAt(runId, seq, size);
      for (const layer of PROBE_LAYERS) {
        const data = activations[layer];
        const shape = [size, data.length / size];
        write({ file: `activations/${folders[i]}/${layer}.npy`, kind: 'activations', layer, seq, dtype: 'float32', shape, axes: ['probe', 'feature'] }, data);
      }
    }
  }
  return summary.probes;
}

/** The rewind map and the linear share (with the regression's coefficients), computed first where missing; what the index says of them. */
async function writeRewindAndLinear(cmd: Command, analyses: Analyses, runId: number, chosen: Set<ExportKind>, write: Write): Promise<Record<string, unknown>> {
  const { rewind, linear } = await rewindAndLinear(cmd, analyses, runId);
  const n = rewind.seqs.length;
  const nulls = (a: (number | null)[]) => Float64Array.from(a, (v) => v ?? Number.NaN);
  const said: Record<string, unknown> = {};
  if (chosen.has('rewind')) {
    const { layers, finalSeq: final } = rewind;
    write({ file: 'rewind.npy', kind: 'rewind', layers, final, dtype: 'float64', shape: [layers.length, n], axes: ['layer', 'snapshot'] }, nulls(rewind.accuracy.flat()));
    write({ file: 'reinit.npy', kind: 'reinit', layers, final, seed: rewind.reinitSeed, dtype: 'float64', shape: [layers.length], axes: ['layer'] }, nulls(rewind.reinit));
    said.rewind = { final, finalAccuracy: rewind.finalAccuracy, testImages: rewind.testImages, chance: rewind.chance, reinitSeed: rewind.reinitSeed };
  }
  if (chosen.has('linear')) {
    write({ file: 'linear_share.npy', kind: 'linear', dtype: 'float64', shape: [n], axes: ['snapshot'] }, nulls(linear.share));
    const reference = await analyses.linear.regression(runId);
    if (reference) {
      const { kernel, bias } = reference.fit;
      write({ file: 'linear_kernel.npy', kind: 'linear-fit', dtype: 'float64', shape: [kernel.length / bias.length, bias.length], axes: ['pixel', 'class'] }, kernel);
      write({ file: 'linear_bias.npy', kind: 'linear-fit', dtype: 'float64', shape: [bias.length], axes: ['class'] }, bias);
    }
    said.linear = { regression: linear.regression, testImages: linear.testImages };
  }
  return said;
}
