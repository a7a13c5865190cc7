/**
 * The activation view's speed goals:
 *   - main side: the maps and probabilities of 16 pinned inputs for one snapshot ≤ 30 ms, and for every
 *     snapshot of a 30-epoch run (31 snapshots) ≤ 1 s, through the app's own service: weights read from
 *     SQLite, the forward pass in the (warm) forward-pass process, results back and cached;
 *   - the page: an epoch step of the activation view (16 inputs: conv1, pool1, conv2 and the
 *     probabilities redrawn) ≤ 16 ms in Chromium, through the local server.
 * The runs hold LeNet-shaped random weights written straight into the store (the figures do not depend
 * on the values); the images are real Fashion-MNIST test images (the bundled sample without the full set).
 * Each timed call asks for 16 test images not asked for before, so nothing comes from the cache.
 *
 *   npm run bench activations
 */

// The page-side measurement runs inside the page; these are its browser globals (this project
// type-checks against Node's, not the DOM's).
declare const requestAnimationFrame: (callback: () => void) => number;
declare const window: { dispatchEvent(event: unknown): boolean };
declare const KeyboardEvent: new (type: string, init: { key: string }) => unknown;
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { MAX_PINS } from '../../src-preload/api.ts';
import { addDatasetFromDisk, BUNDLED_SAMPLE_DIR } from '../../src-main/core/dataset-registry.ts';
import { writePins } from '../../src-main/core/store/activations.ts';
import { startServer } from '../../src-main/server/index.ts';
import { cpuMs, storeRandomRun } from './helpers/random-run.ts';

const FULL = '/usr/share/datasets/fashion-mnist';
const CHROMIUM = process.env.WEIGHTLAPSE_CHROMIUM ?? '/usr/bin/chromium';
const EPOCHS = 30;
const cpuNote = (before: number | null, calls: number) => {
  const after = cpuMs();
  return before === null || after === null ? '' : `; CPU ${((after - before) / calls).toFixed(0)} ms a call (this process and the forward pass's)`;
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;
const report = (what: string, ms: number, goal: number, extra = '') =>
  console.log(`${what.padEnd(64)} ${ms.toFixed(1).padStart(7)} ms  (goal ≤ ${goal} ms: ${ms <= goal ? 'met' : 'MISSED'})${extra}`);

const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
const server = await startServer({ dbPath: join(dir, 'bench.db'), warn: () => {} });
const { ctx } = server.core;

/** 16 test images no call has asked for yet. */
let nextImage = 0;
const freshInputs = () => Array.from({ length: MAX_PINS }, () => nextImage++);

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const data = existsSync(FULL) ? FULL : BUNDLED_SAMPLE_DIR;
  const dataset = await addDatasetFromDisk(ctx.db, data);
  const one = storeRandomRun(ctx.db, dataset, 1);
  const long = storeRandomRun(ctx.db, dataset, EPOCHS + 1);
  const service = ctx.activations;
  console.log(`${data}: 16 test images per call, LeNet 28×28×1, random weights`);

  let t = performance.now();
  await service.mapsAt(one, 0, { inputs: freshInputs() });
  console.log(`${'first call: starts the forward-pass process (tfjs, its backend)'.padEnd(64)} ${(performance.now() - t).toFixed(0).padStart(7)} ms`);

  const single: number[] = [];
  let cpu = cpuMs();
  for (let i = 0; i < 20; i++) {
    t = performance.now();
    await service.mapsAt(one, 0, { inputs: freshInputs() });
    single.push(performance.now() - t);
  }
  report('16 inputs, one snapshot, main side (median of 20)', median(single), 30, `; p95 ${p95(single).toFixed(1)} ms${cpuNote(cpu, 20)}`);

  const whole: number[] = [];
  cpu = cpuMs();
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    await service.mapsAt(long, EPOCHS, { inputs: freshInputs() });
    whole.push(performance.now() - t);
  }
  report(`16 inputs, all ${EPOCHS + 1} snapshots of a ${EPOCHS}-epoch run, main side (median of 5)`, median(whole), 1000, `; p95 ${p95(whole).toFixed(0)} ms${cpuNote(cpu, 5)}`);

  // The page: the run's activation view with 16 pinned inputs, stepped with the arrow key as a person does.
  writePins(ctx.db, long, freshInputs());
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(server.url);
  await page.goto(new URL(`/#/run/${long}`, server.origin).href);
  const view = page.getByTestId('activation-rows');
  await view.waitFor();
  // Every snapshot's maps fetched once (as the page does in the background), then steps are timed.
  await page.waitForFunction(() => document.querySelector('[data-testid="activation-rows"]')?.getAttribute('data-loaded') === 'all', undefined, { timeout: 120_000 });
  const steps = await page.evaluate(async (n) => {
    const js: number[] = [];
    const paint: number[] = [];
    for (let i = 0; i < n; i++) {
      await new Promise((r) => requestAnimationFrame(() => r(null)));
      const t0 = performance.now();
      window.dispatchEvent(new KeyboardEvent('keydown', { key: i % 31 === 0 ? 'Home' : 'ArrowRight' }));
      await new Promise((r) => queueMicrotask(() => r(null)));
      js.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 0));
      paint.push(performance.now() - t0);
    }
    return { js, paint };
  }, 90);
  report('activation view epoch step, 16 inputs, JS (median of 90)', median(steps.js), 16, `; p95 ${p95(steps.js).toFixed(1)} ms`);
  report('activation view epoch step, 16 inputs, with paint (median of 90)', median(steps.paint), 16, `; p95 ${p95(steps.paint).toFixed(1)} ms`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}

declare const document: { querySelector(selector: string): { getAttribute(name: string): string | null } | null };
