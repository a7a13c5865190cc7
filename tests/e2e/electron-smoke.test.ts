/**
 * The desktop app itself, through Playwright's Electron driver: launch, first window, one call through
 * the preload bridge, real data on screen, the sandbox in place, a tiny run trained from the UI in a
 * utility process, and a clean close. It runs wherever Electron can run (its binary is installed and,
 * on Linux, there is a display) and is skipped, saying why, elsewhere; the desktop host
 * (tests/e2e/hosts/desktop.ts) runs the rest of the desktop path without the binary.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfigSchema, type ApiResult, type DatasetInfo, type RunDetail } from '../../src-preload/api.ts';
import { createHandlers } from '../../src-main/core/api/handlers.ts';
import { appRoot } from '../../src-main/core/paths.ts';
import { openCore } from '../../src-main/core/startup.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import { listRuns } from '../../src-main/core/store/runs.ts';
import { forkTrainer } from '../../src-main/core/training/fork.ts';
import { electronSqliteBinding, findElectron } from '../../src-main/electron/electron-runtime.ts';
import { PAGE_WAIT_MS, screenshot } from './harness.ts';
import { until } from '../helpers.ts';

const electron = findElectron();
if (!electron.ok) console.warn(`electron-smoke: skipped: ${electron.reason}`);

/** The page's globals these checks read (the project is type-checked without the DOM library). */
interface PageGlobals {
  weightlapse: { call(method: string, input: unknown): Promise<ApiResult<unknown>> };
  require?: unknown;
  process?: unknown;
  location: { href: string; hash: string };
}

describe.skipIf(!electron.ok)(`the desktop app${electron.ok ? '' : ` (skipped: ${electron.reason})`}`, () => {
  let app: ElectronApplication;
  let page: Page;
  let dir: string;
  let closed = false;
  const call = (method: string, input: unknown) =>
    page.evaluate(([m, i]) => (globalThis as unknown as PageGlobals).weightlapse.call(m, i), [method, input] as const);

  beforeAll(async () => {
    if (!electron.ok) return;
    dir = mkdtempSync(join(tmpdir(), 'wl-electron-'));
    app = await _electron.launch({
      executablePath: electron.binary,
      // Chromium refuses to start as root with its sandbox on (CI containers).
      args: [appRoot, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: {
        ...process.env,
        WEIGHTLAPSE_DB: join(dir, 'smoke.db'),
        WEIGHTLAPSE_SQLITE_BINDING: electronSqliteBinding(electron.version),
      },
    });
    page = await app.firstWindow();
    page.setDefaultTimeout(PAGE_WAIT_MS);
    await page.waitForLoadState('load');
  });

  afterAll(async () => {
    if (!closed) await app?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opens one sandboxed window on the built page', async () => {
    expect(app.windows()).toHaveLength(1);
    await until('the title naming the database', async () => (await page.title()) === 'smoke.db — Weightlapse');
    const globals = await page.evaluate(() => {
      const g = globalThis as unknown as PageGlobals;
      return { href: g.location.href, require: typeof g.require, process: typeof g.process, bridge: Object.keys(g.weightlapse).sort() };
    });
    expect(globals.href).toMatch(/^file:\/\/.*\/out\/renderer\/index\.html/);
    expect(globals).toMatchObject({ require: 'undefined', process: 'undefined', bridge: ['call', 'on', 'pathForFile'] });
  });

  it('answers a call through the preload bridge with real data, and refuses bad input as data', async () => {
    const result = await page.evaluate(() => (globalThis as unknown as PageGlobals).weightlapse.call('datasets.list', {}));
    expect(result.ok).toBe(true);
    const sample = (result as { ok: true; value: DatasetInfo[] }).value.find((d) => d.bundled);
    expect(sample?.train.count).toBe(6000);
    const bad = await page.evaluate(() => (globalThis as unknown as PageGlobals).weightlapse.call('runs.get', { id: '../1' }));
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'id' } });
  });

  it('shows the bundled data set on the data sets page', async () => {
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.hash = '#/datasets';
    });
    await page.getByText('Fashion-MNIST sample').first().waitFor({ state: 'visible' });
    await screenshot(page, 'electron-datasets');
  });

  it('trains a tiny run from the new-run form in a utility process', async () => {
    await page.evaluate(() => {
      (globalThis as unknown as PageGlobals).location.hash = '#/runs?new=1';
    });
    const form = page.getByTestId('new-run');
    await form.waitFor();
    await form.locator('input[name="epochs"]').fill('1');
    await form.locator('input[name="trainLimit"]').fill('256');
    await form.locator('input[name="testLimit"]').fill('64');
    await form.locator('select[name="backend"]').selectOption('wasm');
    await form.getByRole('button', { name: 'Start training' }).click();
    await page.waitForURL(/#\/run\/\d+/);
    const id = Number(/#\/run\/(\d+)/.exec(page.url())![1]);
    const status = async () => ((await call('runs.get', { id })) as { ok: true; value: RunDetail }).value.status;
    await expect.poll(status, { interval: 1000 }).toBe('done');
    await page.locator('.chip.done').waitFor();
    await screenshot(page, 'electron-run');
  });

  it('closes cleanly: the process exits 0 and the run stays stored', async () => {
    const exited = new Promise<number | null>((resolve) => app.process().once('exit', (code) => resolve(code)));
    await app.close();
    closed = true;
    expect(await exited).toBe(0);
    const db = openDatabase(join(dir, 'smoke.db'), { readonly: true });
    try {
      expect(listRuns(db)).toMatchObject([{ status: 'done', epochsDone: 1 }]);
    } finally {
      db.close();
    }
  });
});

/**
 * What of the desktop app runs without Electron: the built trainer entry (out/main/trainer-process.js, which
 * the app starts with utilityProcess.fork) must load and train from the bundle, not only from the
 * sources. Forked with Node here; a bundling mistake (a clashing shim, a chunk path) fails this.
 */
describe('the desktop bundle', () => {
  it("trains a tiny run with the built trainer entry", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wl-bundle-'));
    const core = await openCore(join(dir, 'bundle.db'), {
      shell: 'desktop',
      spawnTrainer: forkTrainer(join(appRoot, 'out', 'main', 'trainer-process.js')),
    });
    try {
      const handlers = createHandlers(core.ctx);
      const datasetId = (await handlers['datasets.list']({})).find((d) => d.bundled)!.id;
      const config = runConfigSchema.parse({ epochs: 1, trainLimit: 128, testLimit: 64, batchSize: 32, backend: 'wasm' });
      const run = await handlers['runs.start']({ datasetId, config });
      const finished = await new Promise<string>((resolve) => {
        const poll = setInterval(async () => {
          const detail = await handlers['runs.get']({ id: run.id });
          if (detail.status !== 'running') {
            clearInterval(poll);
            resolve(`${detail.status} ${detail.error ?? ''} ${detail.snapshots.length}`);
          }
        }, 250);
      });
      expect(finished).toBe('done  2');
    } finally {
      await core.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
