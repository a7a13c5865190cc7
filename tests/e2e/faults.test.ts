/**
 * What the page shows when the machine misbehaves: a run that stopped because the disk filled up (its
 * error on the list and on its page), a data set whose folder moved (marked missing, located again
 * through the page, checksum-checked by the core), and a database on a read-only medium (a banner, and
 * training and edits off with the reason as each button's tooltip).
 */
import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addDatasetFromDisk, BUNDLED_SAMPLE_DIR } from '../../src-main/core/dataset-registry.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import { createRun } from '../../src-main/core/store/runs.ts';
import { startServer } from '../../src-main/server/index.ts';
import { runConfigSchema } from '../../src-preload/api.ts';
import { mountProblem, mountTmpfs, remount, unmount } from '../unit/core/store/filesystems.ts';
import { HOST, launchBrowser, newContext, openApp, screenshot } from './harness.ts';

const dir = mkdtempSync(join(tmpdir(), 'wl-e2e-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe(`faults, as the page shows them (${HOST} host)`, () => {
  it('a run that filled the disk shows why it stopped; a moved data set is marked missing and located again', async () => {
    const app = await openApp();
    try {
      const { db } = app.core.ctx;
      const folder = join(dir, 'fashion');
      cpSync(BUNDLED_SAMPLE_DIR, folder, { recursive: true });
      const dataset = await addDatasetFromDisk(db, folder, { name: 'Fashion-MNIST copy' });
      // The database may grow by about one snapshot and no more (SQLite's page limit: a full disk).
      db.pragma(`max_page_count = ${(db.pragma('page_count', { simple: true }) as number) + 1000}`);
      const run = await app.call('runs.start', { datasetId: dataset.id, config: { epochs: 3, trainLimit: 128, testLimit: 50, backend: 'wasm' } });
      await expect.poll(async () => (await app.call('runs.get', { id: run.id })).status, { interval: 500 }).toBe('failed');
      db.pragma('max_page_count = 4294967294');

      await app.goto('#/runs');
      const row = app.page.locator(`tr[data-run-id="${run.id}"]`);
      await expect.poll(() => row.locator('.run-error').textContent()).toMatch(/^disk full: there is no room to write to .*e2e\.db/);
      await expect.poll(() => row.locator('.chip').textContent()).toBe('failed');
      await app.screenshot('fault-disk-full-runs');
      await row.getByRole('link').click();
      await expect.poll(() => app.page.getByTestId('run-error').textContent()).toMatch(/disk full: .*Snapshot \d was not stored; .*free some space, then resume the run\./);
      await app.screenshot('fault-disk-full-run');

      renameSync(folder, join(dir, 'fashion-moved'));
      await app.goto(`#/datasets?id=${dataset.id}`);
      await expect.poll(() => app.page.getByTestId('dataset-problem').textContent()).toMatch(`missing ${folder}: does not exist`);
      await app.page.getByTestId('locate').click();
      const form = app.page.getByTestId('locate-form');
      await form.locator('input[name="path"]').fill(join(dir, 'fashion'));
      await form.getByRole('button', { name: 'Locate' }).click();
      await expect.poll(() => form.getByRole('alert').textContent()).toMatch('does not exist');
      await form.locator('input[name="path"]').fill(join(dir, 'fashion-moved'));
      await app.screenshot('fault-dataset-locate');
      await form.getByRole('button', { name: 'Locate' }).click();
      await expect.poll(() => app.page.getByTestId('dataset-problem').count()).toBe(0);
      expect((await app.call('datasets.list', {})).find((d) => d.id === dataset.id)).toMatchObject({ available: true, path: join(dir, 'fashion-moved') });
      expect(app.errors).toEqual([]);
    } finally {
      await app.close();
    }
  }, 300_000);

  it('a database on a read-only medium is browsed with training and edits off, saying why', async ({ skip }) => {
    if (mountProblem) skip(mountProblem);
    const medium = mountTmpfs(8);
    try {
      const dbPath = join(medium, 'shared.db');
      const db = openDatabase(dbPath);
      createRun(db, {
        name: 'archived run',
        datasetId: null,
        datasetName: 'Fashion-MNIST',
        datasetPath: '/media/archive/fashion',
        inputShape: [28, 28, 1],
        classes: [],
        config: runConfigSchema.parse({ epochs: 2 }),
        status: 'stopped',
      });
      db.close();
      remount(medium, 'ro');
      const server = await startServer({ dbPath, warn: () => {} });
      const browser = await launchBrowser();
      try {
        const page = await (await newContext(browser, { viewport: { width: 1280, height: 500 } })).newPage();
        await page.goto(server.url, { waitUntil: 'load' });
        const reason = `${dbPath} is on a read-only file system`;
        await expect.poll(() => page.getByTestId('read-only').textContent()).toMatch(`cannot be written (${reason}), so training and edits are off`);
        const newRun = page.getByTestId('new-run-button');
        expect(await newRun.isDisabled()).toBe(true);
        expect(await newRun.getAttribute('title')).toBe(`Read-only: ${reason}`);
        const row = page.locator('tr[data-run-id="1"]');
        for (const name of ['Resume', 'Rename', 'Delete']) {
          expect(await row.getByRole('button', { name }).isDisabled(), name).toBe(true);
          expect(await row.getByRole('button', { name }).getAttribute('title'), name).toBe(`Read-only: ${reason}`);
        }
        await screenshot(page, 'fault-read-only');
      } finally {
        await browser.close();
        await server.close();
      }
    } finally {
      unmount(medium);
    }
  }, 120_000);
});
