/**
 * `export-analysis --kind examples`: a run's example ledger (issue 26) as files. `examples.csv` and
 * `examples.npy` (float64 [images, EXAMPLE_COLUMNS]) hold the per-image table as of the last snapshot, one
 * row per training image in training-split order; `examples_correct.npy` (uint8 [epochs, images]: 1 right,
 * 0 wrong, 255 not presented) and `examples_p_true.npy` (float16 [epochs, images]) hold every presentation
 * the table was computed from, so that it can be recomputed elsewhere. For a noisy-labels run, the JSON
 * index's `labelNoise` names the flipped images (the table's labels are the flipped ones it trained with).
 * Each entry's `source` says which ledger it is: the recorded one, or, for a run without one, the one
 * `analyze --examples` computed from its snapshots.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExampleSource, ExampleTable } from '../../../src-preload/api.ts';
import type { Examples } from '../../core/analysis/examples.ts';
import type { Db } from '../../core/store/db.ts';
import { readEpochLedgers } from '../../core/store/ledgers.ts';
import { encodeNpy, type NpyData } from '../../core/export/npy.ts';
import { UserError } from '../common.ts';

export const EXAMPLE_COLUMNS = ['label', 'presented', 'forgetting', 'unforgettable', 'never_learned', 'learned_from', 'confidence', 'variability', 'correctness'] as const;

export interface ExamplesEntry {
  file: string;
  kind: 'examples';
  dtype: 'float64' | 'uint8' | 'float16';
  shape: number[];
  axes: string[];
  columns?: string[];
  /** The ledger written: recorded while training, or computed from the snapshots (the recorded one where both are). */
  source: ExampleSource;
}

/** Each image's row of the table, in EXAMPLE_COLUMNS order (-1 for "learned from" never; NaN for not presented). */
function rowOf(t: ExampleTable, i: number): number[] {
  const learned = t.correctness[i]! > 0;
  return [
    t.labels[i]!,
    t.presented[i]!,
    t.forgetting[i]!,
    learned && t.forgetting[i] === 0 ? 1 : 0,
    t.presented[i]! > 0 && !learned ? 1 : 0,
    t.learnedFrom[i]!,
    t.confidence[i]!,
    t.variability[i]!,
    t.correctness[i]!,
  ];
}

/** Writes the files into `out`; the entries for the JSON index, and a noisy-labels run's flips. */
export async function writeExamples(
  db: Db,
  examples: Examples,
  runId: number,
  out: string,
): Promise<{ entries: ExamplesEntry[]; labelNoise?: { share: number; flipped: number[]; auc: number | null } }> {
  const table = await examples.table(runId);
  if (!table.source) {
    throw new UserError(`--kind examples: run #${runId} has no example ledger: it was trained before Weightlapse recorded one (weightlapse analyze --run ${runId} --examples computes one)`);
  }
  const { source } = table;
  const ledgers = readEpochLedgers(db, runId, undefined, source);
  const n = table.count;
  mkdirSync(out, { recursive: true });
  const entries: ExamplesEntry[] = [];
  const write = (entry: Omit<ExamplesEntry, 'source'>, data: NpyData) => {
    writeFileSync(join(out, entry.file), encodeNpy(entry.shape, data, entry.dtype === 'float16'));
    entries.push({ ...entry, source });
  };
  const rows = Array.from({ length: n }, (_, i) => rowOf(table, i));
  const csv = [['index', ...EXAMPLE_COLUMNS].join(','), ...rows.map((r, i) => [i, ...r.map((v) => (Number.isNaN(v) ? '' : String(v)))].join(','))];
  writeFileSync(join(out, 'examples.csv'), `${csv.join('\n')}\n`);
  write({ file: 'examples.npy', kind: 'examples', dtype: 'float64', shape: [n, EXAMPLE_COLUMNS.length], axes: ['image', 'column'], columns: [...EXAMPLE_COLUMNS] }, Float64Array.from(rows.flat()));
  const correct = new Uint8Array(ledgers.length * n);
  const pTrue = new Uint16Array(ledgers.length * n);
  ledgers.forEach((l, e) => {
    correct.set(l.correct, e * n);
    pTrue.set(l.pTrue, e * n);
  });
  write({ file: 'examples_correct.npy', kind: 'examples', dtype: 'uint8', shape: [ledgers.length, n], axes: ['epoch', 'image'] }, correct);
  write({ file: 'examples_p_true.npy', kind: 'examples', dtype: 'float16', shape: [ledgers.length, n], axes: ['epoch', 'image'] }, pTrue);
  const noise = table.noise;
  return noise ? { entries, labelNoise: { share: noise.share, flipped: Array.from(noise.flipped), auc: noise.auc } } : { entries };
}
