/**
 * The viewer's two speed goals, in Chromium through the local server:
 *   - switching epochs redraws the conv2 grid (50 × 20 kernels of 5×5) within one frame: ≤ 16 ms;
 *   - fetching conv2's whole 30-epoch series (31 snapshots, 3.1 MB) through the server: ≤ 50 ms, from
 *     the app's API call to its decoded result, as the viewer makes it when a person switches layer.
 *     Printed beside it, for scale: what the same bytes take from a bare HTTP server.
 * The runs are written straight into the store with LeNet's shapes and random weights: neither figure
 * depends on the values, and training 30 real epochs would only make the benchmark slow to start.
 */

// The measuring code below runs inside the page; these are its browser globals (this project type-checks
// against Node's, not the DOM's).
declare const requestAnimationFrame: (callback: () => void) => number;
declare const window: { dispatchEvent(event: unknown): boolean };
declare const location: { hash: string };
declare const KeyboardEvent: new (type: string, init: { key: string }) => unknown;
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { LAYERS, runConfigSchema, type TensorName } from '../../src-preload/api.ts';
import { startServer } from '../../src-main/server/index.ts';
import { createRun } from '../../src-main/core/store/runs.ts';
import { insertSnapshot } from '../../src-main/core/store/snapshots.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';

const EPOCHS = 30;
const SHAPES: Record<TensorName, number[]> = {
  'conv1/kernel': [5, 5, 1, 20], 'conv1/bias': [20],
  'conv2/kernel': [5, 5, 20, 50], 'conv2/bias': [50],
  'fc1/kernel': [800, 500], 'fc1/bias': [500],
  'fc2/kernel': [500, 10], 'fc2/bias': [10],
};
const CHROMIUM = process.env.WEIGHTLAPSE_CHROMIUM ?? '/usr/bin/chromium';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const report = (what: string, ms: number, goal: number, extra = '') =>
  console.log(`${what.padEnd(58)} ${ms.toFixed(1).padStart(6)} ms  (goal ≤ ${goal} ms: ${ms <= goal ? 'met' : 'MISSED'})${extra}`);

const SERIES_BYTES = (EPOCHS + 1) * SHAPES['conv2/kernel'].reduce((a, b) => a * b, 1) * 4;

/** The latest `api weights.series` measure the page's API client recorded. */
const seriesMeasure = (page: Page) =>
  page.evaluate(() => {
    const [m] = performance.getEntriesByName('api weights.series');
    return m && { startTime: m.startTime, duration: m.duration };
  });

const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
const server = await startServer({ dbPath: join(dir, 'bench.db'), warn: () => {} });

/** A finished run of EPOCHS epochs with LeNet's tensors, written straight into the server's store. */
function storeRun(name: string): number {
  const db = server.core.ctx.db;
  const runId = createRun(db, {
    name, datasetId: null, datasetName: 'random', datasetPath: '-', inputShape: [28, 28, 1],
    classes: Array.from({ length: 10 }, (_, i) => String(i)), config: runConfigSchema.parse({ epochs: EPOCHS }), status: 'done',
  });
  const change = { norm: 1, relChangePrev: 0.01, relChangeInit: 0.1 };
  for (let seq = 0; seq <= EPOCHS; seq++) {
    insertSnapshot(db, runId, {
      seq, epoch: seq,
      metrics: { trainLoss: 1 / (seq + 1), trainAccuracy: 0.9, testLoss: 1 / (seq + 1), testAccuracy: 0.88 },
      layers: Object.fromEntries(LAYERS.map((l) => [l, change])) as Record<(typeof LAYERS)[number], typeof change>,
      tensors: Object.entries(SHAPES).map(([name, shape]) => ({
        name: name as TensorName, shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => Math.random() - 0.5),
      })),
    });
  }
  return runId;
}

/**
 * What this browser on this machine needs to move the series' bytes into a page at all: SERIES_BYTES
 * from a bare node:http server (no database, no encoding), read the way the app's client reads them
 * (fetch, blob, arrayBuffer). The app's figure can only be this plus its own work.
 */
