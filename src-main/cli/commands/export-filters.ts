/**
 * The filter analyses' part of `weightlapse export-analysis` (`--kind top9`, `--kind featurevis`): what each
 * unit of conv1, conv2 and the classes responds to at every snapshot, computed first where missing.
 *
 *  - `top9_<layer>.npy` float64 [snapshots, units, 9, 4]: per rank (best first, ties to the lower index) the
 *    test-set index, the activation (a channel's maximum over positions after ReLU; a class's logit), and the
 *    top-left corner [y, x] in input pixels of the receptive field where it peaks (conv1 5 × 5, conv2 14 × 14);
 *  - `top9_jaccard_<layer>.npy` float64 [units, snapshots]: overlap of each unit's top-9 with the final snapshot's;
 *  - `featurevis_<layer>.npy` float32 [snapshots, units, H, W, C]: each unit's optimised input in [0, 1]
 *    (the model's input: pixel / 255);
 *  - `featurevis_<layer>_values.npy` float64 [snapshots, units, 3]: its activation (a channel's mean after ReLU;
 *    a class's logit), the starting image's, and the ratio to the best test image's (NaN where undefined);
 *  - `featurevis_start.npy` float32 [H, W, C]: the starting image, the same for every unit and snapshot.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { FILTER_LAYERS, TOP_EXAMPLES, TOP9_SETTLED } from '../../../src-preload/api.ts';
import type { FilterAnalyses, FilterKind } from '../../core/analysis/filters.ts';
import { globalOptions } from '../common.ts';

export interface ArrayEntry {
  file: string;
  kind: string;
  dtype: 'float64' | 'float32';
  shape: number[];
  axes: string[];
  layer?: string;
  fields?: string[];
}

type Write = (entry: ArrayEntry, data: Float32Array | Float64Array) => void;

/** Computes what is missing of `kinds` (a bar on a terminal), then writes their arrays; returns the images searched. */
export async function writeFilterArrays(cmd: Command, filters: FilterAnalyses, runId: number, kinds: FilterKind[], steps: number, write: Write): Promise<{ size: number; whole: boolean }> {
  const bar =
    process.stderr.isTTY && !globalOptions(cmd).json
      ? new cliProgress.SingleBar({ format: 'filters of run #{run} [{bar}] {value}/{total} · {eta_formatted} left', hideCursor: true }, cliProgress.Presets.shades_classic)
      : undefined;
  try {
    const done = new Map<FilterKind, number>();
    await filters.compute(runId, {
      kinds,
      steps,
      onProgress: (p) => {
        done.set(p.kind as FilterKind, p.done); // (the filters say only theirs)
        const total = p.total * kinds.length;
        const sum = [...done.values()].reduce((a, b) => a + b, 0);
        if (bar && bar.getTotal() !== total) bar.start(total, sum, { run: runId });
        else bar?.update(sum);
      },
    });
  } finally {
    bar?.stop();
  }
  let images = { size: 0, whole: false };
  for (const layer of FILTER_LAYERS) {
    const a = await filters.layer(runId, { layer, what: [], steps, threshold: TOP9_SETTLED });
    images = a.images;
    const n = a.seqs.length;
    const [h, w, c] = a.examples.shape;
    if (kinds.includes('top9')) {
      const data = new Float64Array(n * a.units * TOP_EXAMPLES * 4).fill(Number.NaN);
      a.top.forEach((units, s) =>
        units?.forEach((t, u) => t.indices.forEach((index, k) => data.set([index, t.values[k]!, ...t.corners[k]!], ((s * a.units + u) * TOP_EXAMPLES + k) * 4))),
      );
      const fields = ['test_index', 'value', 'corner_y', 'corner_x'];
      write({ file: `top9_${layer}.npy`, kind: 'top9', layer, dtype: 'float64', shape: [n, a.units, TOP_EXAMPLES, 4], axes: ['snapshot', 'unit', 'rank', 'field'], fields }, data);
      const jaccard = Float64Array.from(a.jaccard.flat(), (v) => v ?? Number.NaN);
      write({ file: `top9_jaccard_${layer}.npy`, kind: 'top9', layer, dtype: 'float64', shape: [a.units, n], axes: ['unit', 'snapshot'] }, jaccard);
    }
    if (kinds.includes('featurevis')) {
      const { rows } = await filters.rows(runId, 'featurevis', steps);
      const pixels = h * w * c;
      const first = FILTER_LAYERS.slice(0, FILTER_LAYERS.indexOf(layer)).reduce((sum, l) => sum + (l === 'conv1' ? 20 : 50), 0);
      const images = new Float32Array(n * a.units * pixels).fill(Number.NaN);
      const values = new Float64Array(n * a.units * 3).fill(Number.NaN);
      a.seqs.forEach((seq, s) => {
        const row = rows.get(seq);
        if (!row) return;
        for (let u = 0; u < a.units; u++) {
          const at = (first + u) * (2 + pixels);
          images.set(row.subarray(at + 2, at + 2 + pixels), (s * a.units + u) * pixels);
          values.set([row[at]!, row[at + 1]!, a.featureVis[s]![u]!.ratio ?? Number.NaN], (s * a.units + u) * 3);
        }
      });
      write({ file: `featurevis_${layer}.npy`, kind: 'featurevis', layer, dtype: 'float32', shape: [n, a.units, h, w, c], axes: ['snapshot', 'unit', 'y', 'x', 'channel'] }, images);
      const fields = ['value', 'start_value', 'ratio_to_best_test_image'];
      write({ file: `featurevis_${layer}_values.npy`, kind: 'featurevis', layer, dtype: 'float64', shape: [n, a.units, 3], axes: ['snapshot', 'unit', 'field'], fields }, values);
      const last = [...rows.values()].at(-1);
      if (layer === 'logits' && last) {
        write({ file: 'featurevis_start.npy', kind: 'featurevis', dtype: 'float32', shape: [h, w, c], axes: ['y', 'x', 'channel'] }, Float32Array.from(last.subarray(last.length - pixels)));
      }
    }
  }
  return images;
}
