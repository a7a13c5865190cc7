/**
 * The viewer's goals, in headless Chromium through the local server, on a study-length run of real
 * training (Fashion-MNIST, 1,000 images an epoch in batches of 50, 29 epochs with 20 snapshots inside the first: 49
 * snapshots; fc1's series alone is 78 MB):
 *   - switching layer → the new layer drawn: ≤ 50 ms, for every layer (the first switch to a layer
 *     after the page opened, and a switch back to a layer shown before);
 *   - an epoch step (→) → the canvas redrawn: ≤ 16 ms, for every layer;
 *   - on a 200-snapshot run (LeNet's shapes, random weights written straight into the store: the
 *     figure does not depend on the values), the page's memory stays within the weight budget while
 *     every layer is shown and played through.
 * Each figure is timed inside the page, from the click or key press to the `putImageData` that draws
 * the canvas ("JS"), and to the next task after the frame that shows it ("with paint"). Printed beside
 * them, for scale: what the same bytes take from a bare HTTP server, with no app at all.
 *
 * The 49-snapshot run is trained once (about a minute) and kept in the temp folder; each bench copies it.
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LAYERS, runConfigSchema, type LayerName, type TensorName } from '../../src-preload/api.ts';
import { appRoot } from '../../src-main/core/paths.ts';
import { openDatabase } from '../../src-main/core/store/db.ts';
import { createRun } from '../../src-main/core/store/runs.ts';
import { insertSnapshot } from '../../src-main/core/store/snapshots.ts';
import { startServer, type RunningServer } from '../../src-main/server/index.ts';

const CHROMIUM = process.env.WEIGHTLAPSE_CHROMIUM ?? '/usr/bin/chromium';
const FASHION = '/usr/share/datasets/fashion-mnist';
/** 1,000 images in batches of 50: 20 batches, so 20 snapshots fit in the first epoch (one after each batch at most). */
const STUDY_RUN = { epochs: 29, snapshotsPerEpoch: 20, trainLimit: 1000, testLimit: 1000, batch: 50 };
const LONG_RUN_SNAPSHOTS = 200;
const MEMORY_BUDGET = 256 * 2 ** 20;
const SHAPES: Record<TensorName, number[]> = {
  'conv1/kernel': [5, 5, 1, 20], 'conv1/bias': [20],
  'conv2/kernel': [5, 5, 20, 50], 'conv2/bias': [50],
  'fc1/kernel': [800, 500], 'fc1/bias': [500],
  'fc2/kernel': [500, 10], 'fc2/bias': [10],
};
const bytesOf = (t: TensorName) => SHAPES[t].reduce((a, b) => a * b, 1) * 4;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);
const ms = (v: number) => `${v.toFixed(1).padStart(7)} ms`;
const verdict = (v: number, goal: number) => (v <= goal ? 'met' : 'MISSED');
const row = (what: string, cells: string[]) => console.log(`${what.padEnd(34)}${cells.join('  ')}`);

/** The study-length run, trained by the CLI into a database kept in the temp folder between benches. */
function studyRunDb(): string {
  const cached = join(tmpdir(), `weightlapse-bench-viewer-${Object.values(STUDY_RUN).join('-')}.db`);
  if (existsSync(cached)) return cached;
  console.log(`training the study-length run once (${STUDY_RUN.epochs} epochs of ${STUDY_RUN.trainLimit} Fashion-MNIST images) into ${cached} …`);
  const partial = `${cached}.partial`;
  rmSync(partial, { force: true });
  const r = spawnSync(
    process.execPath,
    [join(appRoot, 'src-main/cli/weightlapse.mjs'), 'train', '--data', FASHION, '--epochs', String(STUDY_RUN.epochs),
      '--snapshots-per-epoch', String(STUDY_RUN.snapshotsPerEpoch), '--train-limit', String(STUDY_RUN.trainLimit),
      '--test-limit', String(STUDY_RUN.testLimit), '--batch', String(STUDY_RUN.batch), '--name', 'study-length', '--db', partial, '--json'],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'inherit'] },
  );
  if (r.status !== 0) throw new Error(`training the bench run failed (exit ${r.status})`);
  const db = openDatabase(partial);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  copyFileSync(partial, cached);
  rmSync(partial, { force: true });
  return cached;
}

/** A finished run of `snapshots` snapshots with LeNet's tensors and random weights, written straight into the store. */
function storeLongRun(server: RunningServer): number {
  const db = server.core.ctx.db;
  const runId = createRun(db, {
    name: `${LONG_RUN_SNAPSHOTS} snapshots`, datasetId: null, datasetName: 'random', datasetPath: '-', inputShape: [28, 28, 1],
    classes: Array.from({ length: 10 }, (_, i) => String(i)), config: runConfigSchema.parse({ epochs: LONG_RUN_SNAPSHOTS - 1 }), status: 'done',
  });
  const change = { norm: 1, relChangePrev: 0.01, relChangeInit: 0.1 };
  for (let seq = 0; seq < LONG_RUN_SNAPSHOTS; seq++) {
    insertSnapshot(db, runId, {
      seq, epoch: seq,
      metrics: { trainLoss: 1 / (seq + 1), trainAccuracy: 0.9, testLoss: 1 / (seq + 1), testAccuracy: 0.88 },
      layers: Object.fromEntries(LAYERS.map((l) => [l, change])) as Record<LayerName, typeof change>,
      tensors: Object.entries(SHAPES).map(([name, shape]) => ({
        name: name as TensorName, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.random() - 0.5),
      })),
    });
  }
  return runId;
}

