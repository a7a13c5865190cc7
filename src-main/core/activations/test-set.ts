/**
 * The test images a run's activation views read: its data set's test split, from where the data set is
 * now (the bundled sample follows the app when it moves), else from where the run was trained. A data
 * set whose files changed since it was added is refused with why. The last few read stay loaded, shared
 * by the runs of one data set.
 */
import { ApiError, MAX_PINS, type RunDetail, type TestImages } from '../../../src-preload/api.ts';
import { loadTestSplit } from '../../datasets/index.ts';
import type { Split } from '../../datasets/split.ts';
import { checkDataset } from '../dataset-registry.ts';
import { getDataset } from '../store/datasets.ts';
import type { Db } from '../store/db.ts';
import { getStoredRun } from '../store/runs.ts';
import { LruCache } from './cache.ts';

/** Test splits kept loaded (a CIFAR-10 test split is 30 MB). */
const TEST_SETS_KEPT = 2;

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

/** The test sets of runs, each read (and its files checked against the data set's checksum) once, then kept while it is one of the last few used. */
export class TestSets {
  private readonly loaded = new LruCache<Promise<TestSet>>(TEST_SETS_KEPT, () => 1);

  constructor(private readonly db: Db) {}

  async of(run: RunDetail): Promise<TestSet> {
    const source = testSetSource(this.db, run);
    let set = this.loaded.get(source.key);
    if (!set) {
      set = source.load();
      set.catch(() => this.loaded.delete(source.key));
      this.loaded.set(source.key, set);
    }
    const loaded = await set;
    if (loaded.shape.join() !== run.inputShape.join() || loaded.classes.length !== run.classes.length) {
      throw new ApiError(
        'unavailable',
        `${loaded.path} holds ${loaded.shape.join('×')} images of ${loaded.classes.length} classes, but run #${run.id} was trained on ${run.inputShape.join('×')} images of ${run.classes.length}`,
        'runId',
      );
    }
    return loaded;
  }
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

/** The first test image of each class, in class order, at most MAX_PINS. */
export function defaultPins(test: Split, classes: number): number[] {
  const first = new Array<number>(classes).fill(-1);
  for (let i = 0; i < test.count; i++) if (first[test.labels[i]!] === -1) first[test.labels[i]!] = i;
  return first.filter((i) => i >= 0).slice(0, MAX_PINS);
}

/** The images and labels of `indices`, as the contract gives them. */
export function testImages(set: TestSet, indices: number[]): TestImages {
  const picked = pickImages(set.test, set.shape, indices);
  return { indices, labels: Array.from(picked.labels), images: picked.images, shape: set.shape, classes: set.classes };
}

/** Refuses an index outside the test split, naming the field. */
export function checkIndices(indices: readonly number[], count: number, field: string): void {
  const bad = indices.findIndex((i) => i >= count);
  if (bad >= 0) {
    throw new ApiError('bad-input', `${field}.${bad}: there is no test image ${indices[bad]}; the test set has ${count} (0–${count - 1})`, `${field}.${bad}`);
  }
}
