/** The static file server: links that point out of the page's folder, gzip, ETags and 304s (issues 27, 28 #7). */
import { gunzipSync } from 'node:zlib';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../../src-main/server/index.ts';
import { tokenProblem } from '../../../src-main/server/guard.ts';
import { request } from './http.ts';

let dir: string;
let server: RunningServer;
const PAGE = `<!doctype html><title>Weightlapse</title>${'<p>text</p>'.repeat(200)}`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-static-'));
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), PAGE);
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  mkdirSync(join(dir, 'outside'));
  writeFileSync(join(dir, 'outside', 'x.js'), 'SECRET');
  symlinkSync(join(dir, 'secret.txt'), join(renderer, 'assets', 'leak.txt'));
  symlinkSync(join(dir, 'outside'), join(renderer, 'linked'));
  symlinkSync(join(renderer, 'index.html'), join(renderer, 'alias.html'));
  server = await startServer({ dbPath: join(dir, 'test.db'), rendererDir: renderer, warn: () => {}, token: 'a'.repeat(40) });
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = (path: string, headers: Record<string, string> = {}) =>
  request(server.port, path, { headers: { Authorization: `Bearer ${server.token}`, ...headers } });

describe('links inside the page folder', () => {
  it('are not followed out of it, and the server still answers', async () => {
    for (const path of ['/assets/leak.txt', '/linked/x.js']) {
      const reply = await get(path);
      expect(reply.status, path).toBe(404);
      expect(reply.text).not.toContain('SECRET');
    }
    expect((await get('/alias.html')).status).toBe(200); // a link that stays inside is fine
    expect((await get('/')).status).toBe(200);
  });
});

describe('gzip and ETags', () => {
  it('gzips for a client that accepts it, and answers 304 to its ETag', async () => {
    const zipped = await get('/', { 'Accept-Encoding': 'br, gzip;q=0.8' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(zipped.headers.vary).toBe('Accept-Encoding');
    expect(gunzipSync(zipped.body).toString()).toBe(PAGE);
    const plain = await get('/', { 'Accept-Encoding': 'gzip;q=0' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.text).toBe(PAGE);
    expect(plain.headers.etag).not.toBe(zipped.headers.etag);
    const again = await get('/', { 'Accept-Encoding': 'gzip', 'If-None-Match': String(zipped.headers.etag) });
    expect(again.status).toBe(304);
    expect(again.body.length).toBe(0);
    expect((await get('/', { 'If-None-Match': '"other"' })).status).toBe(200);
  });
});

describe('a chosen token', () => {
  it('is used as given, and a weak one is refused saying why', () => {
    expect(server.url).toMatch(/\?token=a{40}$/);
    expect(tokenProblem('short')).toMatch(/at least 32/);
    expect(tokenProblem(`${'a'.repeat(32)}+/`)).toMatch(/letters, digits/);
    expect(tokenProblem('b'.repeat(43))).toBeNull();
  });
});
