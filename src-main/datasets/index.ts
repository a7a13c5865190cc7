/**
 * Data sets from disk: MNIST-family IDX folders, CIFAR-10 binary folders and the CIFAR-10 `.tar.gz`,
 * and folders of images (one subfolder per class), read through the tensor file they are prepared into.
 * Everything is checked on the way in; a problem is a `DatasetError` naming the file and what is wrong.
 * Images stay bytes (HWC, one after another) so a CIFAR-10 training set is 150 MB, not 600 MB of floats;
 * the trainer converts a batch at a time.
 */
import { basename } from 'node:path';
import { ApiError, imageOptionsSchema, type DatasetDescription, type ImageOptions, type ImagePreparation } from '../../src-preload/api.ts';
import { ByteBudget } from './budget.ts';
import { CIFAR_SIDE, readCifarArchive, readCifarFolder } from './cifar.ts';
import { idxFamily, parseClassList } from './classes.ts';
import { DatasetError } from './errors.ts';
import { readIdxImages, readIdxLabels } from './idx.ts';
import { checkPrepared, prepareImageFolder, type PrepareOptions } from './images/prepare.ts';
import { readPrepared, type PreparedHeader } from './images/prepared-file.ts';
import { locate, type IdxPair, type Located } from './locate.ts';
import { readTextFile } from './regular-file.ts';
import { countClasses, type Split } from './split.ts';

export { DatasetError } from './errors.ts';
export type { Split } from './split.ts';

export interface LoadedDataset {
  /** The whole data set as found on disk (counts before any limit). */
  description: DatasetDescription;
  train: Split;
  test: Split;
}

export interface LoadOptions {
  /** Keep only the first N training images. */
  trainLimit?: number;
  /** Keep only the first N test images. */
  testLimit?: number;
}

/** What a folder of images needs to be read: how to prepare it, and where the prepared file goes. */
export interface OpenOptions {
  /** As the person chose them; the defaults where they chose nothing. Only for a folder of images. */
  images?: ImageOptions;
  /** `preparedDir(dbPath)`; a path that is already prepared (or not images at all) needs none. */
  preparedDir?: string;
  onProgress?: PrepareOptions['onProgress'];
}

interface Read {
  name: string;
  shape: [number, number, number];
  classes: string[];
  train: Split | null;
  test: Split;
  images?: ImagePreparation;
}

/** Reads and checks a whole data set. A folder of images is prepared first, as `images` says, in `preparedDir`. */
export async function loadDataset(path: string, options: LoadOptions & OpenOptions = {}): Promise<LoadedDataset> {
  const located = await openLocated(path, options);
  const read = await readLocated(located, true);
  const train = read.train!;
  return {
    description: describe(located, read, train),
    train: limit(train, options.trainLimit, read.shape),
    test: limit(read.test, options.testLimit, read.shape),
  };
}

/** Reads and checks a data set, keeping only what describes it. A folder of images is prepared (or found prepared). */
export async function inspectDataset(path: string, options: OpenOptions = {}): Promise<DatasetDescription> {
  const located = await openLocated(path, options);
  if (located.format === 'images') {
    const { description } = located.checked ?? (await checkPrepared(located.path));
    return { ...description, path: located.path };
  }
  return (await loadDataset(located.path)).description;
}

/** Only the test images (a quicker read where a few samples are wanted), with shape and class names. */
export async function loadTestSplit(path: string): Promise<{ shape: [number, number, number]; classes: string[]; test: Split }> {
  const { shape, classes, test } = await readLocated(await openLocated(path, {}), false);
  return { shape, classes, test };
}

/** A located data set that can be read: a folder of images is replaced by the file it is prepared into. */
type Opened = Exclude<Located, { kind: 'images-folder' | 'prepared' }> | { format: 'images'; kind: 'prepared'; path: string; checked?: PreparedHeader };

