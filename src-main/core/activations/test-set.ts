/**
 * The test images a run's activation views read: its data set's test split, from where the data set is
 * now (the bundled sample follows the app when it moves), else from where the run was trained. A data
 * set whose files changed since it was added is refused with why.
 */
import { ApiError, type RunDetail } from '../../../src-preload/api.ts';
import { loadTestSplit } from '../../datasets/index.ts';
import { checkDataset } from '../dataset-registry.ts';
import type { Split } from '../../datasets/split.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { getStoredRun } from '../store/runs.ts';

export interface TestSet {
  path: string;
  shape: [number, number, number];
  classes: string[];
  /** The data set's whole test split: pins may name any of its images. */
  test: Split;
}

/**
 * Where a run's test images come from: a key that names the data set (its id and when it was added, or
 * the run's own path for a data set no longer registered), and how to read them, refusing a data set
 * whose files changed since it was added.
 */
export function testSetSource(db: Db, run: RunDetail): { key: string; load(): Promise<TestSet> } {
  const stored = run.datasetId === null ? undefined : getDataset(db, run.datasetId);
  if (!stored) {
    const path = getStoredRun(db, run.id)!.datasetPath;
    return { key: path, load: () => loadTestSet(path, run) };
  }
  return {
    key: `#${stored.id}@${stored.addedAt}`,
    async load() {
      const info = await checkDataset(stored);
      if (!info.available) throw new ApiError('unavailable', `the test images of run #${run.id} cannot be read: ${info.problem}`, 'runId');
      return loadTestSet(stored.path, run);
    },
  };
}

async function loadTestSet(path: string, run: RunDetail): Promise<TestSet> {
  try {
    return { path, ...(await loadTestSplit(path)) };
  } catch (err) {
    throw new ApiError('unavailable', `the test images of run #${run.id} cannot be read: ${(err as Error).message}`, 'runId');
  }
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
