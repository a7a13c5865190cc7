/**
 * Image files to pixels, by libraries made for it: sharp (libvips) for every format it reads, and
 * pngjs for small PNGs, where a call into sharp costs several times the decoding itself (measured on
 * 28×28 Fashion-MNIST PNGs: ~0.45 ms per image through sharp, ~0.09 ms through pngjs). Where sharp's
 * native binary cannot load, pngjs and jpeg-js decode PNG and JPEG, and other formats are skipped with
 * that reason.
 *
 * Every image comes out as 8-bit grey or RGB: transparency is laid over white (what a viewer shows),
 * the EXIF orientation is applied, and an RGB image whose pixels are all grey (within what lossy
 * compression leaves) counts as grey. A problem
 * with one file is an `ImageSkip` with the reason, so the caller can report it and go on.
 */
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { inflateSync } from 'node:zlib';
import type SharpType from 'sharp';

export interface Pixels {
  width: number;
  height: number;
  channels: 1 | 3;
  /** HWC bytes. */
  data: Uint8Array;
}

/** Why one file cannot be in the data set. */
export class ImageSkip extends Error {}

/** Larger files are not read: no single training image needs them, and they cost memory to try. */
export const MAX_FILE_BYTES = 256 << 20;
/** PNGs up to this many pixels go to pngjs (a 256×256 one decodes in about a millisecond). */
const SMALL_PNG_PIXELS = 256 * 256;
/**
 * Larger images are first shrunk by libvips (shrink-on-load for JPEG and WebP, then block averaging)
 * until the shorter side is this: 8× the largest input side, so the area averaging that follows decides
 * the result.
 */
export const PRESHRINK_SIDE = 256;
/** Pixels beyond this are refused before decoding (a decompression bomb, not a photo). */
const MAX_PIXELS = 16384 * 16384;
/**
 * What decoding one image may allocate: its pixels and the decoder's working copies, reckoned from its
 * header before anything is decoded; an image that needs more is left out. 64 megapixels decoded whole.
 */
export const MAX_DECODED_BYTES = 256 << 20;
/**
 * What libvips holds for an image it reads as a stream (JPEG and WebP shrunk while they load, PNG row by
 * row): a window of rows, whatever the image's size.
 */
const STREAMED_BYTES = 32 << 20;

type Format = 'PNG' | 'JPEG' | 'GIF' | 'WebP' | 'TIFF' | 'AVIF' | 'HEIF' | 'BMP';

const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));

/** The format, from the file's first bytes (names can lie). */
export function sniff(bytes: Uint8Array): Format | null {
  if (bytes.length < 12) return null;
  if (bytes[0] === 0x89 && ascii(bytes, 1, 3) === 'PNG') return 'PNG';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'JPEG';
  if (ascii(bytes, 0, 6) === 'GIF87a' || ascii(bytes, 0, 6) === 'GIF89a') return 'GIF';
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WEBP') return 'WebP';
  if (ascii(bytes, 0, 4) === 'II*\0' || ascii(bytes, 0, 4) === 'MM\0*') return 'TIFF';
  if (ascii(bytes, 4, 4) === 'ftyp') return /^avi[fs]$/.test(ascii(bytes, 8, 4)) ? 'AVIF' : 'HEIF';
  if (ascii(bytes, 0, 2) === 'BM') return 'BMP';
  return null;
}

let sharpModule: typeof SharpType | null | undefined;
let sharpProblem = '';

/** sharp, or null (with `sharpProblem` saying why) where its native binary cannot load on this machine. */
async function loadSharp(): Promise<typeof SharpType | null> {
  if (sharpModule === undefined) {
    try {
      sharpModule = (await import('sharp')).default;
      // Each image is read once: libvips' cache would only hold memory.
      sharpModule.cache(false);
    } catch (err) {
      sharpModule = null;
      sharpProblem = (err as Error).message.split('\n')[0]!;
    }
  }
  return sharpModule;
}

/** The libraries that decode, with versions, for the data set's report. */
export async function decoderName(): Promise<string> {
  const sharp = await loadSharp();
  if (!sharp) return `pngjs (PNG) and jpeg-js (JPEG); sharp could not load: ${sharpProblem}`;
  return `sharp ${sharp.versions.sharp} (libvips ${sharp.versions.vips}); pngjs for PNGs up to ${Math.sqrt(SMALL_PNG_PIXELS)}×${Math.sqrt(SMALL_PNG_PIXELS)}`;
}

