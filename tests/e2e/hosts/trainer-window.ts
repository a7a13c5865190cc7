/**
 * The hidden trainer window of the desktop app, without the Electron binary: its built page
 * (out/renderer/trainer-window.html) in headless Chromium, with its real built preload
 * (out/preload/trainer-window.cjs) given a stand-in `require('electron')` (electron-page.ts). The
 * main side's end of its MessagePort is stood in by a port in the page whose messages cross to the
 * test process through a Playwright binding (and back through `page.evaluate`), structured-cloned both
 * ways as Electron's MessagePortMain clones them. `open` is what src-main/electron/window-trainer.ts
 * gets from Electron in the app, so `windowTrainer(host.open)` is the app's spawner for these backends.
 *
 * The page is served from 127.0.0.1 (WebGPU needs a secure context; a file:// page gets no adapter
 * here), in a Chromium started with `--enable-unsafe-webgpu`: headless, it offers SwiftShader's
 * software WebGPU adapter. Not reproduced: the window's sandbox and session, `backgroundThrottling`.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { appRoot, rendererDir } from '../../../src-main/core/paths.ts';
import type { OpenedTrainerWindow, TrainerPort } from '../../../src-main/electron/window-trainer.ts';
import { TRAINER_PORT_MESSAGE } from '../../../src-preload/trainer-port.ts';
import { launchBrowser, newContext } from './chromium.ts';
import { preloadScript } from './electron-page.ts';

const PORT_BINDING = '__weightlapseTrainerPort';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };

export interface TrainerWindowHost {
  /** Opens a trainer window, as openElectronTrainerWindow does in the app. */
  open(): OpenedTrainerWindow;
  /** The trainer windows' pages, in the order they were opened (closed ones included). */
  pages: Page[];
  /** What the windows' pages logged as errors (uncaught errors, console errors). */
  errors: string[];
  close(): Promise<void>;
}

/** The built renderer folder over HTTP on 127.0.0.1 (files only, nothing above the folder). */
function serveRenderer(): Promise<Server> {
  const server = createServer((req, res) => {
    const path = normalize(join(rendererDir, new URL(req.url ?? '/', 'http://localhost').pathname));
    try {
      if (!path.startsWith(rendererDir + '/')) throw new Error('outside');
      const body = readFileSync(path);
      res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream' }).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export async function startTrainerWindowHost(): Promise<TrainerWindowHost> {
  const preloadSource = readFileSync(join(appRoot, 'out', 'preload', 'trainer-window.cjs'), 'utf8');
  const server = await serveRenderer();
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trainer-window.html`;
  // The software adapter needs the GPU process: launchBrowser's --disable-gpu is undone by enabling WebGPU.
  const browser: Browser = await launchBrowser(['--enable-unsafe-webgpu']);
  const context = await newContext(browser);
  const pages: Page[] = [];
  const errors: string[] = [];

  const open = (): OpenedTrainerWindow => {
    const listeners: ((event: { data: unknown }) => void)[] = [];
    let goneListener: ((reason: string) => void) | undefined;
    let closed = false;
    const ready = (async () => {
      const page = await context.newPage();
      pages.push(page);
      page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
      // Chromium logs every 4xx/5xx response as a console error: those are counted by URL below.
      page.on('console', (msg) => void (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource') && errors.push(`console error: ${msg.text()}`)));
      page.on('response', (res) => void (res.status() >= 400 && !res.url().endsWith('/favicon.ico') && errors.push(`${res.status()} ${res.url()}`)));
      page.on('crash', () => goneListener?.('its renderer crashed'));
      page.on('close', () => goneListener?.('it was closed'));
      await page.exposeBinding(PORT_BINDING, (_source, data: unknown) => listeners.forEach((listener) => listener({ data })));
      await page.addInitScript({ content: preloadScript(preloadSource, PORT_BINDING) });
      await page.goto(url);
      // The main side's end of the channel stays in the page, relaying to the binding; the other end goes
      // to the preload, as webContents.postMessage(channel, null, [port2]) sends it in the app.
      await page.evaluate(
        ([binding, channel]) => {
          const g = globalThis as unknown as Record<string, (...args: unknown[]) => void>;
          const { port1, port2 } = new MessageChannel();
          // (typed as Node's MessagePort here: the node project has no DOM types)
          (port1 as unknown as { onmessage: (event: { data: unknown }) => void }).onmessage = (event) => g[binding]!(event.data);
          g.__toTrainerWindow = (message) => port1.postMessage(message);
          g.__electronDeliver!(channel, [], [port2]);
        },
        [PORT_BINDING, TRAINER_PORT_MESSAGE] as const,
      );
      return page;
    })();
    // Messages reach the page in order, once it is ready; none after the window has closed.
    let sent: Promise<void> = ready.then(() => undefined);
    const port: TrainerPort = {
      postMessage(message) {
        const copied = structuredClone(message);
        sent = sent.then(async () => {
          if (closed) return;
          const page = await ready;
          await page.evaluate((m) => (globalThis as unknown as Record<string, (m: unknown) => void>).__toTrainerWindow!(m), copied);
        }).catch(() => undefined); // the page went: onGone says so
      },
      on: (_event, listener) => listeners.push(listener),
      start: () => undefined,
      close: () => undefined,
    };
    return {
      port,
      onGone: (listener) => (goneListener = listener),
      close: () => {
        closed = true;
        goneListener = undefined;
        void ready.then((page) => page.close());
      },
    };
  };

  return {
    open,
    pages,
    errors,
    async close() {
      await browser.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
