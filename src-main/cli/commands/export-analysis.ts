/**
 * `weightlapse export-analysis --run ID --out DIR [--kind K]… [--probes N] [--activations] [--steps N]`: a run's
 * analyses as NumPy `.npy` files with a JSON index, computing first what is not stored yet (as `analyze`).
 * By default the layer analyses (cka, dead); the filter analyses (top9, featurevis: export-filters.ts) when named.
 *
 * Layout: `DIR/cka_<layer>.npy` float64 [snapshots, snapshots], linear CKA between every pair of snapshots,
 * one per layer (conv1, pool1, conv2, pool2, fc1, logits); `DIR/dead.npy` float64 [snapshots, 3], the share
 * of dead units of conv1, conv2 and fc1; with `--activations`, `DIR/activations/<snapshot folder>/<layer>.npy`
 * float32 [probes, features], each layer's output on the probe set, NHWC flattened, as the CKA sees it
 * (folders named as `export-weights` names them). `DIR/analysis.json` names every array, its axes, the
 * snapshots (seq, epoch) and the probe set (test-set indices and labels).
 */
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANALYSIS_KINDS, FEATUREVIS_STEPS, MAX_FEATUREVIS_STEPS, PROBE_LAYERS, type AnalysisKind, type ProbeSet } from '../../../src-preload/api.ts';
import type { FilterKind } from '../../core/analysis/filters.ts';
import type { Analyses } from '../../core/analysis/service.ts';
import { getRun } from '../../core/store/runs.ts';
import { encodeNpy } from '../../core/export/npy.ts';
import { output, parseId, UsageError, UserError, withDb } from '../common.ts';
import { outputFolder, writeError } from '../output.ts';
import { plural, say } from '../terminal.ts';
import { analyzeWithProgress, cliAnalyses, parseProbes } from './analyze.ts';
import { writeFilterArrays, type ArrayEntry } from './export-filters.ts';
import { snapshotFolders } from './export-weights.ts';

interface ExportAnalysisOptions {
  run: string;
  out: string;
  kind?: AnalysisKind[];
  probes?: string;
  activations?: boolean;
  steps?: string;
}

/** What is written without `--kind`: the layer analyses (the filters' feature visualization costs seconds a snapshot). */
const DEFAULT_KINDS: AnalysisKind[] = ['cka', 'dead'];
const FILTER_KINDS: FilterKind[] = ['top9', 'featurevis'];

/** `--steps 64`: feature visualization's optimisation steps. */
function parseSteps(value: string | undefined): number {
  if (value === undefined) return FEATUREVIS_STEPS;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > MAX_FEATUREVIS_STEPS) throw new UsageError(`--steps: expected a whole number from 1 to ${MAX_FEATUREVIS_STEPS}, got "${value}"`);
  return n;
}

/** `--kind cka --kind dead` or `--kind cka,dead`. */
const kinds = (value: string, previous: AnalysisKind[] = []): AnalysisKind[] => [
  ...previous,
  ...value.split(',').map((v) => {
    const kind = v.trim();
    if (!(ANALYSIS_KINDS as readonly string[]).includes(kind)) throw new UsageError(`--kind: unknown kind "${kind}"; the kinds are ${ANALYSIS_KINDS.join(', ')}`);
    return kind as AnalysisKind;
  }),
];

interface IndexEntry extends ArrayEntry {
  layers?: string[];
  seq?: number;
}

export function registerExportAnalysis(verb: Command): void {
  verb
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--out <dir>', 'the folder to write into (created if missing)')
    .option('--kind <kind>', `what to write: ${ANALYSIS_KINDS.join(', ')}; repeat or comma-separate (default: ${DEFAULT_KINDS.join(', ')})`, kinds)
    .option('--probes <n>', 'the probe set by its size (default: as `analyze` chooses)')
    .option('--activations', "also write each layer's output on the probe set at every snapshot (float32, large: conv1 is 46 KB per probe image)")
    .option('--steps <n>', `feature visualization's optimisation steps (default ${FEATUREVIS_STEPS})`)
    .action(async (opts: ExportAnalysisOptions, cmd: Command) => {
      const runId = parseId('--run', opts.run);
      const probes = parseProbes(opts.probes);
      const steps = parseSteps(opts.steps);
      const chosen = new Set(opts.kind ?? DEFAULT_KINDS);
      const layered = chosen.has('cka') || chosen.has('dead') || opts.activations === true;
      const out = outputFolder('--out', opts.out);
      const written = await withDb(cmd, async (db) => {
        const { analyses, filters, close } = cliAnalyses(db);
        try {
          const run = getRun(db, runId);
          if (!run) throw new UserError(`no run #${runId}`);
          const arrays: IndexEntry[] = [];
          // The folder is made by the first array written: an analysis refused first (a bad --probes) leaves none.
          const write = (entry: IndexEntry, data: Float32Array | Float64Array) => {
            mkdirSync(join(out, entry.file, '..'), { recursive: true });
            writeFileSync(join(out, entry.file), encodeNpy(entry.shape, data));
            arrays.push(entry);
          };
          const probeSet = layered ? await writeLayerArrays(cmd, analyses, runId, { probes, chosen, activations: opts.activations === true }, write) : undefined;
          const filterKinds = FILTER_KINDS.filter((k) => chosen.has(k));
          // The test images the top examples were searched in (the whole test split, or a probe set of TOP_EXAMPLE_IMAGES).
          const searched = filterKinds.length > 0 ? await writeFilterArrays(cmd, filters, runId, filterKinds, steps, write) : undefined;
          const index = {
            run: runId,
            // Indices into the data set's test split, ascending: the rows of every activation array.
            ...(probeSet ? { probes: probeSet } : {}),
            ...(searched ? { top9Images: searched, featurevisSteps: steps } : {}),
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
  options: { probes: number | undefined; chosen: Set<AnalysisKind>; activations: boolean },
  write: (entry: IndexEntry, data: Float32Array | Float64Array) => void,
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