/** An image about to be decoded: what decoding it will take in memory (from its header), and the decoding. */
export interface Decoding {
  bytes: number;
  decode(): Promise<Pixels>;
}

/**
 * How an image will be decoded and what that takes, from its first bytes alone: nothing is inflated or
 * allocated for its pixels yet. An image that would take more than `MAX_DECODED_BYTES` is an `ImageSkip`.
 */
export async function planDecode(bytes: Buffer): Promise<Decoding> {
  if (bytes.length === 0) throw new ImageSkip('empty file');
  const format = sniff(bytes);
  if (format === null) throw new ImageSkip('not an image (not PNG, JPEG, GIF, WebP, TIFF or AVIF)');
  if (format === 'BMP') throw new ImageSkip('BMP images are not supported (the image library reads PNG, JPEG, GIF, WebP, TIFF and AVIF)');
  const png = format === 'PNG' ? pngHeader(bytes) : null;
  const plan = (need: number, decode: () => Promise<Pixels>): Decoding => {
    if (need > MAX_DECODED_BYTES) throw new ImageSkip(`would take ${need >> 20} MB to decode, more than the ${MAX_DECODED_BYTES >> 20} MB an image may`);
    return { bytes: need, decode: () => decode().catch((err: unknown) => Promise.reject(asSkip(format, bytes, err))) };
  };
  // pngjs inflates an interlaced PNG with no limit (and libspng need not stop where the image does):
  // its data is first inflated here, no further than the image needs.
  const checked = (decode: () => Promise<Pixels>) => () => {
    if (png?.interlaced) checkPngData(bytes, png);
    return decode();
  };
  const withPngjs = checked(async () => rgba(PNG.sync.read(bytes)));
  if (png && png.width * png.height <= SMALL_PNG_PIXELS) return plan(pngjsBytes(png), withPngjs);
  const sharp = await loadSharp();
  if (sharp) {
    const withSharp = checked(() => decodeWithSharp(sharp, bytes));
    if (png) return plan(png.interlaced ? inflatedBytes(png) + png.width * png.height * 4 : STREAMED_BYTES, withSharp);
    if (!['GIF', 'TIFF', 'AVIF', 'HEIF'].includes(format)) return plan(STREAMED_BYTES, withSharp);
    // Decoded whole, not as a stream.
    const size = await sharp(bytes).metadata().catch((err: unknown) => Promise.reject(asSkip(format, bytes, err)));
    return plan((size.width ?? 0) * (size.height ?? 0) * 4, withSharp);
  }
  if (png) return plan(pngjsBytes(png), withPngjs);
  const maxMemoryUsageInMB = MAX_DECODED_BYTES >> 20;
  if (format === 'JPEG') return plan(MAX_DECODED_BYTES, async () => rgba(jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB })));
  throw new ImageSkip(`${format} needs the sharp library, which could not load here (${sharpProblem})`);
}

export async function decodeImage(bytes: Buffer): Promise<Pixels> {
  return (await planDecode(bytes)).decode();
}

/** A decoder's error as the reason the file is left out. */
function asSkip(format: Format, bytes: Uint8Array, err: unknown): ImageSkip {
  if (err instanceof ImageSkip) return err;
  // The commonest damage, said plainly: the decoders' own words for it are cryptic.
  if (format === 'PNG' && ascii(bytes, bytes.length - 8, 4) !== 'IEND') return new ImageSkip('damaged PNG: cut short (it does not end with an IEND chunk)');
  return new ImageSkip(`damaged or unreadable ${format}: ${(err as Error).message.split('\n')[0]}`);
}

interface PngHeader {
  width: number;
  height: number;
  /** Bits a pixel: samples (by colour type) × bit depth. */
  bits: number;
  interlaced: boolean;
}

const SAMPLES: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** A PNG's IHDR, which the signature check says comes first. */
function pngHeader(bytes: Uint8Array): PngHeader {
  if (bytes.length < 29) return { width: 0, height: 0, bits: 8, interlaced: false };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  return { width: view.getUint32(16), height: view.getUint32(20), bits: (SAMPLES[bytes[25]!] ?? 4) * bytes[24]!, interlaced: bytes[28] === 1 };
}