/**
 * Records, in the page, every `putImageData` with the test id of the canvas it drew on. (The in-page code
 * is a string: tsx would wrap named functions in a helper that the page does not have.)
 */
const RECORD_DRAWS = `
  performance.setResourceTimingBufferSize(100000); // the default keeps 250 entries; settle() reads them all
  window.__draws = [];
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...args) {
    put.apply(this, args);
    window.__draws.push({ t: performance.now(), testId: this.canvas.dataset.testid ?? null });
  };`;

/**
 * Runs `act` in the page (a click on a selector, or `key:Name`) and times it to the first draw of the
 * weights canvas after it ("JS"), and to the first task after the next frame ("with paint"). Null when
 * nothing was drawn within 20 s.
 */
function timeToDraw(page: Page, act: string): Promise<{ js: number; paint: number } | null> {
  return page.evaluate(`(async (action) => {
    const draws = window.__draws;
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    const from = draws.length;
    const t = performance.now();
    if (action.startsWith('key:')) window.dispatchEvent(new KeyboardEvent('keydown', { key: action.slice(4) }));
    else document.querySelector(action).click();
    const drawn = await new Promise((resolve) => {
      const poll = () => {
        const d = draws.slice(from).find((x) => x.testId === 'weights');
        if (d) resolve(d);
        else if (performance.now() - t > 20000) resolve(null);
        else setTimeout(poll, 0);
      };
      queueMicrotask(poll);
    });
    if (!drawn) return null;
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return { js: drawn.t - t, paint: performance.now() - t };
  })(${JSON.stringify(act)})`);
}

/** Waits until the page has made no API call for `quietMs` (a layer's series has arrived, or its background loading ended). */
async function settle(page: Page, quietMs = 800): Promise<void> {
  await page.waitForFunction(
    (quiet) => {
      const calls = performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/'));
      const last = Math.max(0, ...calls.map((e) => (e as unknown as { responseEnd: number }).responseEnd));
      return performance.now() - last > quiet;
    },
    quietMs,
    { polling: 100, timeout: 600_000 },
  );
}

async function openPage(browser: Browser, server: RunningServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.addInitScript(RECORD_DRAWS);
  await page.goto(server.url);
  return page;
}

/** Opens the run at `layer` in a fresh page load (nothing fetched yet) and waits for it to settle. */
async function openRun(page: Page, server: RunningServer, runId: number, layer: LayerName): Promise<void> {
  await page.goto(new URL(`/#/run/${runId}?layer=${layer}`, server.origin).href);
  await page.reload();
  await page.getByTestId('weights').waitFor({ timeout: 120_000 });
  await settle(page);
}

