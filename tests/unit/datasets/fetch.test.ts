import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { downloadFile, fetchDataset, SOURCES, type DownloadProgress } from '../../../src-main/datasets/fetch.ts';
import { DatasetError, inspectDataset } from '../../../src-main/datasets/index.ts';
import { SAMPLE } from './fixtures.ts';
import { removeTempDirs, tempDir, until } from '../../helpers.ts';

afterAll(removeTempDirs);

const NAMES = SOURCES['fashion-mnist'].files.map((f) => f.name);
const real = Object.fromEntries(NAMES.map((n) => [n, readFileSync(join(SAMPLE, n))]));
const md5 = (b: Uint8Array) => createHash('md5').update(b).digest('hex');
/** The sample's own checksums, standing in for the published ones (which are of the full files). */
const sampleChecksums = Object.fromEntries(NAMES.map((n) => [n, { md5: md5(real[n]!) }]));

interface Served {
  base: string;
  /** Each request: the file asked for and its Range header. */
  requests: { name: string; range: string | undefined }[];
}

/**
 * A local HTTP server for `files`, with Range support. `cut` names files whose first response stops
 * after half the bytes (the connection is destroyed), or every response with `cutAlways`; `ignoreRange`
 * answers every request with 200. `beforeCut`, given the offset the response got to, delays the cut: a
 * client drops what it received but had not yet written when the connection fails (fetch's body stream
 * discards its queue on an error), so on a loaded machine a cut right after the write can leave nothing.
 */
let server: Server | undefined;
async function serve(files: Record<string, Uint8Array>, options: { cut?: string[]; cutAlways?: boolean; ignoreRange?: boolean; beforeCut?: (end: number) => Promise<unknown> } = {}): Promise<Served> {
  const requests: Served['requests'] = [];
  const cutOnce = new Set(options.cut ?? []);
  server = createServer((req, res) => {
    const name = decodeURIComponent(new URL(req.url!, 'http://x').pathname.split('/').pop()!);
    requests.push({ name, range: req.headers.range });
    const body = files[name];
    if (!body) return res.writeHead(404, 'Not Found').end();
    const from = options.ignoreRange ? 0 : Number(/^bytes=(\d+)-$/.exec(req.headers.range ?? '')?.[1] ?? 0);
    if (from >= body.length) return res.writeHead(416, 'Range Not Satisfiable').end();
    const headers = { 'content-length': String(body.length - from), 'accept-ranges': 'bytes' };
    if (from > 0) res.writeHead(206, { ...headers, 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` });
    else res.writeHead(200, headers);
    if (cutOnce.has(name)) {
      if (!options.cutAlways) cutOnce.delete(name);
      const half = from + Math.floor((body.length - from) / 2);
      res.write(body.subarray(from, half), () => void (options.beforeCut?.(half) ?? Promise.resolve()).then(() => res.destroy()));
      return;
    }
    res.end(body.subarray(from));
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}/data/`, requests };
}

afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = undefined;
});

async function refusal(promise: Promise<unknown>): Promise<DatasetError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatasetError);
  return err as DatasetError;
}

