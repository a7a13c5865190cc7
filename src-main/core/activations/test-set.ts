/**
 * The test images a run's activation views read: its data set's test split, from where the data set is
 * now (the bundled sample follows the app when it moves), else from where the run was trained. A data
 * set whose files changed since it was added, or that no longer fits the run, is refused with why.
 */
import { ApiError, type RunDetail } from '../../../src-preload/api.ts';
import { loadTestSplit } from '../datasets/index.ts';
import { checkDataset } from '../datasets/registry.ts';
import type { Split } from '../datasets/split.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { getRunRow } from '../store/runs.ts';

export interface TestSet {
  path: string;
  shape: [number, number, number];
  classes: string[];
  /** The data set's whole test split: pins may name any of its images. */
  test: Split;
}

/** Where the run's data set is to be read from, refusing one whose files changed. */
export async function testSetPath(db: Db, run: RunDetail): Promise<string> {
  const stored = run.datasetId === null ? undefined : getDataset(db, run.datasetId);
  if (!stored) return getRunRow(db, run.id)!.dataset_path;
  const info = await checkDataset(stored);
  if (!info.available) throw new ApiError('unavailable', `the test images of run #${run.id} cannot be read: ${info.problem}`, 'runId');
  return stored.path;
}

export async function loadTestSet(path: string, run: RunDetail): Promise<TestSet> {
  let read;
  try {
    read = await loadTestSplit(path);
  } catch (err) {
    throw new ApiError('unavailable', `the test images of run #${run.id} cannot be read: ${(err as Error).message}`, 'runId');
  }
  if (read.shape.join() !== run.inputShape.join() || read.classes.length !== run.classes.length) {
    throw new ApiError(
      'unavailable',
      `${path} holds ${read.shape.join('×')} images of ${read.classes.length} classes, but run #${run.id} was trained on ${run.inputShape.join('×')} images of ${run.classes.length}`,
      'runId',
    );
  }
  return { path, ...read };
}

/** Images `indices` of a split, as their own small split. */
export function pickImages(split: Split, shape: readonly number[], indices: readonly number[]): Split {
  const size = shape.reduce((a, b) => a * b, 1);
  const images = new Uint8Array(indices.length * size);
  indices.forEach((i, k) => images.set(split.images.subarray(i * size, (i + 1) * size), k * size));
  return { images, labels: Uint8Array.from(indices, (i) => split.labels[i]!), count: indices.length };
}

/** The first `count` images of a split (the run's own test split, when it was trained with a limit). */
export function firstImages(split: Split, shape: readonly number[], count: number | undefined): Split {
  if (count === undefined || count >= split.count) return split;
  const size = shape.reduce((a, b) => a * b, 1);
  return { images: split.images.subarray(0, count * size), labels: split.labels.subarray(0, count), count };
}
