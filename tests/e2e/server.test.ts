/** The app in a real browser through the local server: token URL, cookie, calls and events. */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appRoot } from '../../src-main/core/paths.ts';
import { openServerApp, type ServerApp } from './hosts/server.ts';

/** The few browser globals the page-side callbacks use (this project is type-checked without the DOM library). */
interface PageGlobals {
  document: { cookie: string };
  EventSource: new (url: string) => {
    onopen: (() => void) | null;
    addEventListener(type: string, listener: (e: { data: string }) => void): void;
    close(): void;
  };
  received?: Promise<unknown>;
}

let app: ServerApp;

beforeAll(async () => {
  app = await openServerApp({ width: 1280, height: 800 });
});

afterAll(async () => {
  await app?.close();
});

describe('the app through the local server (browser host)', () => {
  it('loads from the token URL, which the server swaps for a cookie', async () => {
    expect(new URL(app.page.url()).searchParams.has('token')).toBe(false);
    expect(await app.page.title()).toBe('Weightlapse');
    const cookies = await app.context.cookies();
    expect(cookies).toEqual([
      expect.objectContaining({ name: `weightlapse-${app.server.port}`, httpOnly: true, sameSite: 'Strict' }),
    ]);
    // The page's scripts cannot read it.
    expect(await app.page.evaluate(() => (globalThis as unknown as PageGlobals).document.cookie)).toBe('');
    await app.page.locator('#app').waitFor();
    await app.screenshot('server-first-load');
  });

  it('keeps working on reload, with the cookie alone', async () => {
    const response = await app.page.reload({ waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(await app.page.title()).toBe('Weightlapse');
  });

  it('round-trips an API call from the page, answered in the binary wire format', async () => {
    const reply = await app.page.evaluate(async () => {
      const res = await fetch('/api/datasets.list', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
      const bytes = new Uint8Array(await res.arrayBuffer());
      const view = new DataView(bytes.buffer);
      const json = new TextDecoder().decode(bytes.subarray(8, 8 + view.getUint32(4, true)));
      return { status: res.status, type: res.headers.get('Content-Type'), value: JSON.parse(json) as { name: string; bundled: boolean; train: { count: number } }[] };
    });
    expect(reply.status).toBe(200);
    expect(reply.type).toBe('application/x-weightlapse');
    const sample = reply.value.find((d) => d.bundled);
    expect(sample?.train.count).toBe(6000);
  });

  it('refuses a call without the JSON content type, even from its own page', async () => {
    const status = await app.page.evaluate(async () => {
      const res = await fetch('/api/runs.list', { method: 'POST', body: '{}' });
      return res.status;
    });
    expect(status).toBe(415);
    expect(app.failedRequests.at(-1)).toBe('415 POST /api/runs.list');
  });

  it('delivers core events to the page as server-sent events', async () => {
    await app.page.evaluate(
      () =>
        new Promise<void>((resolve) => {
          const g = globalThis as unknown as PageGlobals;
          const source = new g.EventSource('/api/events');
          g.received = new Promise((got) =>
            source.addEventListener('run.changed', (e) => {
              source.close();
              got(JSON.parse(e.data));
            }),
          );
          source.onopen = () => resolve();
        }),
    );
    app.server.core.ctx.emit('run.changed', { runId: 42 });
    const payload = await app.page.evaluate(() => (globalThis as unknown as PageGlobals).received);
    expect(payload).toEqual({ runId: 42 });
    expect(app.errors).toEqual([]);
  });
});

describe('npm start without a desktop', () => {
  it('says why there is no window, serves the app at a token URL, and stops cleanly on Ctrl-C', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wl-start-'));
    const env: NodeJS.ProcessEnv = { ...process.env, WEIGHTLAPSE_DB: join(dir, 'start.db') };
    delete env.DISPLAY;
    delete env.WAYLAND_DISPLAY;
    delete env.WEIGHTLAPSE_NO_ELECTRON;
    const child = spawn(process.execPath, [join(appRoot, 'src-main', 'electron', 'start.mjs')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on('data', () => {
          const m = /Open: (http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]{43})/.exec(stdout);
          if (m) resolve(m[1]!);
        });
        void exited.then((code) => reject(new Error(`start.mjs exited (${code}) before serving: ${stderr}`)));
      });
      expect(stderr).toMatch(/no desktop window: (the Electron .* binary is missing|there is no display)/);
      const page = await fetch(url, { redirect: 'manual' });
      expect(page.status).toBe(302);
      const cookie = page.headers.get('set-cookie')!.split(';')[0]!;
      const list = await fetch(new URL('/api/datasets.list', url), {
        method: 'POST',
        headers: { Cookie: cookie, 'Content-Type': 'application/json' },
        body: '{}',
      });
      expect(list.status).toBe(200);
      child.kill('SIGINT');
      expect(await exited).toBe(0);
      expect(stderr).toContain('SIGINT: stopping');
    } finally {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
