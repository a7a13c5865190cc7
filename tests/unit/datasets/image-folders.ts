/**
 * Folders of images for the tests, made from real Fashion-MNIST images (the bundled sample) written as
 * PNG, JPEG and other formats with sharp, in temp folders: class folders, colour and odd-sized images,
 * damaged files, links and the nested train/test layout.
 */
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { FASHION_MNIST_CLASSES } from '../../../src-main/datasets/classes.ts';
import { sampleIdx } from './fixtures.ts';
import { tempDir } from '../../helpers.ts';

const images = sampleIdx('trainImages').subarray(16);
const labels = sampleIdx('trainLabels').subarray(8);

/** Sample image `i`: 28×28 grey bytes, and its class. */
export function fashion(i: number): { pixels: Uint8Array; label: number } {
  return { pixels: images.slice(i * 784, (i + 1) * 784), label: labels[i]! };
}

/** Indices of the first `count` sample images of class `label`. */
export function ofClass(label: number, count: number, skip = 0): number[] {
  const found: number[] = [];
  for (let i = 0; found.length < count + skip; i++) if (labels[i] === label) found.push(i);
  return found.slice(skip);
}

export interface Raw {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Uint8Array;
}

export const grey28 = (pixels: Uint8Array): Raw => ({ width: 28, height: 28, channels: 1, data: pixels });

/** The image as RGB with its pixels tinted: red kept, green halved, blue a quarter. */
export function tinted(raw: Raw): Raw {
  const n = raw.width * raw.height;
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const v = raw.data[p * raw.channels]!;
    data.set([v, v >> 1, v >> 2], p * 3);
  }
  return { ...raw, channels: 3, data };
}

/** Each pixel repeated into an `fx`×`fy` block (so area averaging by the same factors gives it back). */
export function blocks(raw: Raw, fx: number, fy: number): Raw {
  const width = raw.width * fx;
  const height = raw.height * fy;
  const c = raw.channels;
  const data = new Uint8Array(width * height * c);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const from = (Math.floor(y / fy) * raw.width + Math.floor(x / fx)) * c;
      data.set(raw.data.subarray(from, from + c), (y * width + x) * c);
    }
  }
  return { ...raw, width, height, data };
}

/** `raw` in the middle of a wider canvas of `fill`, `margin` columns each side. */
export function padSides(raw: Raw, margin: number, fill: number): Raw {
  const width = raw.width + 2 * margin;
  const c = raw.channels;
  const data = new Uint8Array(width * raw.height * c).fill(fill);
  for (let y = 0; y < raw.height; y++) data.set(raw.data.subarray(y * raw.width * c, (y + 1) * raw.width * c), (y * width + margin) * c);
  return { ...raw, width, data };
}

export type Format = 'png' | 'jpeg' | 'webp' | 'gif' | 'tiff';

export function encode(raw: Raw, format: Format): Promise<Buffer> {
  const image = sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } });
  if (format === 'jpeg') return image.jpeg({ quality: 95 }).toBuffer();
  // sharp's TIFF is JPEG-compressed unless told otherwise.
  if (format === 'tiff') return image.tiff({ compression: 'lzw' }).toBuffer();
  return image.toFormat(format).toBuffer();
}

/** Writes `files` (path relative to `root` → content) under `root`, making folders as needed. */
export function writeTree(root: string, files: Record<string, Uint8Array | string>): string {
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), content);
  }
  return root;
}

export function link(root: string, rel: string, target: string): void {
  mkdirSync(dirname(join(root, rel)), { recursive: true });
  symlinkSync(target, join(root, rel));
}

/** A class folder name as a person would write it: Fashion-MNIST's name, without the slash. */
export const className = (label: number) => FASHION_MNIST_CLASSES[label]!.replace('/', ' or ');

export interface Expected {
  /** File (relative path) → the class folder and the 28×28 grey pixels it was made from. */
  files: Map<string, { folder: string; pixels: Uint8Array; format: Format }>;
}

/**
 * `perClass` real images of each of `labels`' classes, one folder per class (inside `prefix`, e.g.
 * `train/`), every third one a JPEG and the others PNG; returns what each file holds.
 */
export async function classFolders(root: string, labelsWanted: number[], perClass: number, options: { prefix?: string; skip?: number } = {}): Promise<Expected> {
  const files: Expected['files'] = new Map();
  for (const label of labelsWanted) {
    for (const [n, i] of ofClass(label, perClass, options.skip).entries()) {
      const format: Format = n % 3 === 2 ? 'jpeg' : 'png';
      const folder = className(label);
      const rel = `${options.prefix ?? ''}${folder}/${String(i).padStart(5, '0')}.${format === 'jpeg' ? 'jpg' : 'png'}`;
      writeTree(root, { [rel]: await encode(grey28(fashion(i).pixels), format) });
      files.set(rel, { folder, pixels: fashion(i).pixels, format });
    }
  }
  return { files };
}

/** A new temp folder to build an image folder in, and another for prepared files. */
export function imageDirs(name = 'my-images'): { root: string; prepared: string } {
  const base = tempDir();
  const root = join(base, name);
  mkdirSync(root);
  return { root, prepared: join(base, 'w.datasets') };
}

/** The prepared files written so far (none after a refusal). */
export const preparedFiles = (dir: string) => {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
};
