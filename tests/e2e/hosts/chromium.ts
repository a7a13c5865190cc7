/**
 * What both hosts share: the headless Chromium the tests drive, the page's error log, screenshots, and
 * the app as a test sees it (`OpenApp`), whichever host serves it.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import type { Input, MethodName, Output } from '../../../src-preload/api.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import type { Core } from '../../../src-main/core/startup.ts';

/** The browser the tests drive; the e2e global setup makes sure it exists. */
export const CHROMIUM = process.env.WEIGHTLAPSE_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOT_DIR = join(appRoot, 'test-results', 'screenshots');

/** The local server in a browser, or the desktop app's window (its preload and IPC, Electron stood in for). */
export type Host = 'browser' | 'desktop';

export async function launchBrowser(extraArgs: string[] = []): Promise<Browser> {
  // Playwright gives every launch a fresh temporary profile (user-data-dir) and removes it afterwards.
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', ...extraArgs],
  });
}

/**
 * How long Playwright waits for an element or an event before it fails (its own default: 30 s). A
 * backstop as long as expect.poll's (vitest.config.ts): on a loaded machine a page's work of seconds takes minutes.
 */
export const PAGE_WAIT_MS = 300_000;

/** A fresh context (its own cookies and storage) whose waits have that backstop. */
export async function newContext(browser: Browser, options?: BrowserContextOptions): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  context.setDefaultTimeout(PAGE_WAIT_MS);
  return context;
}

export async function screenshot(page: Page, name: string, of?: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^\w.-]+/g, '-')}.png`);
  await (of ? page.locator(of).screenshot({ path }) : page.screenshot({ path, fullPage: true }));
  return path;
}

/** A GIF as the app delivered it: downloaded by the browser, or written where the save dialog said. */
export interface SavedGif {
  name: string;
  bytes: Uint8Array;
}

/** The app on either host, as the tests drive it. */
export interface OpenApp {
  host: Host;
  /** The database the app has open, and its core (for seeding, or sending events to the page). */
  dbPath: string;
  core: Core;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /**
   * Uncaught page errors and console errors, in order: a test can assert there were none. Failed
   * requests are not in here (tests ask for some on purpose): see `failedRequests`.
   */
  errors: string[];
  /** `STATUS METHOD path` of every response ≥ 400 (the page names its icon: no favicon probe either). */
  failedRequests: string[];
  /** test-results/screenshots/NAME.png (desktop-NAME.png on the desktop host): the page, or the element `of` (a CSS selector). */
  screenshot(name: string, of?: string): Promise<string>;
  /** A call through the API the page uses: HTTP with the page's cookie, or IPC as from the window's preload. */
  call<M extends MethodName>(method: M, input: Input<M>): Promise<Output<M>>;
  /** Shows a route of the app (`#/runs`, `#/run/1?layer=conv2`, …) as if typed into the address bar. */
  goto(route: string): Promise<void>;
  /** Runs `trigger` (a click, a key) and returns the GIF that the app then exported. */
  exportedGif(trigger: () => Promise<unknown>): Promise<SavedGif>;
  close(): Promise<void>;
}

/** Records the page's errors and failed responses (see `OpenApp`), into `record` when given (a window's next page). */
export function watchPage(page: Page, record: Pick<OpenApp, 'errors' | 'failedRequests'> = { errors: [], failedRequests: [] }): Pick<OpenApp, 'errors' | 'failedRequests'> {
  const { errors, failedRequests } = record;
  page.on('pageerror', (err) => errors.push(`page error: ${err.message}`));
  page.on('console', (msg) => {
    // Chromium logs every 4xx/5xx response as a console error; those are in failedRequests.
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) errors.push(`console error: ${msg.text()}`);
  });
  page.on('response', (res) => {
    if (res.status() >= 400) failedRequests.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`);
  });
  return record;
}