/** SERIES_BYTES-sized bodies from a bare node:http server, read the way the app's client reads them (fetch, blob, arrayBuffer). */
async function transportFloor(browser: Browser, sizes: number[]): Promise<number[]> {
  const bare = createServer((req, res) => {
    const size = Number(new URL(req.url!, 'http://x').searchParams.get('bytes'));
    if (size > 0) res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': size }).end(new Uint8Array(size).fill(7));
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>floor</title>');
  });
  await new Promise<void>((listening) => bare.listen(0, '127.0.0.1', listening));
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);
    const out: number[] = [];
    for (const size of sizes) {
      const times = await page.evaluate(async (bytes) => {
        const t: number[] = [];
        for (let i = 0; i < 9; i++) {
          const start = performance.now();
          await (await (await fetch(`/bytes?bytes=${bytes}`)).blob()).arrayBuffer();
          t.push(performance.now() - start);
        }
        return t.slice(2);
      }, size);
      out.push(median(times));
    }
    return out;
  } finally {
    await page.close();
    bare.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
const dbPath = join(dir, 'bench.db');
copyFileSync(studyRunDb(), dbPath);
const server = await startServer({ dbPath, warn: () => {} });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const [study] = await server.core.ctx.db.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[];
  const snapshots = (server.core.ctx.db.prepare('SELECT COUNT(*) AS n FROM snapshots WHERE run_id = ?').get(study!.id) as { n: number }).n;
  console.log(`study-length run: ${snapshots} snapshots; fc1's series ${((snapshots * bytesOf('fc1/kernel')) / 1e6).toFixed(0)} MB`);
  const page = await openPage(browser, server);

  // ---- Layer switch → first paint. Each sample opens the run afresh at the layer before (so nothing of
  // the next one is fetched yet), lets it settle as a person looking at it would, then switches.
  const first: Record<LayerName, { js: number; paint: number }[]> = { conv1: [], conv2: [], fc1: [], fc2: [] };
  const back: Record<LayerName, { js: number; paint: number }[]> = { conv1: [], conv2: [], fc1: [], fc2: [] };
  const SAMPLES = 5;
  for (let k = 0; k < SAMPLES; k++) {
    for (const [i, layer] of LAYERS.entries()) {
      const before = LAYERS[(i + LAYERS.length - 1) % LAYERS.length]!;
      await openRun(page, server, study!.id, before);
      const t = await timeToDraw(page, `[data-testid="layer-${layer}"]`);
      if (!t) throw new Error(`switching to ${layer} drew nothing`);
      first[layer].push(t);
      await settle(page);
      await timeToDraw(page, `[data-testid="layer-${before}"]`);
      await settle(page);
      back[layer].push((await timeToDraw(page, `[data-testid="layer-${layer}"]`))!);
    }
  }

  // ---- Epoch step → redrawn canvas, with the layer's series loaded.
  const steps: Record<LayerName, { js: number[]; paint: number[] }> = { conv1: { js: [], paint: [] }, conv2: { js: [], paint: [] }, fc1: { js: [], paint: [] }, fc2: { js: [], paint: [] } };
  for (const layer of LAYERS) {
    await openRun(page, server, study!.id, layer);
    await timeToDraw(page, 'key:Home');
    for (let i = 0; i < snapshots - 1; i++) {
      const t = (await timeToDraw(page, 'key:ArrowRight'))!;
      steps[layer].js.push(t.js);
      steps[layer].paint.push(t.paint);
    }
  }

  console.log(`\nlayer switch → first paint, median of ${SAMPLES} (goal ≤ 50 ms)`);
  row('', ['first switch: JS  ', 'with paint', '   switch back: JS', 'with paint']);
  for (const layer of LAYERS) {
    const f = first[layer];
    const b = back[layer];
    const paint = median(f.map((x) => x.paint));
    row(`  ${layer}`, [ms(median(f.map((x) => x.js))), ms(paint), '    ' + ms(median(b.map((x) => x.js))), ms(median(b.map((x) => x.paint))), verdict(Math.max(paint, median(b.map((x) => x.paint))), 50)]);
  }
  console.log(`\nepoch step (→) → redrawn canvas, median of ${snapshots - 1} (goal ≤ 16 ms)`);
  row('', ['JS        ', 'with paint', 'p95 with paint']);
  for (const layer of LAYERS) {
    const s = steps[layer];
    const p95 = [...s.paint].sort((a, b) => a - b)[Math.floor(s.paint.length * 0.95)]!;
    row(`  ${layer}`, [ms(median(s.js)), ms(median(s.paint)), ms(p95), verdict(median(s.paint), 16)]);
  }

  const [oneFc1, fc1Series] = await transportFloor(browser, [bytesOf('fc1/kernel'), snapshots * bytesOf('fc1/kernel')]);
  console.log(`\nfor scale, the same bytes from a bare HTTP server (no app), median of 7:`);
  row(`  one fc1 snapshot (${(bytesOf('fc1/kernel') / 1e6).toFixed(1)} MB)`, [ms(oneFc1!)]);
  row(`  fc1's whole series (${((snapshots * bytesOf('fc1/kernel')) / 1e6).toFixed(0)} MB)`, [ms(fc1Series!)]);

  // ---- Memory on a long run: every layer shown and played through, then the page's heap (JS objects
  // and the array buffers behind them) after a full garbage collection.
  const long = storeLongRun(server);
  const cdp = await page.context().newCDPSession(page);
  const heap = async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const h = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number; backingStorageSize?: number };
    return h.usedSize + (h.backingStorageSize ?? 0);
  };
  await page.goto(new URL('/#/runs', server.origin).href);
  await page.reload();
  await settle(page);
  const base = await heap();
  const peaks: number[] = [];
  for (const layer of LAYERS) {
    await page.goto(new URL(`/#/run/${long}?layer=${layer}`, server.origin).href);
    await page.getByTestId('weights').waitFor({ timeout: 120_000 });
    await settle(page, 1500);
    for (const key of ['Home', 'End', 'Home']) await timeToDraw(page, `key:${key}`);
    await settle(page, 1500);
    peaks.push((await heap()) - base);
  }
  const peak = max(peaks);
  console.log(
    `\n${LONG_RUN_SNAPSHOTS}-snapshot run, page memory above the empty page after each layer (${LAYERS.join(', ')}):\n  ` +
      `${peaks.map((p) => `${(p / 2 ** 20).toFixed(0)} MiB`).join(', ')}; most ${(peak / 2 ** 20).toFixed(0)} MiB ` +
      `(goal ≤ ${MEMORY_BUDGET / 2 ** 20} MiB: ${verdict(peak, MEMORY_BUDGET)})`,
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