describe('fetching a standard data set', () => {
  it('downloads every file, resumes one cut mid-way with a Range request, and the result loads', async () => {
    const { base, requests } = await serve(real, { cut: ['train-images-idx3-ubyte.gz'] });
    const to = join(tempDir(), 'fashion-mnist');
    const progress: DownloadProgress[] = [];
    await fetchDataset('fashion-mnist', { to, baseUrl: base, checksums: sampleChecksums, onProgress: (p) => progress.push(p) });

    for (const n of NAMES) expect(Buffer.compare(readFileSync(join(to, n)), real[n]!)).toBe(0);
    expect(readdirSync(to).sort()).toEqual([...NAMES].sort());
    // The second request asks for the rest, from wherever the cut connection left off.
    const asked = requests.filter((r) => r.name === 'train-images-idx3-ubyte.gz').map((r) => r.range);
    expect(asked).toHaveLength(2);
    expect(asked[0]).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(asked[1]!)![1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(real['train-images-idx3-ubyte.gz']!.length);
    expect(progress.some((p) => p.resumedFrom === resumedAt)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ file: 't10k-labels-idx1-ubyte.gz', received: real['t10k-labels-idx1-ubyte.gz']!.length });
    expect((await inspectDataset(to)).train.count).toBe(6000);

    // Run again: every file is there and intact, nothing is downloaded.
    requests.length = 0;
    await fetchDataset('fashion-mnist', { to, baseUrl: base, checksums: sampleChecksums });
    expect(requests).toEqual([]);
  });

  it('resumes a .part file left by an earlier run', async () => {
    const name = 't10k-images-idx3-ubyte.gz';
    const { base, requests } = await serve(real);
    const dest = join(tempDir(), name);
    writeFileSync(`${dest}.part`, real[name]!.subarray(0, 1000));
    expect(await downloadFile(base + name, dest, sampleChecksums[name]!)).toBe('downloaded');
    expect(requests).toEqual([{ name, range: 'bytes=1000-' }]);
    expect(Buffer.compare(readFileSync(dest), real[name]!)).toBe(0);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  it('starts over when the server ignores the Range request', async () => {
    const name = 't10k-images-idx3-ubyte.gz';
    const { base } = await serve(real, { ignoreRange: true });
    const dest = join(tempDir(), name);
    writeFileSync(`${dest}.part`, Buffer.alloc(5000, 7));
    await downloadFile(base + name, dest, sampleChecksums[name]!);
    expect(Buffer.compare(readFileSync(dest), real[name]!)).toBe(0);
  });

  it('refuses a file whose checksum differs, and deletes it', async () => {
    const name = 'train-labels-idx1-ubyte.gz';
    const damaged = Buffer.from(real[name]!);
    damaged[100] ^= 0xff;
    const { base } = await serve({ ...real, [name]: damaged });
    const to = tempDir();
    const err = await refusal(fetchDataset('fashion-mnist', { to, baseUrl: base, checksums: sampleChecksums }));
    expect(err.message).toBe(
      `${base}${name}: checksum mismatch: expected md5 ${md5(real[name]!)}, got ${md5(damaged)}. ` +
        'The download was deleted; try again, or check the source',
    );
    expect(readdirSync(to)).toEqual(['train-images-idx3-ubyte.gz']);
  });

  it('checks against the published checksums by default', async () => {
    // The sample's files are not the published full files: refused.
    const { base } = await serve(real);
    const err = await refusal(fetchDataset('fashion-mnist', { to: tempDir(), baseUrl: base }));
    expect(err.message).toContain(`train-images-idx3-ubyte.gz: checksum mismatch: expected md5 8d4fb7e6c68d591d4c3dfef9ec88bf0d, got ${md5(real['train-images-idx3-ubyte.gz']!)}`);
  });

  it('says what the server answered, and where a download keeps breaking off', async () => {
    const { base } = await serve({}, {});
    const missing = await refusal(downloadFile(`${base}nothing.gz`, join(tempDir(), 'nothing.gz'), {}));
    expect(missing.message).toBe(`${base}nothing.gz: the server answered 404 Not Found`);
    await new Promise((resolve) => server!.close(resolve));

    const name = 'train-labels-idx1-ubyte.gz';
    const dest = join(tempDir(), name);
    const stored = (end: number) => until(`${end} bytes in the part file`, () => existsSync(`${dest}.part`) && statSync(`${dest}.part`).size >= end);
    const { base: flaky } = await serve(real, { cut: [name], cutAlways: true, beforeCut: stored });
    const err = await refusal(downloadFile(flaky + name, dest, sampleChecksums[name]!, { attempts: 3 }));
    expect(err.message).toMatch(new RegExp(`^${flaky}${name}: download broke off after \\d+ bytes \\(.*\\); run the same command again to resume$`));
    // What arrived is kept for the next try.
    const kept = readFileSync(`${dest}.part`);
    expect(kept.length).toBeGreaterThan(0);
    expect(Buffer.compare(kept, real[name]!.subarray(0, kept.length))).toBe(0);
  });
});
