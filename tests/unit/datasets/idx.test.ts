import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES } from '../../../src-main/datasets/classes.ts';
import { inspectDataset, loadDataset } from '../../../src-main/datasets/index.ts';
import { expectSameBytes, FASHION, idxFolder, SAMPLE, sampleIdx, refusal } from './fixtures.ts';
import { removeTempDirs } from '../../helpers.ts';

afterAll(removeTempDirs);

const setUint32 = (offset: number, value: number) => (b: Buffer) => {
  b.writeUInt32BE(value, offset);
  return b;
};

describe('IDX data sets', () => {
  it.runIf(existsSync(FASHION))('reads the full Fashion-MNIST: counts, shape, class names, per-class counts', async () => {
    const d = await inspectDataset(FASHION);
    expect(d).toMatchObject({ name: 'Fashion-MNIST', format: 'idx', path: FASHION, shape: [28, 28, 1], classes: FASHION_MNIST_CLASSES });
    expect(d.train).toEqual({ count: 60000, perClass: new Array(10).fill(6000) });
    expect(d.test).toEqual({ count: 10000, perClass: new Array(10).fill(1000) });
  });

  it('loads the bundled sample: images as HWC bytes, labels, first-N limits', async () => {
    const full = await loadDataset(SAMPLE);
    expect(full.train.count).toBe(6000);
    expect(full.test.count).toBe(1000);
    expect(full.train.images).toBeInstanceOf(Uint8Array);
    expect(full.train.images.length).toBe(6000 * 784);
    expectSameBytes(full.train.images, sampleIdx('trainImages').subarray(16));
    expectSameBytes(full.test.labels, sampleIdx('testLabels').subarray(8));
    expect(full.description.train.perClass.reduce((a, b) => a + b)).toBe(6000);

    const limited = await loadDataset(SAMPLE, { trainLimit: 100, testLimit: 10 });
    expect(limited.train.count).toBe(100);
    expectSameBytes(limited.train.images, full.train.images.subarray(0, 100 * 784));
    expectSameBytes(limited.test.labels, full.test.labels.subarray(0, 10));
    // The description is of the data set on disk, not of the part kept.
    expect(limited.description.train.count).toBe(6000);
  });

  it('reads raw (uncompressed) files, and a path to one of the files stands for its folder', async () => {
    const dir = idxFolder({ gzip: false });
    const d = await inspectDataset(join(dir, 'train-images-idx3-ubyte'));
    expect(d.path).toBe(dir);
    expect([d.train.count, d.test.count]).toEqual([6000, 1000]);
  });

  it('takes class names from classes.txt, else from the folder name', async () => {
    const digits = await inspectDataset(idxFolder({ name: 'mnist-copy', gzip: true }));
    expect(digits.name).toBe('MNIST');
    expect(digits.classes).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    const dir = idxFolder({ name: 'my-set' });
    writeFileSync(join(dir, 'classes.txt'), 'a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n');
    expect((await inspectDataset(dir)).classes).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
  });

  it('takes the image size from the header', async () => {
    // The same real pixels as 1,000 images of 14×56 instead of 28×28.
    const dir = idxFolder({ change: { testImages: setUint32(8, 14), trainImages: setUint32(8, 14) } });
    for (const f of ['train-images-idx3-ubyte', 't10k-images-idx3-ubyte']) {
      const b = readFileSync(join(dir, f));
      b.writeUInt32BE(56, 12);
      writeFileSync(join(dir, f), b);
    }
    expect((await inspectDataset(dir)).shape).toEqual([14, 56, 1]);
  });
});

