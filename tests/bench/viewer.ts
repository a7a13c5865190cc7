/**
 * The viewer's goals, in headless Chromium through the local server, on a study-length run of real
 * training (Fashion-MNIST, 1,000 images an epoch in batches of 50, 29 epochs with 20 snapshots inside the first: 49
 * snapshots; fc1's series alone is 78 MB):
 *   - switching layer → the new layer drawn: ≤ 50 ms, for every layer: the first switch to it, at
 *     once after the page drew the run (nothing of the layer fetched yet) and once the page settled,
 *     and a switch back to it after another;
 *   - an epoch step (→) → the canvas redrawn: ≤ 16 ms, for every layer;
 *   - on a 200-snapshot run (LeNet's shapes, random weights written straight into the store: the
 *     figure does not depend on the values), the page's memory stays within the weight budget while
 *     every layer is shown and played through.
 * Each figure is timed inside the page, from the click or key press to the `putImageData` that redraws
 * the canvas ("to canvas", the figure the goals are about), and to the first task after the frame that
 * shows it ("with paint"; software rendering here). The memory is the renderer process's private memory,
 * since the weights a page holds live in array buffers outside the JS heap. Printed beside them, for
 * scale: what the same bytes take from a bare HTTP server, with no app at all.
 *
 * The 49-snapshot run is trained once (about a minute) and kept in the temp folder; each bench copies it.
 * To measure a change, build the renderer from before it and name that build: its figures are printed
 * beside this one's, measured in the same run on the same data, e.g.
 *   git worktree add /tmp/before <commit> && (cd /tmp/before && npm ci && npm run build)
 *   WEIGHTLAPSE_BENCH_BEFORE=/tmp/before/out/renderer npm run bench viewer
 */

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { LAYERS, runConfigSchema, type LayerName, type TensorName } from '../../src-preload/api.ts';
import { appRoot, rendererDir } from '../../src-main/core/paths.ts';
import { openDatabase, SCHEMA_VERSION, type Db } from '../../src-main/core/store/db.ts';
import { createRun } from '../../src-main/core/store/runs.ts';
import { insertSnapshot } from '../../src-main/core/store/snapshots.ts';
import { startServer, type RunningServer } from '../../src-main/server/index.ts';
import { LENET_SHAPES } from '../helpers.ts';

const CHROMIUM = process.env.WEIGHTLAPSE_CHROMIUM ?? '/usr/bin/chromium';
const FASHION = '/usr/share/datasets/fashion-mnist';
/** 1,000 images in batches of 50: 20 batches, so 20 snapshots fit in the first epoch (one after each batch at most). */
const STUDY_RUN = { epochs: 29, snapshotsPerEpoch: 20, trainLimit: 1000, testLimit: 1000, batch: 50 };
const LONG_RUN_SNAPSHOTS = 200;
const MEMORY_BUDGET = 256 * 2 ** 20;
const bytesOf = (t: TensorName) => LENET_SHAPES[t].reduce((a, b) => a * b, 1) * 4;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const max = (xs: number[]) => Math.max(...xs);
const ms = (v: number) => `${v.toFixed(1).padStart(7)} ms`;
const verdict = (v: number, goal: number) => (v <= goal ? 'met' : 'MISSED');
const row = (what: string, cells: string[]) => console.log(`${what.padEnd(34)}${cells.join('  ')}`);

