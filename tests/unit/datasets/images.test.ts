/**
 * Folders of images (one subfolder per class) as data sets: real folders built from Fashion-MNIST
 * images, prepared into real tensor files, read back as the trainer reads them.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, renameSync, rmSync, statSync, truncateSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { imageOptionsSchema, type DatasetDescription, type DatasetProgress, type ImageOptionsInput } from '../../../src-preload/api.ts';
import { DatasetError, inspectDataset, loadDataset } from '../../../src-main/datasets/index.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { readPreparedIndex } from '../../../src-main/datasets/images/prepared-file.ts';
import { taps } from '../../../src-main/datasets/images/resample.ts';
import { NOT_IMAGES_LIMIT } from '../../../src-main/datasets/images/scan.ts';
import { expectSameBytes } from './fixtures.ts';
import { removeTempDirs } from '../../helpers.ts';
import { pngChunk } from './hostile-files.ts';
import {
  blocks,
  classFolders,
  encode,
  fashion,
  grey28,
  imageDirs,
  link,
  ofClass,
  padSides,
  preparedFiles,
  tinted,
  writeTree,
} from './image-folders.ts';

afterAll(removeTempDirs);

const BAG = 8;
const COAT = 4;
const SANDAL = 5;

async function prepare(root: string, prepared: string, images?: ImageOptionsInput, progress?: DatasetProgress[]): Promise<DatasetDescription> {
  return inspectDataset(root, {
    images: images && imageOptionsSchema.parse(images),
    preparedDir: prepared,
    onProgress: (p) => progress?.push(p),
  });
}

/** The image of `file` in the prepared data set, found through the file's index. */
async function imageOf(d: DatasetDescription, file: string): Promise<Uint8Array> {
  const index = await readPreparedIndex(d.path);
  const { train, test } = await loadDataset(d.path);
  const size = d.shape[0] * d.shape[1] * d.shape[2];
  const [split, n] = index.train.includes(file) ? [train, index.train.indexOf(file)] : [test, index.test.indexOf(file)];
  expect(n, `${file} is in the data set`).toBeGreaterThanOrEqual(0);
  return split.images.subarray(n * size, (n + 1) * size);
}

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

/** A valid, tiny PNG that claims to be 40,000 × 40,000 pixels: a decompression bomb. */
function pixelBomb(): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(40_000, 0);
  ihdr.writeUInt32BE(40_000, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', deflateSync(Buffer.alloc(1000))), pngChunk('IEND', Buffer.alloc(0))]);
}

/** The refusal `inspectDataset` answers with; nothing may have been prepared. */
async function refused(root: string, prepared: string, images?: ImageOptionsInput): Promise<string> {
  const err = await prepare(root, prepared, images).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  expect(preparedFiles(prepared)).toEqual([]);
  return (err as Error).message;
}

