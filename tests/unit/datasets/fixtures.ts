/**
 * Data set files for the tests, all made from real Fashion-MNIST images (the bundled sample), in temp
 * folders: copies, corruptions, and CIFAR-10-format batches whose three channels are different real images.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { create } from 'tar';
import { expect } from 'vitest';
import { DatasetError, loadDataset } from '../../../src-main/datasets/index.ts';
import { BUNDLED_SAMPLE_DIR } from '../../../src-main/core/dataset-registry.ts';
import { tempDir } from '../../helpers.ts';

export const SAMPLE = BUNDLED_SAMPLE_DIR;
export const FASHION = '/usr/share/datasets/fashion-mnist';
export const IDX_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;
type IdxFile = keyof typeof IDX_FILES;

/** Byte-for-byte equality that stays quick on megabytes (a deep-equal diff of millions of numbers does not). */
export function expectSameBytes(actual: Uint8Array, expected: Uint8Array): void {
  expect(actual.length).toBe(expected.length);
  expect(Buffer.compare(actual, expected)).toBe(0);
}


/** The decompressed bytes (header included) of one of the sample's IDX files. */
export function sampleIdx(file: IdxFile): Buffer {
  return gunzipSync(readFileSync(join(SAMPLE, `${IDX_FILES[file]}.gz`)));
}

/**
 * A copy of the sample as raw (or gzipped) IDX files in a folder named `name`; `change` may alter any
 * file's decompressed bytes first (to corrupt it).
 */
export function idxFolder(options: { gzip?: boolean; name?: string; change?: Partial<Record<IdxFile, (b: Buffer) => Buffer>> } = {}): string {
  const dir = join(tempDir(), options.name ?? 'fashion-mnist');
  mkdirSync(dir);
  for (const key of Object.keys(IDX_FILES) as IdxFile[]) {
    const bytes = options.change?.[key]?.(Buffer.from(sampleIdx(key))) ?? sampleIdx(key);
    if (options.gzip) writeFileSync(join(dir, `${IDX_FILES[key]}.gz`), gzipSync(bytes));
    else writeFileSync(join(dir, IDX_FILES[key]), bytes);
  }
  return dir;
}

/** 32×32 from a 28×28 image: centred, 2 pixels of black around. */
function pad32(image: Uint8Array): Uint8Array {
  const out = new Uint8Array(32 * 32);
  for (let y = 0; y < 28; y++) out.set(image.subarray(y * 28, y * 28 + 28), (y + 2) * 32 + 2);
  return out;
}

export interface CifarRecords {
  /** CIFAR records (label + R plane + G plane + B plane). */
  bytes: Uint8Array;
  /** The same images as HWC, what the loader must produce. */
  hwc: Uint8Array;
  labels: Uint8Array;
}

/**
 * `count` CIFAR-10 records from real images: record i has Fashion-MNIST image i as red, image i+1 as
 * green and image i+2 as blue (so a mixed-up channel order shows), and image i's label.
 */
export function cifarRecords(count: number, offset = 0): CifarRecords {
  const images = sampleIdx('trainImages').subarray(16);
  const labels = sampleIdx('trainLabels').subarray(8);
  const plane = (i: number) => pad32(images.subarray(i * 784, (i + 1) * 784));
  const bytes = new Uint8Array(count * 3073);
  const hwc = new Uint8Array(count * 3072);
  for (let n = 0; n < count; n++) {
    const i = offset + n;
    bytes[n * 3073] = labels[i]!;
    for (let c = 0; c < 3; c++) {
      const p = plane(i + c);
      bytes.set(p, n * 3073 + 1 + c * 1024);
      for (let k = 0; k < 1024; k++) hwc[n * 3072 + k * 3 + c] = p[k]!;
    }
  }
  return { bytes, hwc, labels: labels.slice(offset, offset + count) };
}

export const CIFAR_META = 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n';

/** A CIFAR-10 binary folder (`cifar-10-batches-bin`) with `trainBatches` batches of `perBatch` records. */
export function cifarFolder(options: { trainBatches?: number[]; perBatch?: number; meta?: string | null; change?: (name: string, b: Uint8Array) => Uint8Array } = {}): {
  dir: string;
  train: CifarRecords[];
  test: CifarRecords;
} {
  const dir = join(tempDir(), 'cifar-10-batches-bin');
  mkdirSync(dir);
  const perBatch = options.perBatch ?? 50;
  const write = (name: string, bytes: Uint8Array) => writeFileSync(join(dir, name), options.change?.(name, bytes) ?? bytes);
  const train = (options.trainBatches ?? [1, 2, 3, 4, 5]).map((n) => {
    const records = cifarRecords(perBatch, n * perBatch);
    write(`data_batch_${n}.bin`, records.bytes);
    return records;
  });
  const test = cifarRecords(perBatch, 0);
  write('test_batch.bin', test.bytes);
  const meta = options.meta === undefined ? CIFAR_META : options.meta;
  if (meta !== null) writeFileSync(join(dir, 'batches.meta.txt'), meta);
  return { dir, train, test };
}

/** The folder packed as the official archive is: `cifar-10-batches-bin/` at the top, gzipped. */
export async function cifarArchive(folder: string): Promise<string> {
  const file = join(tempDir(), 'cifar-10-binary.tar.gz');
  await create({ gzip: true, file, cwd: join(folder, '..') }, ['cifar-10-batches-bin']);
  return file;
}

/** The error `loadDataset` refuses `path` with. */
export async function refusal(path: string): Promise<DatasetError> {
  const err = await loadDataset(path).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}