async function transportFloor(): Promise<number[]> {
  const bytes = new Uint8Array(SERIES_BYTES).fill(7);
  const bare = createServer((req, res) => {
    if (req.url === '/bytes') res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': bytes.byteLength }).end(bytes);
    else res.writeHead(200, { 'Content-Type': 'text/html' }).end('<!doctype html><title>floor</title>');
  });
  await new Promise<void>((listening) => bare.listen(0, '127.0.0.1', listening));
  const page = await browser.newPage();
  try {
    await page.goto(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);
    const times = await page.evaluate(async (n) => {
      const ms: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await (await (await fetch('/bytes')).blob()).arrayBuffer();
        ms.push(performance.now() - t);
      }
      return ms;
    }, 25);
    return times.slice(10); // as warm as the app's client, which has made many calls by then
  } finally {
    await page.close();
    bare.close();
  }
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const runIds = [storeRun('bench A'), storeRun('bench B')];
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(server.url);
  await page.goto(new URL(`/#/run/${runIds[0]}?layer=conv2`, server.origin).href);
  await page.getByTestId('weights').waitFor();

  // Epoch step → canvas redrawn. "JS": the key's handler, Vue's update (picture, readout, markers) and
  // putImageData, which all finish in the microtasks after the key event. "with paint": until the next
  // task, which runs after the browser's style, layout and paint when a frame is due (software
  // rasterization here: no GPU).
  const steps = await page.evaluate(async (n) => {
    const js: number[] = [];
    const paint: number[] = [];
    for (let i = 0; i < n; i++) {
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      const t = performance.now();
      window.dispatchEvent(new KeyboardEvent('keydown', { key: i % 31 === 0 ? 'Home' : 'ArrowRight' }));
      await new Promise((r) => queueMicrotask(() => r(null)));
      js.push(performance.now() - t);
      await new Promise((r) => setTimeout(r, 0));
      paint.push(performance.now() - t);
    }
    return { js, paint };
  }, 90);
  report('conv2 grid redraw on epoch change, JS (median of 90)', median(steps.js), 16, `; p95 ${p95(steps.js).toFixed(1)} ms`);
  report('conv2 grid redraw on epoch change, with paint (median of 90)', median(steps.paint), 16, `; p95 ${p95(steps.paint).toFixed(1)} ms`);

  // The whole conv2 series, as the viewer fetches it when a person switches to the layer: the app's own
  // API client (POST, the server reads 31 blobs, the wire format back, decoded into a Float32Array),
  // timed by the `api weights.series` measure the client records. Each sample opens the other run at
  // conv1, lets the page settle, then switches to conv2, whose series that run has not fetched yet.
  const fetches: number[] = [];
  const nextSeriesCall = async (act: () => Promise<unknown>) => {
    const before = await seriesMeasure(page);
    await act();
    await page.waitForFunction((prev) => {
      const [m] = performance.getEntriesByName('api weights.series');
      return m !== undefined && m.startTime !== prev;
    }, before?.startTime ?? -1);
    return (await seriesMeasure(page))!.duration;
  };
  for (let i = 0; i < 16; i++) {
    const id = runIds[(i + 1) % 2]!; // run A is open: B first
    await nextSeriesCall(() => page.evaluate((hash) => (location.hash = hash), `#/run/${id}?layer=conv1`));
    await page.waitForTimeout(300);
    fetches.push(await nextSeriesCall(() => page.getByTestId('layer-conv2').click()));
  }
  report(
    `conv2 series, ${EPOCHS + 1} snapshots (${(SERIES_BYTES / 1e6).toFixed(1)} MB), on switching layer (median of 15)`,
    median(fetches.slice(1)), 50, `; first ${fetches[0]!.toFixed(1)} ms; p95 ${p95(fetches.slice(1)).toFixed(1)} ms`,
  );
  const floor = await transportFloor();
  console.log(
    `${'  for scale: the same bytes from a bare HTTP server, no app (median of 15)'.padEnd(58)} ${median(floor).toFixed(1).padStart(6)} ms`,
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
