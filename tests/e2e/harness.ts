/**
 * What the end-to-end tests share: a real local server on a free port with a fresh database, a real
 * headless Chromium (Playwright) on its tokenized URL, and screenshots under test-results/screenshots/.
 *
 *   const app = await openApp();            // server + browser + page, already on the app
 *   await app.page.getByRole('button', …)   // drive it
 *   await app.call('runs.list', {});        // the HTTP API, with the page's cookie
 *   await app.screenshot('runs-list');      // test-results/screenshots/runs-list.png
 *   expect(app.errors).toEqual([]);         // no page errors or console errors
 *   await app.close();
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { Input, MethodName, Output } from '../../src-preload/api.ts';
import { decodeWire } from '../../src-preload/wire.ts';
import { appRoot } from '../../src-main/core/paths.ts';
import { startServer, type RunningServer } from '../../src-main/server/index.ts';

/** The browser the tests drive; the e2e global setup makes sure it exists. */
export const CHROMIUM = process.env.WEIGHTLAPSE_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(appRoot, 'test-results', 'screenshots');

export interface TestServer {
  server: RunningServer;
  /** The URL with the token, as `weightlapse serve` prints it. */
  url: string;
  dbPath: string;
  close(): Promise<void>;
}

/**
 * A local server in this process, on a free port, with a database in a fresh temp folder (the bundled
 * sample data set is registered at start, as in the app). `server.core.ctx.db` is the live database,
 * for seeding; `server.core.ctx.emit` sends events to the page.
 */
export async function startTestServer(): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'wl-e2e-'));
  const dbPath = join(dir, 'e2e.db');
  const server = await startServer({ dbPath, warn: () => {} });
  return {
    server,
    url: server.url,
    dbPath,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function launchBrowser(): Promise<Browser> {
  // Playwright gives every launch a fresh temporary profile (user-data-dir) and removes it afterwards.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

export interface OpenApp extends TestServer {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /**
   * Uncaught page errors and console errors, in order: a test can assert there were none. Failed
   * requests are not in here (tests ask for some on purpose): see `failedRequests`.
   */
  errors: string[];
  /** `STATUS METHOD path` of every response ≥ 400, except the browser's own favicon probe. */
  failedRequests: string[];
  screenshot(name: string): Promise<string>;
  /** A call through the same HTTP API the page uses (the browser context holds the cookie). */
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>;
}

/** The largest |w| of a tensor: what a per-layer legend must show, computed here independently of the app. */
export const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/** Server, browser and a page that has opened the tokenized URL (so it holds the cookie) and loaded. */
export async function openApp(options: { viewport?: { width: number; height: number } } = {}): Promise<OpenApp> {
  const server = await startTestServer();
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const failedRequests: string[] = [];
    page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      // Chromium logs every 4xx/5xx response as a console error; those are in failedRequests.
      if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`console error: ${msg.text()}`);
    });
    page.on('response', (res) => {
      const path = new URL(res.url()).pathname;
      if (res.status() >= 400 && path !== '/favicon.ico') failedRequests.push(`${res.status()} ${res.request().method()} ${path}`);
    });
    const response = await page.goto(server.url, { waitUntil: 'load' });
    if (!response?.ok()) throw new Error(`opening ${server.url} gave ${response?.status()}`);
    const opened = browser;
    return {
      ...server,
      browser: opened,
      context,
      page,
      errors,
      failedRequests,
      screenshot: (name) => screenshot(page, name),
      async call(method, input) {
        const res = await page.request.post(new URL(`/api/${method}`, server.server.origin).href, { data: input });
        if (!res.ok()) throw new Error(`${method}: ${res.status()} ${await res.text()}`);
        return decodeWire(new Uint8Array(await res.body())) as never;
      },
      async close() {
        await opened.close();
        await server.close();
      },
    };
  } catch (err) {
    await browser?.close();
    await server.close();
    throw err;
  }
}