describe('a folder of images by class', () => {
  it('reads PNG and JPEG files: classes sorted as torchvision sorts them, pixels as they were, a stratified 1/6 held out', async () => {
    const { root, prepared } = imageDirs();
    const { files } = await classFolders(root, [BAG, COAT, SANDAL], 12);
    const progress: DatasetProgress[] = [];
    const d = await prepare(root, prepared, undefined, progress);

    // Code-point order, as Python's sorted(): upper case before lower case.
    expect(d.classes).toEqual(['Bag', 'Coat', 'Sandal'].sort());
    expect(d).toMatchObject({ format: 'images', name: 'my-images', shape: [28, 28, 1] });
    expect(d.path).toMatch(/my-images-[0-9a-f]{20}\.wlimages$/);
    expect(d.train).toEqual({ count: 30, perClass: [10, 10, 10] });
    expect(d.test).toEqual({ count: 6, perClass: [2, 2, 2] });
    expect(d.images).toMatchObject({ folder: root, split: 'holdout', options: imageOptionsSchema.parse({}), skipped: [], skippedCount: 0 });
    expect(d.images!.decoder).toMatch(/^sharp \d+\.\d+\.\d+ \(libvips/);
    expect(progress.map((p) => p.phase)).toEqual(expect.arrayContaining(['scanning', 'decoding', 'writing']));
    expect(progress.filter((p) => p.phase === 'decoding').at(-1)).toMatchObject({ done: 36, total: 36 });

    // A 28×28 PNG comes through byte for byte; a JPEG as closely as JPEG keeps it. Labels follow the folders.
    const { train, test } = await loadDataset(d.path);
    const index = await readPreparedIndex(d.path);
    expect([...index.train, ...index.test].sort()).toEqual([...files.keys()].sort());
    for (const [rel, { folder, pixels, format }] of files) {
      const image = await imageOf(d, rel);
      if (format === 'png') expectSameBytes(image, pixels);
      else expect(meanAbsDiff(image, pixels)).toBeLessThan(3);
      const [split, n] = index.train.includes(rel) ? [train, index.train.indexOf(rel)] : [test, index.test.indexOf(rel)];
      expect(d.classes[split.labels[n]!]).toBe(folder);
    }
  });

  it('holds out the same files for the same seed, and stores the split in the prepared file', async () => {
    const { root, prepared } = imageDirs();
    await classFolders(root, [BAG, COAT], 30);
    const a = await prepare(root, prepared);
    const again = await prepare(root, join(prepared, '..', 'elsewhere.datasets'));
    expect(readFileSync(again.path).equals(readFileSync(a.path))).toBe(true);

    const other = await prepare(root, prepared, { seed: 7 });
    expect(other.path).not.toBe(a.path);
    expect(other.test.perClass).toEqual(a.test.perClass);
    const [held, heldOther] = [await readPreparedIndex(a.path), await readPreparedIndex(other.path)];
    expect(held.test).not.toEqual(heldOther.test);
    // Stratified: 5 of each class's 30.
    expect(a.test.perClass).toEqual([5, 5]);

    const fifth = await prepare(root, prepared, { holdout: 0.2 });
    expect(fifth.test.perClass).toEqual([6, 6]);
    // Each run of the data set reads the same bytes.
    const [first, second] = [await loadDataset(a.path), await loadDataset(a.path)];
    expectSameBytes(first.train.images, second.train.images);
    expectSameBytes(first.test.labels, second.test.labels);
  });

  it('resizes by area average and crops the centre, or squashes the whole image, as asked', async () => {
    const { root, prepared } = imageDirs();
    const shirt = grey28(fashion(ofClass(0, 1)[0]!).pixels);
    const boot = grey28(fashion(ofClass(9, 1)[0]!).pixels);
    // 56×56 (each pixel a 2×2 block), and 84×56 (the same with 14 white columns each side).
    const wide = padSides(blocks(boot, 2, 2), 14, 255);
    writeTree(root, {
      'a/double.png': await encode(blocks(shirt, 2, 2), 'png'),
      'a/flat.png': await encode(grey28(new Uint8Array(784).fill(90)), 'png'),
      'b/wide.png': await encode(wide, 'png'),
      'b/small.png': await encode({ width: 14, height: 14, channels: 1, data: new Uint8Array(196).fill(37) }, 'png'),
    });
    const crop = await prepare(root, prepared, { holdout: 0.5 });
    expectSameBytes(await imageOf(crop, 'a/double.png'), shirt.data);
    expectSameBytes(await imageOf(crop, 'b/wide.png'), boot.data);
    expect(new Set(await imageOf(crop, 'b/small.png'))).toEqual(new Set([37]));

    const squash = await prepare(root, prepared, { holdout: 0.5, fit: 'squash' });
    expect(squash.images!.options.fit).toBe('squash');
    const squashed = await imageOf(squash, 'b/wide.png');
    // Output (x, y) is the mean of wide's 3×2 block at (3x, 2y).
    for (const [x, y] of [[0, 0], [5, 10], [14, 14], [27, 27]] as const) {
      let sum = 0;
      for (let dy = 0; dy < 2; dy++) for (let dx = 0; dx < 3; dx++) sum += wide.data[(2 * y + dy) * wide.width + 3 * x + dx]!;
      expect(squashed[y * 28 + x]).toBe(Math.round(sum / 6));
    }
  });

  it('states its filter: area weights cover the source exactly once; enlarging interpolates between neighbours', () => {
    const t = taps(0, 84, 28);
    expect(t.count.every((n) => n === 3)).toBe(true);
    expect([...t.weights.slice(0, 3)].map((w) => w.toFixed(4))).toEqual(['0.3333', '0.3333', '0.3333']);
    const uneven = taps(0, 10, 4);
    const total = new Float64Array(10);
    for (let i = 0; i < 4; i++) for (let k = 0; k < uneven.count[i]!; k++) total[uneven.first[i]! + k]! += uneven.weights[i * uneven.size + k]! * 2.5;
    for (const covered of total) expect(covered).toBeCloseTo(1, 5);
    const up = taps(0, 2, 4);
    expect([...up.first]).toEqual([0, 0, 0, 0]);
    expect([...up.weights].map((w) => w.toFixed(2))).toEqual(['1.00', '0.00', '0.75', '0.25', '0.25', '0.75', '0.00', '1.00']);
  });

  it('shrinks large photos (libvips first, then area average) and takes GIF, WebP and TIFF too', async () => {
    const { root, prepared } = imageDirs();
    // 2400×1600, a horizontal ramp: after squashing to 28 columns, column x is the ramp's mean over its 1/28.
    const width = 2400;
    const height = 1600;
    const ramp = new Uint8Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) ramp[y * width + x] = Math.floor((x * 256) / width);
    const shirt = grey28(fashion(ofClass(0, 1)[0]!).pixels);
    writeTree(root, {
      'photos/ramp.png': await encode({ width, height, channels: 1, data: ramp }, 'png'),
      'photos/flat.jpg': await encode({ width: 3000, height: 2000, channels: 3, data: new Uint8Array(3000 * 2000 * 3).fill(120) }, 'jpeg'),
      'other/shirt.gif': await encode(shirt, 'gif'),
      'other/shirt.webp': await encode(shirt, 'webp'),
      'other/shirt.tiff': await encode(shirt, 'tiff'),
    });
    const d = await prepare(root, prepared, { fit: 'squash', holdout: 0.5 });
    expect(d.images!.skipped).toEqual([]);
    const squashed = await imageOf(d, 'photos/ramp.png');
    for (let x = 0; x < 28; x++) {
      const expected = ((x + 0.5) / 28) * 256 - 0.5;
      expect(Math.abs(squashed[14 * 28 + x]! - expected)).toBeLessThanOrEqual(1.5);
    }
    expect(Math.max(...(await imageOf(d, 'photos/flat.jpg')).map((v) => Math.abs(v - 120)))).toBeLessThanOrEqual(1);
    expect(meanAbsDiff(await imageOf(d, 'other/shirt.tiff'), shirt.data)).toBe(0);
    expect(meanAbsDiff(await imageOf(d, 'other/shirt.gif'), shirt.data)).toBeLessThan(1);
    expect(meanAbsDiff(await imageOf(d, 'other/shirt.webp'), shirt.data)).toBeLessThan(8);
  });

  it('is grey 28×28×1 when every image is grey, colour 32×32×3 when any is not, or what was asked', async () => {
    const { root, prepared } = imageDirs();
    await classFolders(root, [BAG, COAT], 6);
    const grey = await prepare(root, prepared);
    expect(grey.shape).toEqual([28, 28, 1]);

    // One colour image, sorted last: the images before it are decoded again, in colour.
    const bag = fashion(ofClass(BAG, 1, 6)[0]!).pixels;
    writeTree(root, { 'Coat/zz-colour.png': await encode(tinted(grey28(bag)), 'png') });
    const auto = await prepare(root, prepared);
    expect(auto.shape).toEqual([32, 32, 3]);
    const asked = await prepare(root, prepared, { shape: '32x32x3' });
    const [a, b] = [await loadDataset(auto.path), await loadDataset(asked.path)];
    expectSameBytes(a.train.images, b.train.images);
    expectSameBytes(a.test.images, b.test.images);

    const colour = await imageOf(auto, 'Coat/zz-colour.png');
    const greyFile = [...(await readPreparedIndex(auto.path)).train].find((f) => f.startsWith('Bag/'))!;
    const greyAsColour = await imageOf(auto, greyFile);
    // Grey repeats in all three channels; the tinted one keeps its tint (green half of red).
    for (let p = 0; p < 1024; p++) expect(greyAsColour[p * 3]).toBe(greyAsColour[p * 3 + 2]);
    const bright = [...Array(1024).keys()].filter((p) => colour[p * 3]! > 200);
    expect(bright.length).toBeGreaterThan(10);
    for (const p of bright) expect(Math.abs(colour[p * 3 + 1]! - colour[p * 3]! / 2)).toBeLessThanOrEqual(2);

    // Asked for grey: colour becomes luma, with PIL's weights (as torchvision's Grayscale).
    const luma = await imageOf(await prepare(root, prepared, { shape: '28x28x1' }), 'Coat/zz-colour.png');
    for (let p = 0; p < 784; p++) {
      const v = bag[p]!;
      expect(luma[p]).toBe((v * 19595 + (v >> 1) * 38470 + (v >> 2) * 7471 + 0x8000) >> 16);
    }
  });

  it('takes train/ and test/ (or val/) folders as they are, and reports what lies outside them', async () => {
    const { root, prepared } = imageDirs();
    await classFolders(root, [BAG, COAT], 8, { prefix: 'train/' });
    await classFolders(root, [BAG, COAT, SANDAL], 3, { prefix: 'val/', skip: 8 });
    writeTree(root, { 'README.txt': 'my photos', 'train/notes.txt': 'x', 'extra/x.png': await encode(grey28(fashion(0).pixels), 'png') });
    const d = await prepare(root, prepared);
    expect(d.classes).toEqual(['Bag', 'Coat']);
    expect(d.train).toEqual({ count: 16, perClass: [8, 8] });
    expect(d.test).toEqual({ count: 6, perClass: [3, 3] });
    expect(d.images!.split).toBe('folders');
    expect(d.images!.skipped).toEqual([
      { file: 'README.txt', reason: 'outside the train/ and test/ folders' },
      { file: 'extra/', reason: 'outside the train/ and test/ folders' },
      { file: 'train/notes.txt', reason: 'not in a class folder (train/ holds one folder per class)' },
      { file: 'val/Sandal/', reason: 'not a class of train/ (no folder of that name there)' },
    ]);
    const index = await readPreparedIndex(d.path);
    expect(index.test.every((f) => f.startsWith('val/'))).toBe(true);
    expect(index.train.every((f) => f.startsWith('train/'))).toBe(true);

    // train/ alone: the hold-out decides.
    rmSync(join(root, 'val'), { recursive: true });
    const held = await prepare(root, prepared);
    expect(held.images!.split).toBe('holdout');
    expect(held.test.perClass).toEqual([1, 1]);
  });
});