/** The study-length run, trained by the CLI into a database kept in the temp folder between benches. */
function studyRunDb(): string {
  // Named for the schema too: a file kept by a build with another schema is not this one's to open.
  const cached = join(tmpdir(), `weightlapse-bench-viewer-s${SCHEMA_VERSION}-${Object.values(STUDY_RUN).join('-')}.db`);
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

/** A finished run of LONG_RUN_SNAPSHOTS snapshots with LeNet's tensors and random weights, written straight into the store. */
function storeLongRun(db: Db): number {
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
      tensors: Object.entries(LENET_SHAPES).map(([name, shape]) => ({
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
  window.__draws = [];
  const put = CanvasRenderingContext2D.prototype.putImageData;
  CanvasRenderingContext2D.prototype.putImageData = function (...args) {
    put.apply(this, args);
    window.__draws.push({ t: performance.now(), testId: this.canvas.dataset.testid ?? null });
  };`;

/**
 * Runs `act` in the page (a click on a selector, or `key:Name`) and times it to the first draw of the
 * weights canvas after it ("to canvas": the figure with the goal), and to the first task after the
 * frame that shows it ("with paint"). The act runs at the start of a frame (in a requestAnimationFrame
 * callback), so a canvas redrawn at once is painted in that same frame. Null when nothing was drawn
 * within 20 s.
 */
function timeToDraw(page: Page, act: string): Promise<{ js: number; paint: number } | null> {
  return page.evaluate(`(async (action) => {
    const draws = window.__draws;
    const from = draws.length;
    let afterFrame = null;
    const t = await new Promise((started) => requestAnimationFrame(() => {
      started(performance.now());
      if (action.startsWith('key:')) window.dispatchEvent(new KeyboardEvent('keydown', { key: action.slice(4) }));
      else document.querySelector(action).click();
      // A task queued now runs once this frame has been rendered.
      setTimeout(() => (afterFrame = performance.now()), 0);
    }));
    const drawn = await new Promise((resolve) => {
      const poll = () => {
        const d = draws.slice(from).find((x) => x.testId === 'weights');
        if (d) resolve(d);
        else if (performance.now() - t > 20000) resolve(null);
        else setTimeout(poll, 0);
      };
      poll();
    });
    if (!drawn) return null;
    // Drawn within the act's own frame: that frame showed it. Drawn later (after a fetch): the next frame does.
    while (afterFrame === null) await new Promise((r) => setTimeout(r, 0));
    if (drawn.t <= afterFrame) return { js: drawn.t - t, paint: afterFrame - t };
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return { js: drawn.t - t, paint: performance.now() - t };
  })(${JSON.stringify(act)})`);
}

/** API calls the page has in flight, counted from the browser's network events. */
const inFlight = new WeakMap<Page, Set<unknown>>();
function countCalls(page: Page): void {
  const calls = new Set<unknown>();
  inFlight.set(page, calls);
  page.on('request', (r) => r.url().includes('/api/') && !r.url().includes('/api/events') && calls.add(r));
  page.on('requestfinished', (r) => calls.delete(r));
  page.on('requestfailed', (r) => calls.delete(r));
}

/** Waits until the page has had no API call in flight for `quietMs` (a layer's series has arrived, or its background loading ended). */
async function settle(page: Page, quietMs = 800): Promise<void> {
  const calls = inFlight.get(page)!;
  let quietSince = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    if (calls.size > 0) quietSince = Date.now();
    else if (Date.now() - quietSince >= quietMs) return;
  }
}

async function openPage(browser: Browser, server: RunningServer): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  countCalls(page);
  await page.addInitScript(RECORD_DRAWS);
  await page.goto(server.url);
  return page;
}

/** Opens the run at `layer` in a fresh page load (nothing fetched yet), waits for its picture, then for `quietMs` without calls. */
async function openRun(page: Page, server: RunningServer, runId: number, layer: LayerName, quietMs = 800): Promise<void> {
  // (By way of a blank page: the page may have written another layer into its URL since.)
  await page.goto('about:blank');
  await page.goto(new URL(`/#/run/${runId}?layer=${layer}`, server.origin).href);
  await page.waitForFunction(() => (globalThis as unknown as { __draws: { testId: string | null }[] }).__draws.some((d) => d.testId === 'weights'), undefined, {
    timeout: 120_000,
  });
  if (quietMs > 0) await settle(page, quietMs);
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

/** A process's private memory (resident pages no other process shares), from /proc. */
function privateBytes(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(rollup)?.[1] ?? 0);
  return (kb('Private_Clean') + kb('Private_Dirty')) * 1024;
}

interface Figures {
  /** Per layer: median ms to canvas, and with paint, of the first switch (at once, and once the page settled) and of a switch back. */
  cold: Record<LayerName, { js: number; paint: number }>;
  first: Record<LayerName, { js: number; paint: number }>;
  back: Record<LayerName, { js: number; paint: number }>;
  /** Per layer: median and p95 ms to canvas of an epoch step, median with paint. */
  steps: Record<LayerName, { js: number; p95: number; paint: number }>;
  /** Renderer memory above the run list's after each layer of the long run. */
  memory: number[];
}

const SAMPLES = 5;
const medianOf = (xs: { js: number; paint: number }[]) => ({ js: median(xs.map((x) => x.js)), paint: median(xs.map((x) => x.paint)) });

/** Every figure, for the renderer built in `rendererDir`, served from the database at `dbPath`. */
async function measure(browser: Browser, rendererDir: string, study: number, long: number, snapshots: number): Promise<Figures> {
  const server = await startServer({ dbPath, rendererDir, warn: () => {} });
  try {
    const page = await openPage(browser, server);
    const perLayer = <T>(make: () => T) => Object.fromEntries(LAYERS.map((l) => [l, make()])) as Record<LayerName, T>;

    // ---- Layer switch → first paint. Each sample opens the run afresh at the layer before and switches
    // as soon as that is drawn (nothing of the next layer fetched: "at once"); then opens it afresh
    // again and lets it settle as a person looking at it would before switching ("settled"); then back
    // to the layer before, and once more to this one, which the page has shown ("back").
    const cold = perLayer<{ js: number; paint: number }[]>(() => []);
    const first = perLayer<{ js: number; paint: number }[]>(() => []);
    const back = perLayer<{ js: number; paint: number }[]>(() => []);
    for (let k = 0; k < SAMPLES; k++) {
      for (const [i, layer] of LAYERS.entries()) {
        const before = LAYERS[(i + LAYERS.length - 1) % LAYERS.length]!;
        await openRun(page, server, study, before, 0);
        const c = await timeToDraw(page, `[data-testid="layer-${layer}"]`);
        if (!c) throw new Error(`switching to ${layer} drew nothing`);
        cold[layer].push(c);
        await openRun(page, server, study, before);
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
    const steps = perLayer(() => ({ js: [] as number[], paint: [] as number[] }));
    for (const layer of LAYERS) {
      await openRun(page, server, study, layer);
      await timeToDraw(page, 'key:Home');
      for (let i = 0; i < snapshots - 1; i++) {
        const t = (await timeToDraw(page, 'key:ArrowRight'))!;
        steps[layer].js.push(t.js);
        steps[layer].paint.push(t.paint);
      }
    }

    // ---- Memory on the long run: every layer shown and played through; after each, the private memory
    // of the renderer processes (the weights a page holds live in array buffers outside the JS heap).
    const cdp = await page.context().newCDPSession(page);
    const rendererMemory = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { processInfo } = (await (await browser.newBrowserCDPSession()).send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
      return processInfo.filter((p) => p.type === 'renderer').reduce((sum, p) => sum + privateBytes(p.id), 0);
    };
    await page.goto(new URL('/#/runs', server.origin).href);
    await page.reload();
    await settle(page);
    const base = await rendererMemory();
    await openRun(page, server, long, 'conv1');
    const memory: number[] = [];
    for (const layer of LAYERS) {
      if (layer !== 'conv1') await timeToDraw(page, `[data-testid="layer-${layer}"]`);
      await settle(page, 1500);
      for (const key of ['Home', 'End', 'Home']) await timeToDraw(page, `key:${key}`);
      await settle(page, 1500);
      memory.push((await rendererMemory()) - base);
    }
    await page.close();
    return {
      cold: Object.fromEntries(LAYERS.map((l) => [l, medianOf(cold[l])])) as Figures['cold'],
      first: Object.fromEntries(LAYERS.map((l) => [l, medianOf(first[l])])) as Figures['first'],
      back: Object.fromEntries(LAYERS.map((l) => [l, medianOf(back[l])])) as Figures['back'],
      steps: Object.fromEntries(
        LAYERS.map((l) => [l, { js: median(steps[l].js), p95: [...steps[l].js].sort((a, b) => a - b)[Math.floor(steps[l].js.length * 0.95)]!, paint: median(steps[l].paint) }]),
      ) as Figures['steps'],
      memory,
    };
  } finally {
    await server.close();
  }
}

const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
const dbPath = join(dir, 'bench.db');
copyFileSync(studyRunDb(), dbPath);
const db = openDatabase(dbPath);
const [study] = db.prepare('SELECT id FROM runs ORDER BY id').all() as { id: number }[];
const snapshots = (db.prepare('SELECT COUNT(*) AS n FROM snapshots WHERE run_id = ?').get(study!.id) as { n: number }).n;
const long = storeLongRun(db);
db.close();
/** A build of the renderer from before a change, to measure beside this one in the same run (see the top of this file). */
const beforeDir = process.env.WEIGHTLAPSE_BENCH_BEFORE;
const builds = [...(beforeDir ? [{ name: 'before', dir: beforeDir }] : []), { name: beforeDir ? 'now' : '', dir: rendererDir }];

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  console.log(`study-length run: ${snapshots} snapshots; fc1's series ${((snapshots * bytesOf('fc1/kernel')) / 1e6).toFixed(0)} MB`);
  const results: Figures[] = [];
  for (const b of builds) results.push(await measure(browser, b.dir, study!.id, long, snapshots));
  const now = results.at(-1)!;
  const cells = (pick: (f: Figures) => number, unit: (v: number) => string) => results.map((f) => unit(pick(f)));
  const heads = builds.map((b) => b.name.padStart(10));
  if (beforeDir) console.log(`before: ${beforeDir}`);

  console.log(`\nlayer switch → layer drawn, to canvas (with paint), median of ${SAMPLES}; goal ≤ 50 ms`);
  row('', (['cold', 'first', 'back'] as const).flatMap((k) => heads.map((h) => `${{ cold: 'at once', first: 'settled', back: 'back' }[k]} ${h}`.padStart(23))));
  for (const l of LAYERS) {
    const cellsOf = (k: 'cold' | 'first' | 'back') => results.map((f) => `${ms(f[k][l].js)} (${f[k][l].paint.toFixed(0).padStart(4)})`.padStart(23));
    row(`  ${l}`, [...cellsOf('cold'), ...cellsOf('first'), ...cellsOf('back'), ...(['cold', 'first', 'back'] as const).map((k) => verdict(now[k][l].js, 50))]);
  }
  console.log(`\nepoch step (→) → redrawn canvas, to canvas (with paint), median of ${snapshots - 1}; goal ≤ 16 ms`);
  row('', [...heads.map((h) => `median ${h}`.padStart(23)), ...heads.map((h) => `p95 ${h}`.padStart(12))]);
  for (const l of LAYERS) {
    row(`  ${l}`, [
      ...results.map((f) => `${ms(f.steps[l].js)} (${f.steps[l].paint.toFixed(0).padStart(4)})`.padStart(23)),
      ...cells((f) => f.steps[l].p95, ms).map((c) => c.padStart(12)),
      verdict(now.steps[l].js, 16),
    ]);
  }

  const [oneFc1, fc1Series] = await transportFloor(browser, [bytesOf('fc1/kernel'), snapshots * bytesOf('fc1/kernel')]);
  console.log(`\nfor scale, the same bytes from a bare HTTP server (no app), median of 7:`);
  row(`  one fc1 snapshot (${(bytesOf('fc1/kernel') / 1e6).toFixed(1)} MB)`, [ms(oneFc1!)]);
  row(`  fc1's whole series (${((snapshots * bytesOf('fc1/kernel')) / 1e6).toFixed(0)} MB)`, [ms(fc1Series!)]);

  console.log(`\n${LONG_RUN_SNAPSHOTS}-snapshot run: the page's renderer memory above the run list's after each layer (${LAYERS.join(', ')}); goal ≤ ${MEMORY_BUDGET / 2 ** 20} MiB of weights`);
  builds.forEach((b, k) => {
    const m = results[k]!.memory;
    row(`  ${b.name || 'page'}`, [`${m.map((p) => `${(p / 2 ** 20).toFixed(0)} MiB`).join(', ')}; most ${(max(m) / 2 ** 20).toFixed(0)} MiB`, k === results.length - 1 ? verdict(max(m), MEMORY_BUDGET) : '']);
  });
} finally {
  await browser.close();
  rmSync(dir, { recursive: true, force: true });
}