describe('IDX problems, each refused with a message naming the file', () => {
  it('a wrong magic number', async () => {
    const dir = idxFolder({ change: { trainImages: setUint32(0, 0x00000801) } });
    const err = await refusal(dir);
    expect(err.file).toBe(join(dir, 'train-images-idx3-ubyte'));
    expect(err.message).toContain('not an IDX images file: magic number 0x00000801, expected 0x00000803');
  });

  it('a gzipped file under a raw name', async () => {
    const dir = idxFolder();
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), gzipSync(sampleIdx('testLabels')));
    expect((await refusal(dir)).message).toMatch(/t10k-labels-idx1-ubyte: not an IDX labels file.*it is gzip-compressed/);
  });

  it('absurd dimensions, before allocating', async () => {
    const many = await refusal(idxFolder({ gzip: true, change: { trainImages: setUint32(4, 4_000_000_000) } }));
    expect(many.message).toMatch(/train-images-idx3-ubyte\.gz: header claims 4000000000 images, more than the 10000000/);
    const huge = await refusal(idxFolder({ change: { testImages: setUint32(8, 70_000) } }));
    expect(huge.message).toMatch(/t10k-images-idx3-ubyte: header claims images of 70000×28 pixels; each side must be 1 to 1024/);
    const empty = await refusal(idxFolder({ change: { testImages: setUint32(12, 0) } }));
    expect(empty.message).toContain('images of 28×0 pixels');
  });

  it('a raw file shorter or longer than its header says', async () => {
    const short = await refusal(idxFolder({ change: { trainImages: (b) => b.subarray(0, b.length - 100) } }));
    expect(short.message).toMatch(/train-images-idx3-ubyte: cut short: 4703916 bytes, but its header \(6000×28×28\) needs 4704016/);
    const long = await refusal(idxFolder({ change: { testLabels: (b) => Buffer.concat([b, Buffer.from([1, 2, 3])]) } }));
    expect(long.message).toMatch(/t10k-labels-idx1-ubyte: longer than its header says: 1011 bytes, but its header \(1000\) needs 1008/);
  });

  it('a gzip file that expands to more or less than its header says', async () => {
    const less = await refusal(idxFolder({ gzip: true, change: { trainImages: (b) => b.subarray(0, b.length - 784) } }));
    expect(less.message).toMatch(/train-images-idx3-ubyte\.gz: decompresses to 4703232 bytes but its header describes 4704016/);
    const more = await refusal(idxFolder({ gzip: true, change: { trainLabels: (b) => Buffer.concat([b, b.subarray(8, 20)]) } }));
    expect(more.message).toMatch(/train-labels-idx1-ubyte\.gz: decompresses to more than the 6008 bytes its header describes/);
  });

  it('damaged gzip: cut short, or a corrupted byte', async () => {
    const dir = idxFolder({ gzip: true });
    const file = join(dir, 'train-images-idx3-ubyte.gz');
    const gz = readFileSync(file);
    writeFileSync(file, gz.subarray(0, gz.length - 1000));
    expect((await refusal(dir)).message).toMatch(/train-images-idx3-ubyte\.gz: damaged or incomplete gzip data \(unexpected end of file\)/);
    const flipped = Buffer.from(gz);
    flipped[flipped.length - 6] ^= 0xff; // inside the CRC-32 trailer
    writeFileSync(file, flipped);
    expect((await refusal(dir)).message).toMatch(/damaged or incomplete gzip data \(incorrect data check\)/);
  });

  it('image and label counts that disagree', async () => {
    const labels = (b: Buffer) => setUint32(4, 5999)(b.subarray(0, b.length - 1));
    const err = await refusal(idxFolder({ change: { trainLabels: labels } }));
    expect(err.message).toMatch(/train-labels-idx1-ubyte: has 5999 labels but train-images-idx3-ubyte has 6000 images/);
  });

  it('a label out of range', async () => {
    const err = await refusal(idxFolder({ change: { testLabels: (b) => ((b[8 + 42] = 10), b) } }));
    expect(err.message).toMatch(/t10k-labels-idx1-ubyte: label 10 at position 42 is out of range: there are 10 classes \(0–9\)/);
  });

  it('train and test images of different sizes', async () => {
    const dir = idxFolder({ change: { testImages: (b) => (b.writeUInt32BE(14, 8), b.writeUInt32BE(56, 12), b) } });
    expect((await refusal(dir)).message).toMatch(/t10k-images-idx3-ubyte: images are 14×56 but the training images \(train-images-idx3-ubyte\) are 28×28/);
  });

  it('missing files', async () => {
    const dir = idxFolder();
    rmSync(join(dir, 't10k-labels-idx1-ubyte'));
    renameSync(join(dir, 'train-labels-idx1-ubyte'), join(dir, 'labels.bin'));
    const err = await refusal(dir);
    expect(err.message).toBe(`${dir}: IDX data set incomplete: missing train-labels-idx1-ubyte[.gz], t10k-labels-idx1-ubyte[.gz]`);
    expect((await refusal(join(dir, 'nothing-here'))).message).toBe(`${join(dir, 'nothing-here')}: does not exist`);
  });
});
