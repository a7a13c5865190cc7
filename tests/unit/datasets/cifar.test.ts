import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES } from '../../../src-main/datasets/classes.ts';
import { inspectDataset, loadDataset } from '../../../src-main/datasets/index.ts';
import { cifarArchive, cifarFolder, expectSameBytes, refusal } from './fixtures.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';

afterAll(removeTempDirs);

const concat = (parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));

describe('CIFAR-10 binary', () => {
  it('loads a folder: HWC images [32,32,3], batches in order, class names from batches.meta.txt', async () => {
    const { dir, train, test } = cifarFolder({ trainBatches: [2, 1, 3], perBatch: 40 });
    const data = await loadDataset(dir);
    expect(data.description).toMatchObject({ name: 'CIFAR-10', format: 'cifar10', path: dir, shape: [32, 32, 3], classes: CIFAR10_CLASSES });
    expect(data.description.train.count).toBe(120);
    expect(data.description.test.count).toBe(40);
    // Batches are read by number: 1, 2, 3 (the fixture wrote them as 2, 1, 3).
    const [b2, b1, b3] = train;
    expectSameBytes(data.train.images, concat([b1!.hwc, b2!.hwc, b3!.hwc]));
    expectSameBytes(data.train.labels, concat([b1!.labels, b2!.labels, b3!.labels]));
    expectSameBytes(data.test.images, test.hwc);
    const perClass = new Array(10).fill(0);
    for (const l of data.test.labels) perClass[l]++;
    expect(data.description.test.perClass).toEqual(perClass);
  });

  it('puts each channel where HWC says: pixel (y, x) channel c at (y·32 + x)·3 + c', async () => {
    const { dir } = cifarFolder({ trainBatches: [1], perBatch: 3 });
    const record = readFileSync(join(dir, 'test_batch.bin')).subarray(0, 3073);
    const { test } = await loadDataset(dir);
    for (const [y, x, c] of [[10, 12, 0], [16, 16, 1], [20, 9, 2], [2, 30, 1]] as const) {
      expect(test.images[(y * 32 + x) * 3 + c]).toBe(record[1 + c * 1024 + y * 32 + x]);
    }
    // The three channels are three different real images.
    expect(test.images.filter((_, i) => i % 3 === 0)).not.toEqual(test.images.filter((_, i) => i % 3 === 1));
  });

  it('reads the official .tar.gz directly, the same as the folder', async () => {
    const { dir } = cifarFolder({ perBatch: 30 });
    const archive = await cifarArchive(dir);
    const fromFolder = await loadDataset(dir);
    const fromArchive = await loadDataset(archive, { trainLimit: 100 });
    expect(fromArchive.description).toEqual({ ...fromFolder.description, path: archive });
    expect(fromArchive.description.shape).toEqual([32, 32, 3]);
    expect(fromArchive.train.count).toBe(100);
    expectSameBytes(fromArchive.train.images, fromFolder.train.images.subarray(0, 100 * 3072));
    expectSameBytes(fromArchive.test.images, fromFolder.test.images);
    // A folder holding the archive, as `data fetch cifar-10` leaves it, is the archive.
    expect((await inspectDataset(join(archive, '..'))).path).toBe(archive);
  });

  it('uses the standard class names where batches.meta.txt is absent', async () => {
    const { dir } = cifarFolder({ trainBatches: [4], perBatch: 5, meta: null });
    expect((await inspectDataset(dir)).classes).toEqual(CIFAR10_CLASSES);
  });
});

