import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot } from '../../../src-main/core/paths.ts';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/shared/csp.ts';
import { startServer, MAX_BODY_BYTES, type RunningServer } from '../../../src-main/server/index.ts';
import { call, request } from './http.ts';

let dir: string;
let server: RunningServer;
let port: number;
let token: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-server-'));
  // A stand-in renderer folder, with a secret beside it that must never be served.
  const renderer = join(dir, 'renderer');
  mkdirSync(join(renderer, 'assets'), { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Weightlapse</title>');
  writeFileSync(join(renderer, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(dir, 'secret.txt'), 'SECRET');
  server = await startServer({ dbPath: join(dir, 'test.db'), rendererDir: renderer, warn: () => {} });
  ({ port, token } = server);
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the token', () => {
  it('is 32 random bytes and the printed URL carries it', () => {
    expect(Buffer.from(token, 'base64url').length).toBe(32);
    expect(server.url).toBe(`http://127.0.0.1:${port}/?token=${token}`);
  });

  it('is required for pages and calls: missing → 401, wrong → 403', async () => {
    expect((await request(port, '/')).status).toBe(401);
    expect((await request(port, '/?token=nope')).status).toBe(403);
    const noToken = await request(port, '/api/runs.list', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(noToken.status).toBe(401);
    expect(noToken.json()).toMatchObject({ ok: false, error: { message: expect.stringContaining('token') } });
    expect((await call(port, 'x'.repeat(43), 'runs.list', {})).status).toBe(403);
    expect((await request(port, '/api/events')).status).toBe(401);
  });

  it('is traded once for an HttpOnly SameSite=Strict cookie, and the redirect drops it from the URL', async () => {
    const first = await request(port, `/?token=${token}&run=3`);
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/?run=3');
    const cookie = String(first.headers['set-cookie']);
    expect(cookie).toMatch(new RegExp(`^weightlapse-${port}=${token}; `));
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const pair = cookie.split(';')[0]!;
    const page = await request(port, '/?run=3', { headers: { Cookie: `other=1; ${pair}` } });
    expect(page.status).toBe(200);
    expect(page.text).toContain('<title>Weightlapse</title>');
    const apiCall = await request(port, '/api/runs.get', {
      method: 'POST',
      headers: { Cookie: pair, 'Content-Type': 'application/json' },
      body: '{"id":"one"}',
    });
    expect(apiCall.status).toBe(400);
    expect((await request(port, '/', { headers: { Cookie: `weightlapse-${port}=wrong` } })).status).toBe(403);
  });
});

describe('Host and origin checks', () => {
  const auth = () => ({ Authorization: `Bearer ${token}` });

  it('refuses a foreign Host (DNS rebinding), even with the token', async () => {
    for (const host of ['evil.example', `evil.example:${port}`, 'localhost.evil.example', '127.0.0.1.nip.io']) {
      const reply = await request(port, '/', { headers: { Host: host, ...auth() } });
      expect(reply.status, host).toBe(403);
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, 'localhost']) {
      expect((await request(port, '/', { headers: { Host: host, ...auth() } })).status, host).toBe(200);
    }
  });

  it('refuses cross-origin and cross-site requests, and never sends CORS headers', async () => {
    const evil = await call(port, token, 'runs.list', {}, { Origin: 'http://evil.example' });
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const otherPort = await call(port, token, 'runs.list', {}, { Origin: `http://127.0.0.1:${port + 1}` });
    expect(otherPort.status).toBe(403);
    expect((await call(port, token, 'runs.list', {}, { 'Sec-Fetch-Site': 'cross-site' })).status).toBe(403);
    const own = await call(port, token, 'runs.get', { id: 'x' }, { Origin: `http://127.0.0.1:${port}`, 'Sec-Fetch-Site': 'same-origin' });
    expect(own.status).toBe(400);
  });
});

describe('requests', () => {
  it('require JSON on calls (415), cap the body (413) and answer bad JSON with 400', async () => {
    const form = await request(port, '/api/runs.list', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(form.status).toBe(415);
    const plain = await request(port, '/api/runs.list', { method: 'POST', headers: { Authorization: `Bearer ${token}` }, body: '{}' });
    expect(plain.status).toBe(415);
    const huge = await call(port, token, 'runs.rename', { id: 1, name: 'x'.repeat(MAX_BODY_BYTES) });
    expect(huge.status).toBe(413);
    const bad = await request(port, '/api/runs.list', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: '{"oops"',
    });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ ok: false, error: { message: expect.stringContaining('not JSON') } });
    expect((await request(port, '/api/runs.list', { headers: { Authorization: `Bearer ${token}` } })).status).toBe(405);
    expect((await call(port, token, 'no.such.method', {})).status).toBe(404);
  });

  it('serve only files inside the renderer folder', async () => {
    const headers = { Authorization: `Bearer ${token}` };
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e%5csecret.txt', '/..\\secret.txt', '/%00']) {
      const reply = await request(port, path, { headers });
      expect([403, 404], path).toContain(reply.status);
      expect(reply.text, path).not.toContain('SECRET');
    }
    const asset = await request(port, '/assets/app-1234.js', { headers });
    expect(asset.status).toBe(200);
    expect(asset.headers['content-type']).toMatch(/^text\/javascript/);
  });

  it('carry the security headers', async () => {
    const reply = await request(port, '/', { headers: { Authorization: `Bearer ${token}` } });
    expect(reply.headers['content-security-policy']).toContain("default-src 'self'");
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-frame-options']).toBe('DENY');
  });
});

describe('the Content-Security-Policy', () => {
  it('is the one in the page, so the header and the meta tag cannot drift apart', () => {
    const html = readFileSync(join(appRoot, 'src-renderer', 'index.html'), 'utf8');
    const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY);
  });
});
