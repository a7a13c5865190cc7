/**
 * The tensor file an image folder is prepared into (`*.wlimages`, in a folder next to the database).
 * Runs read this, never the images: every run of the data set sees the same pixels and the same split.
 *
 * Layout: `WLIMAGES`, a uint32 LE format version, a uint32 LE header length, the header (JSON: the
 * description and the key of the folder listing it was made from), the train images (HWC bytes, one
 * after another), the train labels, the test images, the test labels, and last the index (JSON: the
 * listing, and the file each image came from, in order).
 */
import { rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import type { DatasetDescription, ImagePreparation } from '../../../src-preload/api.ts';
import { DatasetError } from '../errors.ts';
import { withRegularFile } from '../regular-file.ts';
import type { Split } from '../split.ts';
import type { ListingEntry } from './scan.ts';

export const PREPARED_EXTENSION = '.wlimages';
const MAGIC = 'WLIMAGES';
const VERSION = 1;
const PREAMBLE_BYTES = 16;

export interface PreparedHeader {
  /** The key of the folder listing the file was made from (`FolderScan.key`). */
  key: string;
  /** The description, less the path (the file's own). */
  description: Omit<DatasetDescription, 'path' | 'images'> & { images: ImagePreparation };
}

export interface PreparedIndex {
  listing: ListingEntry[];
  /** The file (relative to the folder) each image came from, in the order of the tensors. */
  train: string[];
  test: string[];
}

interface Located {
  header: PreparedHeader;
  /** Where the train images start. */
  dataStart: number;
  imageBytes: number;
}

export async function writePrepared(file: string, header: PreparedHeader, train: Split, test: Split, index: PreparedIndex): Promise<void> {
  const json = Buffer.from(JSON.stringify(header));
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  preamble.write(MAGIC, 0, 'latin1');
  preamble.writeUInt32LE(VERSION, 8);
  preamble.writeUInt32LE(json.length, 12);
  // Written whole under another name, then renamed: a reader never sees half a file.
  const part = `${file}.${process.pid}.part`;
  try {
    await writeFile(part, [preamble, json, train.images, train.labels, test.images, test.labels, Buffer.from(JSON.stringify(index))]);
    await rename(part, file);
  } catch (err) {
    await rm(part, { force: true });
    throw err;
  }
}

async function locate(file: string, handle: FileHandle): Promise<Located> {
  const { size } = await handle.stat();
  const preamble = Buffer.alloc(PREAMBLE_BYTES);
  await handle.read(preamble, 0, PREAMBLE_BYTES, 0);
  if (size < PREAMBLE_BYTES || preamble.toString('latin1', 0, 8) !== MAGIC) {
    throw new DatasetError(file, 'not a prepared image data set (no WLIMAGES header)');
  }
  const version = preamble.readUInt32LE(8);
  if (version !== VERSION) throw new DatasetError(file, `prepared by another version of Weightlapse (format ${version}, this one reads ${VERSION}); add its folder again`);
  const headerBytes = preamble.readUInt32LE(12);
  const dataStart = PREAMBLE_BYTES + headerBytes;
  if (dataStart > size) throw new DatasetError(file, `cut short (${size} bytes, its header alone needs ${dataStart}); add its folder again`);
  const json = Buffer.alloc(headerBytes);
  await handle.read(json, 0, headerBytes, PREAMBLE_BYTES);
  let header: PreparedHeader;
  try {
    header = JSON.parse(json.toString('utf8')) as PreparedHeader;
  } catch {
    throw new DatasetError(file, 'damaged header; add its folder again');
  }
  const [h, w, c] = header.description.shape;
  const imageBytes = h * w * c;
  const end = dataStart + (header.description.train.count + header.description.test.count) * (imageBytes + 1);
  if (end > size) throw new DatasetError(file, `cut short (${size} bytes of at least ${end}); add its folder again`);
  return { header, dataStart, imageBytes };
}

/** A prepared file holds at most `MAX_FILES` images of 32×32×3 and their listing. */
const MAX_FILE = { maxBytes: 4 * 2 ** 30, what: 'prepared image data set' };

const withFile = <T>(file: string, read: (handle: FileHandle) => Promise<T>): Promise<T> => withRegularFile(file, MAX_FILE, read);

export function readPreparedHeader(file: string): Promise<PreparedHeader> {
  return withFile(file, async (handle) => (await locate(file, handle)).header);
}

/** The header and the splits; the train split only when asked (samples need only the test images). */
export function readPrepared(file: string, wantTrain: boolean): Promise<{ header: PreparedHeader; train: Split | null; test: Split }> {
  return withFile(file, async (handle) => {
    const { header, dataStart, imageBytes } = await locate(file, handle);
    const { train: trainCounts, test: testCounts } = header.description;
    const classCount = header.description.classes.length;
    const readSplit = async (at: number, count: number): Promise<Split> => {
      const bytes = new Uint8Array(count * (imageBytes + 1));
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, at);
      const labels = bytes.subarray(count * imageBytes);
      if (bytesRead !== bytes.length || labels.some((l) => l >= classCount)) throw new DatasetError(file, 'damaged; add its folder again');
      return { images: bytes.subarray(0, count * imageBytes), labels, count };
    };
    const testStart = dataStart + trainCounts.count * (imageBytes + 1);
    const train = wantTrain ? await readSplit(dataStart, trainCounts.count) : null;
    return { header, train, test: await readSplit(testStart, testCounts.count) };
  });
}

export function readPreparedIndex(file: string): Promise<PreparedIndex> {
  return withFile(file, async (handle) => {
    const { header, dataStart, imageBytes } = await locate(file, handle);
    const at = dataStart + (header.description.train.count + header.description.test.count) * (imageBytes + 1);
    const { size } = await handle.stat();
    const json = Buffer.alloc(size - at);
    await handle.read(json, 0, json.length, at);
    try {
      return JSON.parse(json.toString('utf8')) as PreparedIndex;
    } catch {
      throw new DatasetError(file, 'damaged index; add its folder again');
    }
  });
}
