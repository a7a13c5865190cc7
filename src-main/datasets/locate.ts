/**
 * Which format a path holds and which files make it up, decided from names alone (cheap: the registry
 * uses it to checksum a data set without reading it as images). A folder that is neither IDX nor
 * CIFAR-10 but holds folders is taken for a folder of images, one subfolder per class.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { byBatchNumber, META, sameBatchTwice, TEST_BATCH, TRAIN_BATCH } from './cifar.ts';
import { DatasetError } from './errors.ts';
import { PREPARED_EXTENSION } from './images/prepared-file.ts';
import { notRegular } from './regular-file.ts';

export interface IdxPair {
  images: string;
  labels: string;
}

export type Located =
  | { format: 'idx'; path: string; train: IdxPair; test: IdxPair; classesFile?: string }
  | { format: 'cifar10'; kind: 'folder'; path: string; train: string[]; test: string; meta?: string }
  | { format: 'cifar10'; kind: 'archive'; path: string }
  /** A folder of images, to be prepared into a tensor file. */
  | { format: 'images'; kind: 'images-folder'; path: string }
  /** The tensor file a folder of images was prepared into: what runs read. */
  | { format: 'images'; kind: 'prepared'; path: string };

/** `train-images-idx3-ubyte`, also the `train-images.idx3-ubyte` some copies use, raw or `.gz`. */
const IDX_NAME = /^(train|t10k)-(images|labels)[.-]idx([13])-ubyte(\.gz)?$/i;
const ARCHIVE_NAME = /\.(tar\.gz|tgz)$/i;
/** What an IDX folder may carry to name its classes, one a line. */
export const IDX_CLASSES_FILE = 'classes.txt';
const CIFAR_FOLDER = 'cifar-10-batches-bin';
const CIFAR_ARCHIVE = 'cifar-10-binary.tar.gz';

const EXPECTED =
  'expected a folder with MNIST-style IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], ' +
  't10k-…), a folder with CIFAR-10 binary batches (data_batch_1.bin …, test_batch.bin), cifar-10-binary.tar.gz, ' +
  'or a folder of images with one subfolder per class (…/cats/1.png, …/dogs/2.jpg)';

export async function locate(input: string): Promise<Located> {
  const path = resolve(input);
  const info = await stat(path).catch(() => null);
  if (!info) throw new DatasetError(path, 'does not exist');
  if (info.isFile()) {
    if (ARCHIVE_NAME.test(path)) return { format: 'cifar10', kind: 'archive', path };
    if (path.endsWith(PREPARED_EXTENSION)) return { format: 'images', kind: 'prepared', path };
    // A single IDX file stands for the folder it is in.
    if (IDX_NAME.test(basename(path))) return locateFolder(dirname(path));
    throw new DatasetError(path, `not a data set: ${EXPECTED}`);
  }
  if (!info.isDirectory()) throw notRegular(path, info);
  return locateFolder(path);
}

async function locateFolder(path: string): Promise<Located> {
  const names = await readdir(path);
  if (names.some((n) => IDX_NAME.test(n))) return locateIdx(path, names);
  if (names.some((n) => TRAIN_BATCH.test(n) || n === TEST_BATCH)) return locateCifar(path, names);
  // The folder the official archive unpacks to, or the folder it was downloaded into.
  if (names.includes(CIFAR_FOLDER)) return locateFolder(join(path, CIFAR_FOLDER));
  if (names.includes(CIFAR_ARCHIVE)) return { format: 'cifar10', kind: 'archive', path: join(path, CIFAR_ARCHIVE) };
  if (await holdsFolders(path, names)) return { format: 'images', kind: 'images-folder', path };
  throw new DatasetError(path, `not a data set: ${EXPECTED}`);
}

/** Whether any entry that is not hidden is a folder (or a link to one). */
async function holdsFolders(path: string, names: string[]): Promise<boolean> {
  const visible = names.filter((n) => !n.startsWith('.'));
  const kinds = await Promise.all(visible.map((n) => stat(join(path, n)).then((s) => s.isDirectory(), () => false)));
  return kinds.some(Boolean);
}

function locateIdx(path: string, names: string[]): Located {
  // Raw files first: where both are present, they are the quicker read.
  const sorted = [...names].sort((a, b) => Number(a.endsWith('.gz')) - Number(b.endsWith('.gz')));
  const find = (split: string, kind: string) => {
    const name = sorted.find((n) => {
      const m = IDX_NAME.exec(n);
      return m !== null && m[1]!.toLowerCase() === split && m[2]!.toLowerCase() === kind && m[3] === (kind === 'images' ? '3' : '1');
    });
    return name && join(path, name);
  };
  const files = {
    'train-images-idx3-ubyte': find('train', 'images'),
    'train-labels-idx1-ubyte': find('train', 'labels'),
    't10k-images-idx3-ubyte': find('t10k', 'images'),
    't10k-labels-idx1-ubyte': find('t10k', 'labels'),
  };
  const missing = Object.entries(files)
    .filter(([, file]) => file === undefined)
    .map(([name]) => `${name}[.gz]`);
  if (missing.length > 0) throw new DatasetError(path, `IDX data set incomplete: missing ${missing.join(', ')}`);
  const located: Located = {
    format: 'idx',
    path,
    train: { images: files['train-images-idx3-ubyte']!, labels: files['train-labels-idx1-ubyte']! },
    test: { images: files['t10k-images-idx3-ubyte']!, labels: files['t10k-labels-idx1-ubyte']! },
  };
  if (names.includes(IDX_CLASSES_FILE)) located.classesFile = join(path, IDX_CLASSES_FILE);
  return located;
}

function locateCifar(path: string, names: string[]): Located {
  const train = names.filter((n) => TRAIN_BATCH.test(n)).sort(byBatchNumber);
  const missing = [train.length === 0 ? 'data_batch_1.bin … data_batch_5.bin (any of them)' : '', names.includes(TEST_BATCH) ? '' : TEST_BATCH];
  if (missing.some(Boolean)) {
    throw new DatasetError(path, `CIFAR-10 data set incomplete: missing ${missing.filter(Boolean).join(' and ')}`);
  }
  sameBatchTwice(path, train);
  const located: Located = {
    format: 'cifar10',
    kind: 'folder',
    path,
    train: train.map((n) => join(path, n)),
    test: join(path, TEST_BATCH),
  };
  if (names.includes(META)) located.meta = join(path, META);
  return located;
}

/** Every file an IDX or CIFAR-10 data set is read from, for its checksum. */
export function locatedFiles(located: Exclude<Located, { format: 'images' }>): string[] {
  if (located.format === 'idx') {
    const { train, test, classesFile } = located;
    return [train.images, train.labels, test.images, test.labels, ...(classesFile ? [classesFile] : [])];
  }
  if (located.kind === 'archive') return [located.path];
  return [...located.train, located.test, ...(located.meta ? [located.meta] : [])];
}
