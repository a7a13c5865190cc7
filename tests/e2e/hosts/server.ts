/**
 * The browser host: a real local server in this process, on a free port, with a fresh database, and a
 * headless Chromium on its tokenized URL.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { decodeWire } from '../../../src-preload/wire.ts';
import { startServer, type RunningServer } from '../../../src-main/server/index.ts';
import { launchBrowser, newContext, screenshot, watchPage, type OpenApp } from './chromium.ts';

export interface ServerApp extends OpenApp {
  host: 'browser';
  server: RunningServer;
  /** The URL with the token. */
  url: string;
}

/**
 * Server (the bundled sample data set registered at start, as in the app), browser, and a page that
 * has opened the tokenized URL (so it holds the cookie) and loaded.
 */
export async function openServerApp(viewport: { width: number; height: number }): Promise<ServerApp> {
  const dir = mkdtempSync(join(tmpdir(), 'wl-e2e-'));
  const dbPath = join(dir, 'e2e.db');
  const server = await startServer({ dbPath, warn: () => {} });
  const stop = async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let browser: Browser | undefined;
  try {
    browser = await launchBrowser();
    const context = await newContext(browser, { viewport, colorScheme: 'dark' });
    const page = await context.newPage();
    const watched = watchPage(page);
    const response = await page.goto(server.url, { waitUntil: 'load' });
    if (!response?.ok()) throw new Error(`opening ${server.url} gave ${response?.status()}`);
    const opened = browser;
    return {
      host: 'browser',
      server,
      url: server.url,
      dbPath,
      core: server.core,
      browser: opened,
      context,
      page,
      ...watched,
      screenshot: (name, of) => screenshot(page, name, of),
      async call(method, input) {
        const res = await page.request.post(new URL(`/api/${method}`, server.origin).href, { data: input });
        if (!res.ok()) throw new Error(`${method}: ${res.status()} ${await res.text()}`);
        return decodeWire(new Uint8Array(await res.body())) as never;
      },
      async goto(route) {
        await page.goto(new URL(`/${route}`, server.origin).href);
      },
      async exportedGif(trigger) {
        const [download] = await Promise.all([page.waitForEvent('download'), trigger()]);
        return { name: download.suggestedFilename(), bytes: new Uint8Array(readFileSync((await download.path())!)) };
      },
      async close() {
        await opened.close();
        await stop();
      },
    };
  } catch (err) {
    await browser?.close();
    await stop();
    throw err;
  }
}
