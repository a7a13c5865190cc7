/**
 * Data sets the user added, checked against the disk: adding reads and checks every file first (a bad
 * data set stores nothing); listing tells which ones changed or went missing since; one whose files moved
 * is pointed at their new place once their checksum shows they are the same files.
 */
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ApiError, type DatasetInfo, type DatasetSamples } from '../../src-preload/api.ts';
import { resourcesDir } from './paths.ts';
import {
  addDataset,
  listBundledDatasets,
  findDatasetByPath,
  findDatasetsByFolder,
  getDataset,
  listDatasets,
  removeDataset,
  setDatasetPath,
  type StoredDataset,
} from './store/datasets.ts';
import type { Db } from './store/db.ts';
import { checksumFiles } from '../datasets/checksum.ts';
import { checkPrepared, preparedDir } from '../datasets/images/prepare.ts';
import { readPreparedHeader, type PreparedHeader } from '../datasets/images/prepared-file.ts';
import { inspectDataset, loadTestSplit, type OpenOptions } from '../datasets/index.ts';
import { locate, locatedFiles } from '../datasets/locate.ts';
import { pickSamples } from '../datasets/samples.ts';

/** The data sets that come with the app, registered in this order at every start. */
export const BUNDLED_SAMPLES: readonly { dir: string; name: string }[] = [
  { dir: join(resourcesDir, 'sample', 'fashion-mnist'), name: 'Fashion-MNIST sample' },
  // The study's own data set, so that its freeze experiment runs out of the box.
  { dir: join(resourcesDir, 'sample', 'mnist'), name: 'MNIST sample' },
];
/** The sample that tests, benchmarks and a first run train on. */
export const BUNDLED_SAMPLE_DIR = BUNDLED_SAMPLES[0]!.dir;

/** An image folder's checksum is the key of its listing (paths, sizes, modification times). */
const listingChecksum = (header: PreparedHeader) => `sha256:${header.key}`;

/**
 * The checksum of what is at `path` now: the files' contents for IDX and CIFAR-10; for a prepared
 * image folder, its listing (an error says what changed, if it did).
 */
async function checksumOf(path: string): Promise<string> {
  const located = await locate(path);
  if (located.format === 'images') return listingChecksum(await checkPrepared(located.path));
  return checksumFiles(locatedFiles(located));
}

/** A stored data set with `available` (and `problem`) from a look at its files now. */
export async function checkDataset(stored: StoredDataset): Promise<DatasetInfo> {
  try {
    const current = await checksumOf(stored.path);
    if (current === stored.checksum) return { ...stored, available: true };
    return { ...stored, available: false, problem: `${stored.path}: its files changed since it was added; add it again to use it` };
  } catch (err) {
    return { ...stored, available: false, missing: true, problem: err instanceof Error ? err.message : String(err) };
  }
}

export async function listDatasetInfos(db: Db): Promise<DatasetInfo[]> {
  return Promise.all(listDatasets(db).map(checkDataset));
}

export interface AddOptions extends Omit<OpenOptions, 'preparedDir'> {
  name?: string;
  bundled?: boolean;
}

/**
 * Reads and checks the data set at `path` (a folder of images is prepared beside the database first),
 * then remembers it. Nothing is stored if a check fails.
 */
export async function addDatasetFromDisk(db: Db, path: string, options: AddOptions = {}): Promise<DatasetInfo> {
  const description = await inspectDataset(path, { ...options, preparedDir: preparedDir(db.name) });
  const existing = findDatasetByPath(db, description.path);
  if (existing) {
    const what = description.images ? `${description.images.folder}, prepared this way,` : description.path;
    throw new ApiError('conflict', `${what} is already added, as "${existing.name}" (#${existing.id})`, 'path');
  }
  // An image folder was checked against its listing just now.
  const checksum = description.images ? listingChecksum(await readPreparedHeader(description.path)) : await checksumOf(description.path);
  const id = addDataset(db, { description, name: options.name, checksum, bundled: options.bundled });
  return { ...getDataset(db, id)!, available: true };
}

/**
 * The data set stored for `path`, added if it is new. For a folder of images, the one last added from
 * that folder, however it was prepared; if the folder changed since, it is added again, prepared the
 * same way (the defaults for a folder never added).
 */
export async function findOrAddDataset(db: Db, path: string): Promise<StoredDataset> {
  const located = await locate(path);
  if (located.format !== 'images' || located.kind !== 'images-folder') return findDatasetByPath(db, located.path) ?? (await addDatasetFromDisk(db, located.path));
  const last = findDatasetsByFolder(db, located.path).at(-1);
  if (last && (await checkDataset(last)).available) return last;
  return addDatasetFromDisk(db, located.path, { images: last?.images?.options });
}

/**
 * Forgets a data set. Its files stay where they are, and the runs trained on it keep their record; the
 * tensor file an image folder was prepared into is ours, and goes.
 */
export async function forgetDataset(db: Db, id: number): Promise<void> {
  const stored = requireDataset(db, id);
  removeDataset(db, id);
  if (stored.format === 'images' && dirname(stored.path) === preparedDir(db.name)) await rm(stored.path, { force: true });
}

/** The stored data set, or a not-found error naming the id. */
export function requireDataset(db: Db, id: number): StoredDataset {
  const stored = getDataset(db, id);
  if (!stored) throw new ApiError('not-found', `no data set #${id}`, 'id');
  return stored;
}

/** The first `perClass` test images of each class, for a glance at what the data set holds. */
export async function datasetSamples(db: Db, id: number, perClass: number): Promise<DatasetSamples> {
  const info = await checkDataset(requireDataset(db, id));
  if (!info.available) throw new ApiError('unavailable', info.problem ?? `data set #${id} is not available`);
  const { shape, classes, test } = await loadTestSplit(info.path);
  return { shape, classes, ...pickSamples(test, shape, classes.length, perClass) };
}

/**
 * Registers the bundled samples on first start, and follows them when the app moved: their paths are
 * inside the installation, so a sample is known by its folder's name, which moves with it. Returns their ids.
 */
export async function ensureBundledDatasets(db: Db, samples = BUNDLED_SAMPLES): Promise<number[]> {
  const ids: number[] = [];
  for (const { dir, name } of samples) {
    const known = listBundledDatasets(db).find((d) => basename(d.path) === basename(dir));
    if (!known) ids.push((await addDatasetFromDisk(db, dir, { name, bundled: true })).id);
    else {
      if (known.path !== dir) setDatasetPath(db, known.id, dir);
      ids.push(known.id);
    }
  }
  return ids;
}

/**
 * Points a data set whose files moved (or whose drive is mounted elsewhere now) at `path`, after checking
 * that the files there are the same ones, by their checksum. Runs trained on it resume from the new place.
 */
export async function relocateDataset(db: Db, id: number, path: string): Promise<DatasetInfo> {
  const stored = requireDataset(db, id);
  const located = await locate(path);
  if ((await checksumOf(located.path)) !== stored.checksum) {
    throw new ApiError(
      'conflict',
      `${located.path} does not hold the same files as "${stored.name}" (their checksum differs); add it as a data set of its own instead`,
      'path',
    );
  }
  const other = findDatasetByPath(db, located.path);
  if (other && other.id !== id) throw new ApiError('conflict', `${located.path} is already added, as "${other.name}" (#${other.id})`, 'path');
  setDatasetPath(db, id, located.path);
  return { ...getDataset(db, id)!, available: true };
}
