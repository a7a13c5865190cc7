/**
 * LeNet training and inference speed on every available backend, on real Fashion-MNIST, next to PyTorch
 * on the same machine in the same run (../shared/peers/pytorch_lenet.py, /usr/bin/python3 with torch).
 * Goal: wasm training ≥ 0.8× PyTorch (and on past 1×); inference faster than PyTorch.
 *
 * Each backend runs in its own child process (wasm threads are fixed once per process) with the
 * product's own pieces: createLeNet, batchTensors, trainStep (SGD, momentum 0.9, lr 0.01, batch 64 —
 * PyTorch's settings) and evaluate. PyTorch runs before and after the tfjs backends and the ratio uses
 * the mean of the two, because a shared machine's speed drifts.
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

interface Config {
  label: string;
  choice: BackendChoice;
  threads?: number;
  /** Batches before the clock starts, batches timed, test images evaluated. */
  warmup: number;
  timed: number;
  inferImages: number;
}

interface Result {
  label: string;
  skipped?: string;
  backend?: string;
  train?: number;
  infer?: number;
}

const cores = availableParallelism();
const threads = (n: number) => `wasm, ${n} thread${n === 1 ? '' : 's'}`;
const CONFIGS = ([
  { label: 'tensorflow', choice: 'tensorflow', warmup: 10, timed: 100, inferImages: 6400 },
  { label: threads(Math.min(cores, 4)), choice: 'wasm', threads: Math.min(cores, 4), warmup: 10, timed: 100, inferImages: 6400 },
  { label: threads(1), choice: 'wasm', threads: 1, warmup: 10, timed: 100, inferImages: 6400 },
  // About 5 images/s: one batch only, or it alone would take minutes.
  { label: 'cpu', choice: 'cpu', warmup: 0, timed: 1, inferImages: 256 },
] satisfies Config[]).filter((c, i, all) => all.findIndex((d) => d.label === c.label) === i);

/** In a child: one backend, measured. Prints one JSON line. */
async function measure(config: Config): Promise<Result> {
  let backend: string;
  try {
    backend = (await initBackend(config.choice, { wasmThreads: config.threads })).name;
  } catch (err) {
    return { label: config.label, skipped: err instanceof Error ? err.message : String(err) };
  }
  const data = await loadDataset(FASHION, { trainLimit: (config.warmup + config.timed) * BATCH, testLimit: config.inferImages });
  const geometry = { shape: data.description.shape, classes: data.description.classes.length };
  const net = createLeNet(geometry.shape, 1, [], geometry.classes);
  const optimizer = makeOptimizer(runConfigSchema.parse({ optimizer: 'sgd', learningRate: 0.01, momentum: 0.9 }));
  const step = (i: number) => {
    const { x, y } = batchTensors(data.train, geometry, i * BATCH, (i + 1) * BATCH);
    trainStep(net, optimizer, x, y);
    x.dispose();
    y.dispose();
  };
  for (let i = 0; i < config.warmup; i++) step(i);
  let t = performance.now();
  for (let i = config.warmup; i < config.warmup + config.timed; i++) step(i);
  const train = (config.timed * BATCH) / ((performance.now() - t) / 1000);
  t = performance.now();
  await evaluate(net, data.test, geometry);
  const infer = data.test.count / ((performance.now() - t) / 1000);
  return { label: config.label, backend, train, infer };
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
    return { label: config.label, skipped: `the child process failed (exit ${child.status}): ${last}` };
  }
}

interface Peer {
  trainImagesPerSecond: number;
  inferImagesPerSecond: number;
  version: string;
  threads: number;
}

function runPyTorch(): Peer | string {
  if (!existsSync(PEER)) return `no peer script at ${PEER}`;
  const run = spawnSync(PYTHON, [PEER, '--json'], { encoding: 'utf8' });
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
    return;
  }
  const started = performance.now();
  console.log(`LeNet, batch ${BATCH}, real Fashion-MNIST; ${cores} logical cores, load average ${loadavg()[0]!.toFixed(1)}`);
  const before = runPyTorch();
  const results = CONFIGS.map(runChild);
  const after = runPyTorch();

  const peers = [before, after].filter((p): p is Peer => typeof p !== 'string');
  const peerTrain = peers.length ? peers.reduce((s, p) => s + p.trainImagesPerSecond, 0) / peers.length : undefined;
  const peerInfer = peers.length ? peers.reduce((s, p) => s + p.inferImagesPerSecond, 0) / peers.length : undefined;

  const rows = [['backend', 'train img/s', 'infer img/s', 'train vs PyTorch', 'infer vs PyTorch']];
  for (const r of results) {
    if (r.skipped) {
      rows.push([r.label, `skipped: ${r.skipped}`]);
      continue;
    }
    rows.push([r.label, fmt(r.train), fmt(r.infer), ratio(r.train, peerTrain), ratio(r.infer, peerInfer)]);
  }
  if (peers.length) {
    const p = peers[0]!;
    const each = peers.map((q) => `${fmt(q.trainImagesPerSecond)}/${fmt(q.inferImagesPerSecond)}`).join(' then ');
    rows.push([`PyTorch ${p.version}, ${p.threads} threads (${each})`, fmt(peerTrain), fmt(peerInfer), '1.00×', '1.00×']);
  } else {
    rows.push([`PyTorch skipped: ${typeof before === 'string' ? before : ''}`]);
  }
  const table = rows.filter((r) => r.length === 5);
  const widths = rows[0]!.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
  for (const r of rows) {
    console.log(r.length < 5 ? r.join('  ') : r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
