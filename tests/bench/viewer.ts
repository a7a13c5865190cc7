/**
 * The viewer's two speed goals, in Chromium through the local server:
 *   - switching epochs redraws the conv2 grid (50 × 20 kernels of 5×5) within one frame: ≤ 16 ms;
 *   - fetching conv2's whole 30-epoch series (31 snapshots, 3.1 MB) through the server: ≤ 50 ms.
 * The run is written straight into the store with LeNet's shapes and random weights: neither figure
 * depends on the values, and training 30 real epochs would only make the benchmark slow to start.
 */

// The measuring code below runs inside the page; these are its browser globals (this project type-checks
// against Node's, not the DOM's).
declare const requestAnimationFrame: (callback: () => void) => number;
declare const window: { dispatchEvent(event: unknown): boolean };
declare const KeyboardEvent: new (type: string, init: { key: string }) => unknown;
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { LAYERS, runConfigSchema, type TensorName } from '../../src-preload/api.ts';
import { decodeWire } from '../../src-preload/wire.ts';
import { startServer } from '../../src-main/core/server/index.ts';
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

const dir = mkdtempSync(join(tmpdir(), 'weightlapse-bench-'));
const server = await startServer({ dbPath: join(dir, 'bench.db'), warn: () => {} });
const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu'] });
try {
  const db = server.core.ctx.db;
  const runId = createRun(db, {
    name: 'bench', datasetId: null, datasetName: 'random', datasetPath: '-', inputShape: [28, 28, 1],
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

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  await page.goto(server.url);
  await page.goto(new URL(`/#/run/${runId}?layer=conv2`, server.origin).href);
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

  // The whole conv2 series, as the viewer fetches it: POST, server reads 31 blobs, wire format back.
  const fetches = await page.evaluate(async (id) => {
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < 15; i++) {
      const t = performance.now();
      const res = await fetch('/api/weights.series', {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ runId: id, tensor: 'conv2/kernel' }),
      });
      bytes = (await res.arrayBuffer()).byteLength;
      times.push(performance.now() - t);
    }
    return { times, bytes };
  }, runId);
  const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await fetch(new URL('/api/weights.series', server.origin), {
    method: 'POST', headers: { 'Content-Type': 'application/json', Cookie: cookie }, body: JSON.stringify({ runId, tensor: 'conv2/kernel' }),
  });
  const body = new Uint8Array(await res.arrayBuffer());
  const t = performance.now();
  const decoded = decodeWire(body) as { seqs: number[] };
  const decodeMs = performance.now() - t;
  if (decoded.seqs.length !== EPOCHS + 1) throw new Error(`expected ${EPOCHS + 1} snapshots, got ${decoded.seqs.length}`);
  report(
    `conv2 series, ${EPOCHS + 1} snapshots (${(fetches.bytes / 1e6).toFixed(1)} MB), fetch in the page (median of 15)`,
    median(fetches.times), 50, `; first ${fetches.times[0]!.toFixed(1)} ms; decode ${decodeMs.toFixed(1)} ms`,
  );
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