describe('bad input', () => {
  it('leaves out damaged and non-image files, links that lead nowhere or in a loop, and lists each with its reason', async () => {
    const { root, prepared } = imageDirs();
    await classFolders(root, [BAG, COAT], 6);
    const png = await encode(grey28(fashion(0).pixels), 'png');
    const jpeg = await encode({ width: 200, height: 200, channels: 3, data: new Uint8Array(120000).fill(70) }, 'jpeg');
    const flipped = Buffer.from(png);
    flipped[flipped.length >> 1] ^= 0xff;
    const bmp = Buffer.alloc(64);
    bmp.write('BM', 0, 'latin1');
    writeTree(root, {
      'Bag/cut.png': png.subarray(0, png.length >> 1),
      'Bag/bomb.png': pixelBomb(),
      'Bag/flipped.png': flipped,
      'Bag/cut.jpg': jpeg.subarray(0, jpeg.length >> 1),
      'Bag/noise.jpg': Buffer.from('this is no image at all, just some text'),
      'Bag/empty.png': '',
      'Bag/old.bmp': bmp,
      'Bag/.DS_Store': 'x',
      'Coat/notes.txt': 'what these are',
      'stray.png': png,
      'Sandal/broken.png': png.subarray(0, 40),
      'Shirt/.keep': '',
    });
    // 300 MB on paper (a sparse file): not read at all.
    writeTree(root, { 'Coat/huge.jpg': '' });
    truncateSync(join(root, 'Coat', 'huge.jpg'), 300 << 20);
    link(root, 'Coat/gone.png', join(root, 'nowhere.png'));
    link(root, 'Coat/again', '..');
    execFileSync('mkfifo', [join(root, 'Bag', 'pipe.png')]);

    const d = await prepare(root, prepared);
    expect(d.classes).toEqual(['Bag', 'Coat']);
    expect(d.train.count + d.test.count).toBe(12);
    const reasons = Object.fromEntries(d.images!.skipped.map((s) => [s.file, s.reason]));
    expect(reasons).toEqual({
      'Bag/.DS_Store': 'hidden file',
      'Bag/cut.jpg': expect.stringMatching(/^damaged or unreadable JPEG: /),
      'Bag/cut.png': 'damaged PNG: cut short (it does not end with an IEND chunk)',
      'Bag/bomb.png': expect.stringMatching(/^damaged or unreadable PNG: .*pixel limit/),
      'Bag/empty.png': 'empty file',
      'Bag/flipped.png': expect.stringMatching(/^damaged or unreadable PNG: /),
      'Bag/noise.jpg': 'not an image (not PNG, JPEG, GIF, WebP, TIFF or AVIF)',
      'Bag/old.bmp': expect.stringMatching(/^BMP images are not supported/),
      'Bag/pipe.png': 'not a regular file',
      'Coat/again/': 'the same folder as the top folder, through a symbolic link; read once',
      'Coat/gone.png': 'a symbolic link that leads nowhere',
      'Coat/huge.jpg': 'larger than 256 MB',
      'Coat/notes.txt': 'not an image, by its name (images end in .png, .jpg, .jpeg, .gif, .webp, .tif, .tiff or .avif)',
      'Sandal/': 'no usable images in this class folder',
      'Sandal/broken.png': 'damaged PNG: cut short (it does not end with an IEND chunk)',
      'Shirt/.keep': 'hidden file',
      'Shirt/': 'empty class folder',
      'stray.png': 'not in a class folder (the folder holds one folder per class)',
    });
    expect(d.images!.skippedCount).toBe(18);
  });

  it('refuses a folder it cannot make a data set of, says why, and writes nothing', async () => {
    const dirs = () => imageDirs();
    const png = await encode(grey28(fashion(0).pixels), 'png');

    const empty = dirs();
    expect(await refused(empty.root, empty.prepared)).toMatch(/: not a data set: expected .* or a folder of images with one subfolder per class/);

    const loose = dirs();
    writeTree(loose.root, { '1.png': png, '2.png': png });
    expect(await refused(loose.root, loose.prepared)).toMatch(/not a data set/);

    const hollow = dirs();
    writeTree(hollow.root, { 'a/.keep': '', 'b/.keep': '' });
    expect(await refused(hollow.root, hollow.prepared)).toBe(`${hollow.root}: no image files in its 2 class folders`);

    const single = dirs();
    writeTree(single.root, { 'cats/1.png': png, 'cats/2.png': png, 'dogs/.keep': '' });
    expect(await refused(single.root, single.prepared)).toBe(
      `${single.root}: only one class (cats/) holds files; a data set needs 2 to 100 classes, one folder each`,
    );

    const junk = dirs();
    writeTree(junk.root, { 'a/1.png': 'not a png', 'b/2.jpg': png.subarray(0, 30) });
    expect(await refused(junk.root, junk.prepared)).toBe(`${junk.root}: no usable images: 2 files skipped (for example a/1.png: not an image (not PNG, JPEG, GIF, WebP, TIFF or AVIF))`);

    const oneGood = dirs();
    writeTree(oneGood.root, { 'a/1.png': png, 'a/2.png': png, 'b/2.png': 'garbage' });
    expect(await refused(oneGood.root, oneGood.prepared)).toMatch(/: usable images in only one class \(a\); a data set needs at least 2 \(for example b\/2\.png: not an image/);

    const lonely = dirs();
    writeTree(lonely.root, { 'a/1.png': png, 'b/1.png': png });
    expect(await refused(lonely.root, lonely.prepared)).toBe(`${lonely.root}: too few images to hold out a test split: a class needs at least 2`);

    const many = dirs();
    writeTree(many.root, Object.fromEntries(Array.from({ length: 101 }, (_, k) => [`class${k}/1.png`, png])));
    expect(await refused(many.root, many.prepared)).toBe(`${many.root}: 101 class folders; LeNet here trains on 2 to 100 classes`);

    // A project folder, not a data set (a few icons among its files): refused without reading a file.
    const project = dirs();
    writeTree(project.root, Object.fromEntries(Array.from({ length: NOT_IMAGES_LIMIT }, (_, k) => [`${k % 2 ? 'src' : 'node_modules'}/${k}.js`, ''])));
    writeTree(project.root, { 'assets/icon.png': png, 'assets/logo.png': png });
    expect(await refused(project.root, project.prepared)).toBe(`${project.root}: not a folder of images: of the first 10,002 files in its subfolders, 2 are named as images`);

    const shape = dirs();
    writeTree(shape.root, { 'a/1.png': png, 'b/1.png': png });
    await expect(prepare(shape.root, shape.prepared, { shape: '64x64x3' as never })).rejects.toThrow(/shape/);
  });
});

describe('the prepared file', () => {
  it('is reused while the folder is unchanged, made anew when it changes, and never read stale', async () => {
    const { root, prepared } = imageDirs();
    const { files } = await classFolders(root, [BAG, COAT], 6);
    const first = await prepare(root, prepared);
    const written = statSync(first.path).mtimeMs;

    const progress: DatasetProgress[] = [];
    const second = await prepare(root, prepared, undefined, progress);
    expect(second).toEqual(first);
    expect(statSync(first.path).mtimeMs).toBe(written);
    expect(progress.map((p) => p.phase)).toEqual(['scanning']);

    // A file added: a new prepared file; the old one refuses to be read.
    writeTree(root, { 'Bag/new.png': await encode(grey28(fashion(1).pixels), 'png') });
    const third = await prepare(root, prepared);
    expect(third.path).not.toBe(first.path);
    expect(third.train.count + third.test.count).toBe(13);
    await expect(loadDataset(first.path)).rejects.toThrow(`${root}: changed since it was prepared (1 file added); add it again to use its files as they are now`);
    await expect(loadDataset(third.path)).resolves.toBeDefined();

    // A file rewritten (new time), one removed, one renamed.
    const [one, two, three] = [...files.keys()];
    utimesSync(join(root, one!), new Date(), new Date(Date.now() + 5000));
    rmSync(join(root, two!));
    renameSync(join(root, three!), join(root, `${three}.moved.png`));
    await expect(loadDataset(third.path)).rejects.toThrow(/changed since it was prepared \(1 file added, 2 removed, 1 changed\)/);

    // A damaged prepared file is made again, never trusted.
    const fourth = await prepare(root, prepared);
    truncateSync(fourth.path, 100);
    await expect(loadDataset(fourth.path)).rejects.toThrow(`${fourth.path}: cut short`);
    const fifth = await prepare(root, prepared);
    expect(fifth.path).toBe(fourth.path);
    expect((await loadDataset(fifth.path)).train.count).toBe(fifth.train.count);

    writeFileSync(fifth.path, 'WLIMAGES but not really');
    await expect(loadDataset(fifth.path)).rejects.toThrow(DatasetError);
    rmSync(root, { recursive: true });
    await expect(loadDataset(fifth.path)).rejects.toThrow(DatasetError);
  });

  it('is prepared once when asked twice at the same time', async () => {
    const { root, prepared } = imageDirs();
    await classFolders(root, [BAG, COAT], 6);
    const progress: DatasetProgress[] = [];
    const [a, b] = await Promise.all([prepare(root, prepared, undefined, progress), prepare(root, prepared, undefined, progress)]);
    expect(a).toEqual(b);
    expect(progress.filter((p) => p.phase === 'writing' && p.done === 1)).toHaveLength(1);
    expect(preparedFiles(prepared)).toEqual([a.path.split('/').pop()]);
  });
});

describe('without sharp', () => {
  it('decodes PNG and JPEG with the pure-JS decoders, and leaves other formats out saying why', async () => {
    const { root, prepared } = imageDirs();
    const shirt = grey28(fashion(ofClass(0, 1)[0]!).pixels);
    writeTree(root, {
      // Larger than pngjs's share when sharp is there: the fallback must take it.
      'a/big.png': await encode(blocks(shirt, 10, 10), 'png'),
      'a/photo.jpg': await encode(blocks(shirt, 2, 2), 'jpeg'),
      'b/small.png': await encode(shirt, 'png'),
      'b/other.png': await encode(grey28(fashion(1).pixels), 'png'),
      'b/shirt.webp': await encode(shirt, 'webp'),
    });
    // A child process in which importing sharp fails, as where its native binary is missing.
    const dir = join(prepared, '..');
    writeFileSync(
      join(dir, 'no-sharp.mjs'),
      `import { register } from 'node:module';\nregister('data:text/javascript,export async function resolve(s, c, next) { if (s === "sharp") throw new Error("no sharp here"); return next(s, c); }');\n`,
    );
    writeFileSync(
      join(dir, 'prepare.mts'),
      `import { inspectDataset } from ${JSON.stringify(join(appRoot, 'src-main/datasets/index.ts'))};\n` +
        `const d = await inspectDataset(${JSON.stringify(root)}, { preparedDir: ${JSON.stringify(prepared)} });\n` +
        'console.log(JSON.stringify(d));\n',
    );
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--import', join(dir, 'no-sharp.mjs'), join(dir, 'prepare.mts')], { cwd: appRoot, encoding: 'utf8' });
    const d = JSON.parse(out) as DatasetDescription;
    expect(d.images!.decoder).toBe('pngjs (PNG) and jpeg-js (JPEG); sharp could not load: no sharp here');
    expect(d.images!.skipped).toEqual([{ file: 'b/shirt.webp', reason: 'WebP needs the sharp library, which could not load here (no sharp here)' }]);
    expectSameBytes(await imageOf(d, 'a/big.png'), shirt.data);
    expect(meanAbsDiff(await imageOf(d, 'a/photo.jpg'), shirt.data)).toBeLessThan(3);
  });
});