describe('CIFAR-10 problems, each refused with a message naming the file', () => {
  it('records that do not align', async () => {
    const { dir } = cifarFolder({ change: (name, b) => (name === 'data_batch_3.bin' ? b.subarray(0, b.length - 7) : b) });
    const err = await refusal(dir);
    expect(err.file).toBe(join(dir, 'data_batch_3.bin'));
    expect(err.message).toMatch(/data_batch_3\.bin: 153643 bytes is not a whole number of 3073-byte records .*: 3066 bytes left over/);
  });

  it('an empty batch', async () => {
    const { dir } = cifarFolder({ change: (name, b) => (name === 'test_batch.bin' ? new Uint8Array(0) : b) });
    expect((await refusal(dir)).message).toBe(`${join(dir, 'test_batch.bin')}: is empty`);
  });

  it('a label out of range', async () => {
    const { dir } = cifarFolder({ change: (name, b) => (name === 'data_batch_2.bin' ? ((b[3073 * 7] = 10), b) : b) });
    expect((await refusal(dir)).message).toMatch(/data_batch_2\.bin: record 7 has label 10; there are 10 classes \(0–9\)/);
  });

  it('a meta file without class names', async () => {
    const { dir } = cifarFolder({ meta: '\n\n' });
    expect((await refusal(dir)).message).toBe(`${join(dir, 'batches.meta.txt')}: lists 0 class names; expected 2 to 256, one a line`);
  });

  it('missing batches', async () => {
    const { dir } = cifarFolder({ trainBatches: [1] });
    rmSync(join(dir, 'test_batch.bin'));
    expect((await refusal(dir)).message).toBe(`${dir}: CIFAR-10 data set incomplete: missing test_batch.bin`);
    rmSync(join(dir, 'data_batch_1.bin'));
    writeFileSync(join(dir, 'test_batch.bin'), readFileSync(join(dir, 'batches.meta.txt')));
    expect((await refusal(dir)).message).toMatch(/incomplete: missing data_batch_1\.bin … data_batch_5\.bin \(any of them\)$/);
  });

  it('an archive without the expected members', async () => {
    const { dir } = cifarFolder({ trainBatches: [1] });
    rmSync(join(dir, 'test_batch.bin'));
    const archive = await cifarArchive(dir);
    expect((await refusal(archive)).message).toMatch(
      new RegExp(`^${archive}: not a CIFAR-10 binary archive: no test_batch\\.bin inside \\(expected cifar-10-batches-bin/`),
    );
  });

  it('a bad batch inside an archive, named by archive and member', async () => {
    const { dir } = cifarFolder({ change: (name, b) => (name === 'data_batch_4.bin' ? b.subarray(0, b.length - 1) : b) });
    const archive = await cifarArchive(dir);
    expect((await refusal(archive)).message).toMatch(
      new RegExp(`^${archive}:cifar-10-batches-bin/data_batch_4\\.bin: 153649 bytes is not a whole number of 3073-byte records`),
    );
  });

  it('a damaged archive: gzip cut short, a corrupted byte, a tar cut short, not an archive at all', async () => {
    const { dir } = cifarFolder({ perBatch: 20 });
    const archive = await cifarArchive(dir);
    const gz = readFileSync(archive);
    const broken = join(tempDir(), 'broken.tar.gz');

    writeFileSync(broken, gz.subarray(0, Math.floor(gz.length / 2)));
    expect((await refusal(broken)).message).toMatch(/broken\.tar\.gz: damaged or incomplete gzip data \(.*unexpected end of file\)/);

    const flipped = Buffer.from(gz);
    flipped[flipped.length - 6] ^= 0xff;
    writeFileSync(broken, flipped);
    expect((await refusal(broken)).message).toMatch(/broken\.tar\.gz: damaged or incomplete gzip data \(.*incorrect data check\)/);

    // A valid gzip of a tar that stops in the middle of a batch.
    const tar = gunzipSync(gz);
    writeFileSync(broken, gzipSync(tar.subarray(0, 512 * 3 + 20_000)));
    expect((await refusal(broken)).message).toMatch(/broken\.tar\.gz: cifar-10-batches-bin\/data_batch_1\.bin inside is cut short \(19488 of 61460 bytes\)$/);

    writeFileSync(broken, readFileSync(join(dir, 'test_batch.bin')));
    expect((await refusal(broken)).message).toMatch(/broken\.tar\.gz: not a readable tar archive/);
  });
});
