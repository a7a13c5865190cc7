/**
 * CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html): batches of 3,073-byte records,
 * 1 label byte then 32×32 pixels of red, of green, of blue (CHW). Read from a folder or straight out of
 * the official `.tar.gz`, and turned into HWC once, here, so the rest of the app sees one layout.
 */
import { basename, posix } from 'node:path';
import { readTarMembers } from './archive.ts';
import { ByteBudget, DATA_BUDGET_BYTES } from './budget.ts';
import { CIFAR10_CLASSES, parseClassList } from './classes.ts';
import { DatasetError } from './errors.ts';
import { readAt, readTextFile, withRegularFile } from './regular-file.ts';
import type { Split } from './split.ts';

export const CIFAR_SIDE = 32;
const PIXELS = CIFAR_SIDE * CIFAR_SIDE;
const IMAGE_BYTES = PIXELS * 3;
export const RECORD_BYTES = 1 + IMAGE_BYTES;

export const TRAIN_BATCH = /^data_batch_(\d+)\.bin$/;
export const TEST_BATCH = 'test_batch.bin';
export const META = 'batches.meta.txt';
const MAX_BATCH = { maxBytes: DATA_BUDGET_BYTES, what: 'CIFAR-10 batch' };

export interface Batch {
  file: string;
  bytes: Uint8Array;
}

export interface CifarData {
  classes: string[];
  train: Split | null;
  test: Split;
}

/** Joins batches into one split, checking record alignment and labels, converting CHW to HWC. */
export function cifarSplit(batches: Batch[], classCount: number): Split {
  let count = 0;
  for (const { file, bytes } of batches) {
    if (bytes.length === 0) throw new DatasetError(file, 'is empty');
    const leftOver = bytes.length % RECORD_BYTES;
    if (leftOver !== 0) {
      throw new DatasetError(
        file,
        `${bytes.length} bytes is not a whole number of ${RECORD_BYTES}-byte records ` +
          `(1 label + 32×32×3 pixels): ${leftOver} bytes left over`,
      );
    }
    count += bytes.length / RECORD_BYTES;
  }
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let n = 0;
  for (const { file, bytes } of batches) {
    for (let at = 0; at < bytes.length; at += RECORD_BYTES, n++) {
      const label = bytes[at]!;
      if (label >= classCount) {
        throw new DatasetError(file, `record ${at / RECORD_BYTES} has label ${label}; there are ${classCount} classes (0–${classCount - 1})`);
      }
      labels[n] = label;
      const out = n * IMAGE_BYTES;
      for (let c = 0; c < 3; c++) {
        const plane = at + 1 + c * PIXELS;
        for (let p = 0; p < PIXELS; p++) images[out + p * 3 + c] = bytes[plane + p]!;
      }
    }
  }
  return { images, labels, count };
}

export function cifarClasses(file: string | undefined, text: string | undefined): string[] {
  if (file === undefined || text === undefined) return CIFAR10_CLASSES;
  const classes = parseClassList(text);
  if (classes.length < 2 || classes.length > 256) {
    throw new DatasetError(file, `lists ${classes.length} class names; expected 2 to 256, one a line`);
  }
  return classes;
}

/** Batch files in the order CIFAR numbers them. */
export function byBatchNumber(a: string, b: string): number {
  return Number(TRAIN_BATCH.exec(basename(a))![1]) - Number(TRAIN_BATCH.exec(basename(b))![1]);
}

export async function readCifarFolder(
  files: { train: string[]; test: string; meta?: string },
  wantTrain: boolean,
): Promise<CifarData> {
  const budget = new ByteBudget();
  const read = (file: string) => readBatch(file, budget);
  const classes = cifarClasses(files.meta, files.meta === undefined ? undefined : await readTextFile(files.meta));
  const test = cifarSplit([await read(files.test)], classes.length);
  const train = wantTrain ? cifarSplit(await Promise.all(files.train.map(read)), classes.length) : null;
  return { classes, train, test };
}

/** One batch file, its size taken from `budget` before it is read. */
function readBatch(file: string, budget: ByteBudget): Promise<Batch> {
  return withRegularFile(file, MAX_BATCH, async (handle, size) => {
    budget.take(file, size);
    const bytes = await readAt(handle, size);
    if (bytes.length !== size) throw new DatasetError(file, `changed while it was read (${bytes.length} of ${size} bytes)`);
    return { file, bytes };
  });
}

const isCifarMember = (base: string) => base === META || base === TEST_BATCH || TRAIN_BATCH.test(base);

/**
 * Reads the batches straight out of a `.tar.gz` (any one folder inside), never unpacking it to disk.
 * Batches in two folders of one archive are refused: which copy is meant cannot be told.
 */
export async function readCifarArchive(archive: string, wantTrain: boolean): Promise<CifarData> {
  let folder: string | undefined;
  const members = await readTarMembers(
    archive,
    (name) => {
      const base = basename(name);
      if (!isCifarMember(base)) return false;
      const where = posix.dirname(name);
      folder ??= where;
      if (where !== folder) {
        throw new DatasetError(archive, `holds CIFAR-10 files in two folders (${shown(folder)} and ${shown(where)}); pack one copy of cifar-10-batches-bin/`);
      }
      return wantTrain || !TRAIN_BATCH.test(base);
    },
    new ByteBudget(),
  );
  const at = (name: string) => `${archive}:${name}`;
  const names = [...members.keys()];
  const find = (base: string) => names.find((n) => basename(n) === base);
  const testName = find(TEST_BATCH);
  const trainNames = names.filter((n) => TRAIN_BATCH.test(basename(n))).sort(byBatchNumber);
  const missing = [...(wantTrain && trainNames.length === 0 ? ['data_batch_N.bin'] : []), ...(testName ? [] : [TEST_BATCH])];
  if (missing.length > 0) {
    throw new DatasetError(
      archive,
      `not a CIFAR-10 binary archive: no ${missing.join(' and no ')} inside ` +
        '(expected cifar-10-batches-bin/ with data_batch_1.bin … data_batch_5.bin, test_batch.bin, batches.meta.txt)',
    );
  }
  sameBatchTwice(archive, trainNames.map((n) => basename(n)));
  const metaName = find(META);
  const classes = cifarClasses(
    metaName && at(metaName),
    metaName && Buffer.from(members.get(metaName)!).toString('utf8'),
  );
  const batch = (name: string): Batch => ({ file: at(name), bytes: members.get(name)! });
  const test = cifarSplit([batch(testName!)], classes.length);
  const train = wantTrain ? cifarSplit(trainNames.map(batch), classes.length) : null;
  return { classes, train, test };
}

const shown = (folder: string) => (folder === '.' ? 'the top' : `${folder}/`);

/** Refuses two batch files with one number (`data_batch_1.bin` and `data_batch_01.bin`): which is batch 1? */
export function sameBatchTwice(where: string, names: string[]): void {
  const seen = new Map<number, string>();
  for (const name of names) {
    const n = Number(TRAIN_BATCH.exec(name)![1]);
    const other = seen.get(n);
    if (other !== undefined) throw new DatasetError(where, `${[other, name].sort().join(' and ')} are both training batch ${n}; keep one`);
    seen.set(n, name);
  }
}
