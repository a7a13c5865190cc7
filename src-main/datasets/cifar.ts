/**
 * CIFAR-10, binary version (https://www.cs.toronto.edu/~kriz/cifar.html): batches of 3,073-byte records,
 * 1 label byte then 32×32 pixels of red, of green, of blue (CHW). Read from a folder or straight out of
 * the official `.tar.gz`, and turned into HWC once, here, so the rest of the app sees one layout.
 */
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import { CIFAR10_CLASSES, parseClassList } from './classes.ts';
import { DatasetError } from './errors.ts';
import { looksGzipped, readStart } from './gzip.ts';
import type { Split } from './split.ts';

export const CIFAR_SIDE = 32;
const PIXELS = CIFAR_SIDE * CIFAR_SIDE;
const IMAGE_BYTES = PIXELS * 3;
export const RECORD_BYTES = 1 + IMAGE_BYTES;

export const TRAIN_BATCH = /^data_batch_(\d+)\.bin$/;
export const TEST_BATCH = 'test_batch.bin';
export const META = 'batches.meta.txt';
/** A member larger than this is not a CIFAR-10 batch (the real ones are 30,730,000 bytes). */
const MAX_MEMBER_BYTES = 1 << 30;
const CHUNK_BYTES = 1 << 20;

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
  const read = async (file: string): Promise<Batch> => ({ file, bytes: await readFile(file) });
  const classes = cifarClasses(files.meta, files.meta === undefined ? undefined : await readFile(files.meta, 'utf8'));
  const test = cifarSplit([await read(files.test)], classes.length);
  const train = wantTrain ? cifarSplit(await Promise.all(files.train.map(read)), classes.length) : null;
  return { classes, train, test };
}

/** Reads the batches straight out of a `.tar.gz` (any folder inside), never unpacking it to disk. */
export async function readCifarArchive(archive: string, wantTrain: boolean): Promise<CifarData> {
  const members = await readTarMembers(archive, (name) => {
    const base = basename(name);
    return base === META || base === TEST_BATCH || (wantTrain && TRAIN_BATCH.test(base));
  });
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

/**
 * The wanted regular files of a (gzipped) tar archive, as bytes, keyed by their path inside it.
 * Node's zlib inflates in large chunks on its own thread while `tar` parses here: about twice as quick
 * as letting `tar` inflate in small chunks itself.
 */
export async function readTarMembers(archive: string, wanted: (name: string) => boolean): Promise<Map<string, Uint8Array>> {
  const members = new Map<string, Uint8Array>();
  let problem: string | undefined;
  const source = createReadStream(archive, { highWaterMark: CHUNK_BYTES });
  const stop = (why: string) => {
    problem ??= why;
    source.destroy();
  };
  const take = (entry: ReadEntry) => {
    if (entry.type !== 'File' || !wanted(entry.path) || members.has(entry.path)) return entry.resume();
    if (entry.size > MAX_MEMBER_BYTES) {
      stop(`${entry.path} inside is ${entry.size} bytes, too large for a CIFAR-10 batch`);
      return entry.resume();
    }
    // Sized from the tar header, filled in place: one copy of each batch in memory, not two.
    const bytes = new Uint8Array(entry.size);
    let filled = 0;
    entry.on('data', (chunk: Buffer) => {
      bytes.set(chunk.subarray(0, Math.max(0, bytes.length - filled)), filled);
      filled += chunk.length;
    });
    entry.on('end', () => {
      if (filled !== entry.size) stop(`${entry.path} inside is cut short (${filled} of ${entry.size} bytes)`);
      else members.set(entry.path, bytes);
    });
  };
  const gzipped = looksGzipped(await readStart(archive, 2));
  const parser = new Parser({ strict: true, onReadEntry: take });
  try {
    await pipeline(gzipped ? [source, createGunzip({ chunkSize: CHUNK_BYTES }), parser] : [source, parser]);
  } catch (err) {
    if (problem) throw new DatasetError(archive, problem);
    const { code = '', message } = err as NodeJS.ErrnoException;
    if (code.startsWith('Z_')) throw new DatasetError(archive, `damaged or incomplete gzip data (${message}); download it again`);
    if (code.startsWith('TAR_')) throw new DatasetError(archive, `not a readable tar archive (${message})`);
    throw new DatasetError(archive, `cannot be read (${message})`);
  }
  if (problem) throw new DatasetError(archive, problem);
  return members;
}
