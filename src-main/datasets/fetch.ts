/**
 * Downloading the standard data sets once, from their canonical public sources: resumable (HTTP Range
 * into a `.part` file), verified against the published checksums, never half-written under the final
 * name. Offline use needs none of this: the bundled sample and any folder on disk work without it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { DatasetError } from './errors.ts';

export interface Checksums {
  md5?: string;
  sha256?: string;
}

export interface RemoteFile extends Checksums {
  name: string;
}

export interface Source {
  title: string;
  baseUrl: string;
  files: RemoteFile[];
}

/** Checksums as published with each data set (the MNIST mirror serves the original files). */
export const SOURCES = {
  mnist: {
    title: 'MNIST',
    baseUrl: 'https://ossci-datasets.s3.amazonaws.com/mnist/',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: 'f68b3c2dcbeaaa9fbdd348bbdeb94873' },
      { name: 'train-labels-idx1-ubyte.gz', md5: 'd53e105ee54ea40749a09fcbcd1e9432' },
      { name: 't10k-images-idx3-ubyte.gz', md5: '9fb629c4189551a2d022fa330f9573f3' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'ec29112dd5afa0611ce80d1b7f02629c' },
    ],
  },
  'fashion-mnist': {
    title: 'Fashion-MNIST',
    baseUrl: 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/',
    files: [
      { name: 'train-images-idx3-ubyte.gz', md5: '8d4fb7e6c68d591d4c3dfef9ec88bf0d' },
      { name: 'train-labels-idx1-ubyte.gz', md5: '25c81989df183df01b3e8a0aad5dffbe' },
      { name: 't10k-images-idx3-ubyte.gz', md5: 'bef4ecab320f06d8554ea6380940ec79' },
      { name: 't10k-labels-idx1-ubyte.gz', md5: 'bb300cfdad3c16e7a12a480ee83cd310' },
    ],
  },
  'cifar-10': {
    title: 'CIFAR-10',
    baseUrl: 'https://www.cs.toronto.edu/~kriz/',
    files: [{ name: 'cifar-10-binary.tar.gz', md5: 'c32a1d4ab5d03f1284b67883e8d87530' }],
  },
} as const satisfies Record<string, Source>;

export type SourceId = keyof typeof SOURCES;
export const SOURCE_IDS = Object.keys(SOURCES) as SourceId[];

export interface DownloadProgress {
  file: string;
  received: number;
  /** Null when the server does not say. */
  total: number | null;
  /** Bytes already on disk from an earlier, broken download. */
  resumedFrom: number;
}

export interface DownloadOptions {
  onProgress?: (progress: DownloadProgress) => void;
  /** Tries in all, each resuming where the last broke off. */
  attempts?: number;
}

export interface FetchOptions extends DownloadOptions {
  to: string;
  baseUrl?: string;
  /** Replaces the published checksums, by file name (for tests against local files). */
  checksums?: Record<string, Checksums>;
}

/** Downloads every file of a standard data set into `to`. Files already there and intact are kept. */
export async function fetchDataset(id: SourceId, options: FetchOptions): Promise<string[]> {
  const source: Source = SOURCES[id];
  const base = withSlash(options.baseUrl ?? source.baseUrl);
  await mkdir(options.to, { recursive: true });
  const written: string[] = [];
  for (const file of source.files) {
    const dest = join(options.to, file.name);
    const expected = options.checksums?.[file.name] ?? file;
    await downloadFile(new URL(file.name, base).href, dest, expected, options);
    written.push(dest);
  }
  return written;
}

const withSlash = (url: string) => (url.endsWith('/') ? url : `${url}/`);

/** One file to `dest`, by way of `dest.part`, resumed where a broken try left off, then verified. */
export async function downloadFile(url: string, dest: string, expected: Checksums, options: DownloadOptions = {}): Promise<'downloaded' | 'present'> {
  if (await exists(dest)) {
    if ((await mismatch(dest, expected)) === null) return 'present';
    await rm(dest);
  }
  const part = `${dest}.part`;
  const attempts = options.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      await downloadOnce(url, part, options.onProgress);
      break;
    } catch (err) {
      if (err instanceof DatasetError) throw err;
      const had = (await exists(part)) ? (await stat(part)).size : 0;
      if (attempt >= attempts) {
        throw new DatasetError(url, `download broke off after ${had} bytes (${reason(err)}); run the same command again to resume`);
      }
    }
  }
  const wrong = await mismatch(part, expected);
  if (wrong) {
    await rm(part);
    throw new DatasetError(url, `checksum mismatch: ${wrong}. The download was deleted; try again, or check the source`);
  }
  await rename(part, dest);
  return 'downloaded';
}

async function downloadOnce(url: string, part: string, onProgress?: (progress: DownloadProgress) => void): Promise<void> {
  const have = (await exists(part)) ? (await stat(part)).size : 0;
  const response = await fetch(url, { headers: have > 0 ? { Range: `bytes=${have}-` } : {} });
  // Asked for bytes past the end: the part file is already whole.
  if (response.status === 416 && have > 0) return;
  if (response.status !== 200 && response.status !== 206) {
    throw new DatasetError(url, `the server answered ${response.status} ${response.statusText}`.trimEnd());
  }
  // 200 means the server sent the whole file (it ignored or does not support ranges): start over.
  const from = response.status === 206 ? rangeStart(url, response, have) : 0;
  const length = Number(response.headers.get('content-length') ?? NaN);
  const total = Number.isFinite(length) ? from + length : null;
  let received = from;
  const name = url.slice(url.lastIndexOf('/') + 1);
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      onProgress?.({ file: name, received, total, resumedFrom: from });
      done(null, chunk);
    },
  });
  onProgress?.({ file: name, received, total, resumedFrom: from });
  const body = Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
  await pipeline(body, count, createWriteStream(part, { flags: from > 0 ? 'a' : 'w' }));
}

function rangeStart(url: string, response: Response, have: number): number {
  const start = Number(/^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1]);
  if (start !== have) throw new DatasetError(url, `the server resumed at byte ${start}, not at ${have} as asked`);
  return start;
}

/** What differs from the expected checksums, or null when all match. */
async function mismatch(file: string, expected: Checksums): Promise<string | null> {
  const algorithms = (['md5', 'sha256'] as const).filter((a) => expected[a] !== undefined);
  const hashes = algorithms.map((a) => createHash(a));
  for await (const chunk of createReadStream(file)) for (const h of hashes) h.update(chunk as Buffer);
  const wrong = algorithms
    .map((a, i) => ({ a, want: expected[a]!.toLowerCase(), got: hashes[i]!.digest('hex') }))
    .filter(({ want, got }) => want !== got);
  return wrong.length === 0 ? null : wrong.map(({ a, want, got }) => `expected ${a} ${want}, got ${got}`).join('; ');
}

const exists = (path: string) => stat(path).then(() => true, () => false);

function reason(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
}