/** What `path` holds, a folder of images replaced by the file it is prepared into (`checked`: just now). */
async function openLocated(path: string, options: OpenOptions): Promise<Opened> {
  const located = await locate(path);
  if (located.format !== 'images' || located.kind === 'prepared') {
    if (options.images !== undefined && located.format !== 'images') {
      throw new ApiError('bad-input', `images: these options are for a folder of images, but ${located.path} is ${located.format === 'idx' ? 'an IDX' : 'a CIFAR-10'} data set`, 'images');
    }
    return located;
  }
  if (options.preparedDir === undefined) {
    throw new ApiError('unavailable', `${located.path}: a folder of images is prepared into a file beside the database, and there is no database file here`);
  }
  const images = options.images ?? imageOptionsSchema.parse({});
  const { file, header } = await prepareImageFolder(located.path, { images, dir: options.preparedDir, onProgress: options.onProgress });
  return { format: 'images', kind: 'prepared', path: file, checked: header };
}

async function readLocated(located: Opened, wantTrain: boolean): Promise<Read> {
  if (located.format === 'images') {
    const { description } = located.checked ?? (await checkPrepared(located.path));
    const { train, test } = await readPrepared(located.path, wantTrain);
    return { ...description, train, test };
  }
  if (located.format === 'cifar10') {
    const data =
      located.kind === 'archive'
        ? await readCifarArchive(located.path, wantTrain)
        : await readCifarFolder(located, wantTrain);
    return { name: 'CIFAR-10', shape: [CIFAR_SIDE, CIFAR_SIDE, 3], ...data };
  }
  const family = idxFamily(located.path);
  const classes = located.classesFile ? await idxClasses(located.classesFile) : family.classes;
  const budget = new ByteBudget();
  const test = await readIdxSplit(located.test, classes.length, budget);
  const train = wantTrain ? await readIdxSplit(located.train, classes.length, budget) : null;
  if (train && (train.rows !== test.rows || train.cols !== test.cols)) {
    throw new DatasetError(
      located.test.images,
      `images are ${test.rows}×${test.cols} but the training images (${basename(located.train.images)}) are ${train.rows}×${train.cols}`,
    );
  }
  return { name: family.name, shape: [test.rows, test.cols, 1], classes, train, test };
}

async function idxClasses(file: string): Promise<string[]> {
  const classes = parseClassList(await readTextFile(file));
  if (classes.length < 2 || classes.length > 256) {
    throw new DatasetError(file, `lists ${classes.length} class names; expected 2 to 256, one a line`);
  }
  return classes;
}

async function readIdxSplit(files: IdxPair, classCount: number, budget: ByteBudget): Promise<Split & { rows: number; cols: number }> {
  const images = await readIdxImages(files.images, budget);
  const labels = await readIdxLabels(files.labels, budget);
  if (labels.length !== images.count) {
    throw new DatasetError(files.labels, `has ${labels.length} labels but ${basename(files.images)} has ${images.count} images`);
  }
  const bad = labels.findIndex((l) => l >= classCount);
  if (bad >= 0) {
    throw new DatasetError(files.labels, `label ${labels[bad]} at position ${bad} is out of range: there are ${classCount} classes (0–${classCount - 1})`);
  }
  return { images: images.data, labels, count: images.count, rows: images.rows, cols: images.cols };
}

function describe(located: Opened, read: Read, train: Split): DatasetDescription {
  return {
    name: read.name,
    format: located.format,
    path: located.path,
    shape: read.shape,
    classes: read.classes,
    train: countClasses(train.labels, read.classes.length),
    test: countClasses(read.test.labels, read.classes.length),
    ...(read.images ? { images: read.images } : {}),
  };
}

/** The first `n` images; copied, so the full set's memory can go. */
function limit(split: Split, n: number | undefined, [h, w, c]: [number, number, number]): Split {
  if (n === undefined || n >= split.count) return split;
  return { images: split.images.slice(0, n * h * w * c), labels: split.labels.slice(0, n), count: n };
}