/** Adam7's seven passes: first column and row, column and row step. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

/** What a PNG's pixel data must inflate to: each row (of each interlace pass) a filter byte and its samples. */
function inflatedBytes({ width, height, bits, interlaced }: PngHeader): number {
  const rows = (w: number, h: number) => (w > 0 && h > 0 ? h * (1 + Math.ceil((w * bits) / 8)) : 0);
  if (!interlaced) return rows(width, height);
  return ADAM7.reduce((sum, [x0, y0, dx, dy]) => sum + rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

/** pngjs holds the inflated data, an unfiltered copy, its RGBA bitmap and our grey or RGB result. */
const pngjsBytes = (png: PngHeader) => 2 * inflatedBytes(png) + png.width * png.height * 8;

/** Refuses a PNG whose pixel data inflates to more than its header needs, inflating no more than that. */
function checkPngData(bytes: Buffer, png: PngHeader): void {
  const parts: Buffer[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = bytes.readUInt32BE(at);
    if (ascii(bytes, at + 4, 4) === 'IDAT') parts.push(bytes.subarray(at + 8, at + 8 + length));
    at += 12 + length;
  }
  const needed = inflatedBytes(png);
  try {
    inflateSync(Buffer.concat(parts), { maxOutputLength: Math.max(needed, 1) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw err;
    throw new ImageSkip(`its pixel data inflates to more than the ${needed} bytes a ${png.width}×${png.height} image needs`);
  }
}

async function decodeWithSharp(sharp: typeof SharpType, bytes: Uint8Array): Promise<Pixels> {
  const { data, info } = await sharp(bytes, { autoOrient: true, failOn: 'warning', limitInputPixels: MAX_PIXELS, sequentialRead: true })
    .resize({ width: PRESHRINK_SIDE, height: PRESHRINK_SIDE, fit: 'outside', withoutEnlargement: true })
    .flatten({ background: '#ffffff' })
    .raw({ depth: 'uchar' })
    .toBuffer({ resolveWithObject: true });
  const pixels = new Uint8Array(data.buffer, data.byteOffset, data.length);
  if (info.channels === 1) return { width: info.width, height: info.height, channels: 1, data: pixels };
  if (info.channels === 3) return greyOrColour(info.width, info.height, pixels, 3);
  throw new ImageSkip(`decoded to ${info.channels} channels; expected grey or RGB`);
}

/**
 * How far apart red, green and blue may be in a grey pixel: JPEG and WebP store colour at lower
 * resolution, and a grey picture saved in colour comes back a level or two off.
 */
const GREY_TOLERANCE = 4;

/** Whether every pixel of interleaved data (`stride` bytes a pixel, RGB first) is grey. */
function allGrey(data: Uint8Array, stride: number): boolean {
  for (let i = 0; i < data.length; i += stride) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    if (Math.max(r, g, b) - Math.min(r, g, b) > GREY_TOLERANCE) return false;
  }
  return true;
}

/** PIL's "L" conversion: (R·19595 + G·38470 + B·7471 + 2¹⁵) >> 16, as torchvision's `Grayscale` computes it. */
export const luma = (r: number, g: number, b: number) => (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;

const overWhite = (v: number, alpha: number) => Math.round((v * alpha + 255 * (255 - alpha)) / 255);

/** RGB(A) bytes as grey (when every pixel is) or RGB, transparency laid over white (which keeps grey grey). */
function greyOrColour(width: number, height: number, data: Uint8Array, stride: 3 | 4): Pixels {
  const n = width * height;
  const grey = allGrey(data, stride);
  const out = new Uint8Array(grey ? n : n * 3);
  for (let p = 0, at = 0; p < n; p++, at += stride) {
    let r = data[at]!;
    let g = data[at + 1]!;
    let b = data[at + 2]!;
    const alpha = stride === 4 ? data[at + 3]! : 255;
    if (alpha !== 255) [r, g, b] = [overWhite(r, alpha), overWhite(g, alpha), overWhite(b, alpha)];
    if (grey) out[p] = luma(r, g, b);
    else {
      out[p * 3] = r;
      out[p * 3 + 1] = g;
      out[p * 3 + 2] = b;
    }
  }
  return { width, height, channels: grey ? 1 : 3, data: out };
}

/** RGBA, as pngjs and jpeg-js give it. */
const rgba = (image: { width: number; height: number; data: Uint8Array }) => greyOrColour(image.width, image.height, image.data, 4);
