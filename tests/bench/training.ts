/**
 * LeNet training and inference speed on every available backend, on real Fashion-MNIST, next to PyTorch
 * on the same machine in the same run (../shared/peers/pytorch_lenet.py, /usr/bin/python3 with torch).
 * Goal: wasm training ≥ 0.8× PyTorch (and on past 1×); inference faster than PyTorch; on a real GPU,
 * WebGPU training ≥ 5× wasm at batch 64 and ≥ 10× at batch 256 (tests/bench/on-gpu.sh runs this on a GPU
 * machine). A software WebGPU adapter (lavapipe, SwiftShader) is measured too, for what it is.
 *
 * Each backend runs in its own child process (wasm threads are fixed once per process) with the
 * product's own pieces: createLeNet, batchTensors, trainStep (SGD, momentum 0.9, lr 0.01, batch 64 —
 * PyTorch's settings) and evaluate. PyTorch runs before and after the tfjs backends and the ratio uses
 * the mean of the two, because a shared machine's speed drifts. Rows at another batch size are compared
 * with wasm and PyTorch at that batch size. A row's timed batches stop early after TIME_BOX_MS (a
 * software GPU adapter trains a few images a second).
 *
 *   npm run bench training        (or: node --import tsx bench/training.ts)
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { runConfigSchema, type BackendChoice } from '../../src-preload/api.ts';
import { loadDataset } from '../../src-main/core/datasets/index.ts';
import { createLeNet } from '../../src-main/trainer/model/lenet.ts';
import { initBackend } from '../../src-main/trainer/backend/index.ts';
import { batchTensors, evaluate, makeOptimizer, trainStep } from '../../src-main/trainer/loop.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';
const PEER = fileURLToPath(new URL('../../../shared/peers/pytorch_lenet.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const BATCH = 64;
const TIME_BOX_MS = 30_000;

interface Config {
  label: string;
  choice: Exclude<BackendChoice, 'auto'>;
  threads?: number;
  /** Default: BATCH. */
  batch?: number;
  /** Batches before the clock starts, batches timed, test images evaluated. */
  warmup: number;
  timed: number;
  inferImages: number;
}

interface Result {
  label: string;
  batch: number;
  skipped?: string;
  backend?: string;
  train?: number;
  infer?: number;
}

const cores = availableParallelism();
const threads = (n: number) => `wasm, ${n} thread${n === 1 ? '' : 's'}`;
const WASM = threads(Math.min(cores, 4));
const CONFIGS = ([
  { label: 'tensorflow', choice: 'tensorflow', warmup: 10, timed: 100, inferImages: 6400 },
  { label: 'webgpu', choice: 'webgpu', warmup: 5, timed: 100, inferImages: 2000 },
  { label: 'webgpu', choice: 'webgpu', batch: 256, warmup: 3, timed: 50, inferImages: 2000 },
  { label: WASM, choice: 'wasm', threads: Math.min(cores, 4), warmup: 10, timed: 100, inferImages: 6400 },
  { label: WASM, choice: 'wasm', threads: Math.min(cores, 4), batch: 256, warmup: 3, timed: 25, inferImages: 6400 },
  { label: threads(1), choice: 'wasm', threads: 1, warmup: 10, timed: 100, inferImages: 6400 },
  // About 5 images/s: one batch only, or it alone would take minutes.
  { label: 'cpu', choice: 'cpu', warmup: 0, timed: 1, inferImages: 256 },
] satisfies Config[]).filter((c, i, all) => all.findIndex((d) => d.label === c.label && d.batch === c.batch) === i);
const BATCHES = [...new Set(CONFIGS.map((c) => c.batch ?? BATCH))];

/** In a child: one backend, measured. Prints one JSON line. */
async function measure(config: Config): Promise<Result> {
  const batch = config.batch ?? BATCH;
  let backend: string;
  try {
    const info = await initBackend(config.choice, { wasmThreads: config.threads });
    backend = info.name === 'webgpu' ? info.summary.replace(/^GPU: WebGPU · | — .*$/g, '') : info.name;
  } catch (err) {
    return { label: config.label, batch, skipped: err instanceof Error ? err.message : String(err) };
  }
  const data = await loadDataset(FASHION, { trainLimit: (config.warmup + config.timed) * batch, testLimit: config.inferImages });
  const geometry = { shape: data.description.shape, classes: data.description.classes.length };
  const net = createLeNet(geometry.shape, 1, [], geometry.classes);
  const optimizer = makeOptimizer(runConfigSchema.parse({ optimizer: 'sgd', learningRate: 0.01, momentum: 0.9 }));
  const step = async (i: number) => {
    const { x, y } = batchTensors(data.train, geometry, i * batch, (i + 1) * batch);
    await trainStep(net, optimizer, x, y);
    x.dispose();
    y.dispose();
  };
  for (let i = 0; i < config.warmup; i++) await step(i);
  let t = performance.now();
  let timed = 0;
  while (timed < config.timed && (timed < 2 || performance.now() - t < TIME_BOX_MS)) await step(config.warmup + timed++);
  const train = (timed * batch) / ((performance.now() - t) / 1000);
  t = performance.now();
  await evaluate(net, data.test, geometry);
  const infer = data.test.count / ((performance.now() - t) / 1000);
  return { label: config.label, batch, backend, train, infer };
}

function runChild(config: Config): Result {
  const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', JSON.stringify(config)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const last = child.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last) as Result;
  } catch {
    return { label: config.label, batch: config.batch ?? BATCH, skipped: `the child process failed (exit ${child.status}): ${last}` };
  }
}

interface Peer {
  trainImagesPerSecond: number;
  inferImagesPerSecond: number;
  version: string;
  threads: number;
}

function runPyTorch(batch: number): Peer | string {
  if (!existsSync(PEER)) return `no peer script at ${PEER}`;
  const run = spawnSync(PYTHON, [PEER, '--json', '--batch', String(batch)], { encoding: 'utf8' });
  if (run.error) return `${PYTHON} did not run: ${run.error.message}`;
  if (run.status !== 0) return `${PEER} failed: ${run.stderr.trim().split('\n').at(-1)}`;
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Peer;
}

const fmt = (v: number | undefined) => (v == null ? '–' : Math.round(v).toLocaleString('en-US'));
const ratio = (v: number | undefined, ref: number | undefined) => (v == null || ref == null ? '–' : `${(v / ref).toFixed(2)}×`);

async function main(): Promise<void> {
  const childArg = process.argv.indexOf('--child');
  if (childArg >= 0) {
    console.log(JSON.stringify(await measure(JSON.parse(process.argv[childArg + 1]!) as Config)));
    process.exit(0); // Dawn, once started, keeps a process alive
  }
  const started = performance.now();
  console.log(`LeNet, real Fashion-MNIST; ${cores} logical cores, load average ${loadavg()[0]!.toFixed(1)}`);
  const before = BATCHES.map(runPyTorch);
  const results = CONFIGS.map(runChild);
  const after = BATCHES.map(runPyTorch);

  const header = ['backend', 'batch', 'train img/s', 'infer img/s', 'train vs wasm', 'train vs PyTorch', 'infer vs PyTorch'];
  const rows = [header];
  BATCHES.forEach((batch, b) => {
    const peers = [before[b]!, after[b]!].filter((p): p is Peer => typeof p !== 'string');
    const peerTrain = peers.length ? peers.reduce((s, p) => s + p.trainImagesPerSecond, 0) / peers.length : undefined;
    const peerInfer = peers.length ? peers.reduce((s, p) => s + p.inferImagesPerSecond, 0) / peers.length : undefined;
    const wasm = results.find((r) => r.label === WASM && r.batch === batch)?.train;
    for (const r of results.filter((r) => r.batch === batch)) {
      const label = r.backend && r.backend !== r.label && !r.label.startsWith(r.backend) ? `${r.label} (${r.backend})` : r.label;
      if (r.skipped) rows.push([label, String(batch), `skipped: ${r.skipped}`]);
      else rows.push([label, String(batch), fmt(r.train), fmt(r.infer), ratio(r.train, wasm), ratio(r.train, peerTrain), ratio(r.infer, peerInfer)]);
    }
    if (peers.length) {
      const p = peers[0]!;
      const each = peers.map((q) => `${fmt(q.trainImagesPerSecond)}/${fmt(q.inferImagesPerSecond)}`).join(' then ');
      rows.push([`PyTorch ${p.version}, ${p.threads} threads (${each})`, String(batch), fmt(peerTrain), fmt(peerInfer), ratio(peerTrain, wasm), '1.00×', '1.00×']);
    } else {
      rows.push([`PyTorch skipped: ${typeof before[b] === 'string' ? before[b] : ''}`]);
    }
  });
  const table = rows.filter((r) => r.length === header.length);
  const widths = header.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of rows) {
    console.log(r.length < header.length ? r.join('  ') : r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
