/**
 * LeNet training and inference speed on every available backend, next to PyTorch on the same machine in
 * the same run (../shared/peers/pytorch_lenet.py, /usr/bin/python3 with torch) at the same thread count
 * and input shape. Goals: wasm training ≥ 1.2× PyTorch at 1 and 2 threads, for 28×28×1 and 32×32×3;
 * inference ≥ 3× PyTorch; 2 threads ≥ 1.8× one thread; a whole epoch ≤ 1.1× the sum of its steps. On a
 * real GPU, WebGPU training ≥ 5× wasm at batch 64 and ≥ 10× at batch 256 (tests/bench/on-gpu.sh runs this
 * on a GPU machine). A software WebGPU adapter (lavapipe, SwiftShader) is measured too, for what it is.
 *
 * Each configuration runs in its own child process (wasm threads are fixed once per process) with the
 * product's own pieces: createLeNet, batchTensors, trainStep (SGD, momentum 0.9, lr 0.01, batch 64 —
 * PyTorch's settings), evaluate and runTraining. 28×28×1 is real Fashion-MNIST; 32×32×3 is seeded random
 * bytes (as the peer uses). PyTorch runs before and after the tfjs backends and the ratio uses the mean
 * of the two, because a shared machine's speed drifts. Rows at another batch size are compared with wasm
 * and PyTorch at that batch size. A row's timed batches stop early after TIME_BOX_MS (a software GPU
 * adapter trains a few images a second).
 *
 * For each wasm configuration the child also prints where a step's time goes: every kernel by phase
 * (forward, backward, optimizer) with its input shapes (the layer legend names the activations), and the
 * batching; and, for 28×28×1, one epoch end to end (1/5 of Fashion-MNIST, the same train:test ratio)
 * against the sum of its steps.
 *
 *   npm run bench training
 *   node --import tsx tests/bench/training.ts [--threads 1,2,4] [--shapes 28x28x1,32x32x3] [--rows 16] [--quick]
 *   tests/bench/many-cores.sh          (the same at 1, 2, 4, 8 and 16 threads, for a machine with more cores)
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { runConfigSchema, type BackendChoice } from '../../src-preload/api.ts';
import { loadDataset } from '../../src-main/datasets/index.ts';
import { createLeNet } from '../../src-main/trainer/model/lenet.ts';
import { initBackend } from '../../src-main/trainer/backend/index.ts';
import type { Split } from '../../src-main/datasets/split.ts';
import { batchTensors, evaluate, makeOptimizer, runTraining, trainStep, type TrainingData } from '../../src-main/trainer/loop.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';
const PEER = fileURLToPath(new URL('../../../shared/peers/pytorch_lenet.py', import.meta.url));
const PYTHON = '/usr/bin/python3';
const BATCH = 64;
const TIME_BOX_MS = 30_000;
const CLASSES = 10;
type Shape = [number, number, number];

interface Config {
  label: string;
  choice: Exclude<BackendChoice, 'auto'>;
  threads?: number;
  shape: Shape;
  batch: number;
  /** PyTorch's thread count for the ratio. */
  peerThreads: number;
  /** Batches before the clock starts, batches timed, test images evaluated. */
  warmup: number;
  timed: number;
  inferImages: number;
  /** Steps whose kernels are profiled (0: none), and whether to time one epoch end to end. */
  profileSteps: number;
  epoch: boolean;
}

interface Result {
  label: string;
  batch: number;
  skipped?: string;
  backend?: string;
  train?: number;
  infer?: number;
  /** Processor time per training step, all threads: unlike img/s, barely moved by other work on the machine. */
  cpuMsPerStep?: number;
  /** Lines printed under the table: the profile and the epoch breakdown. */
  notes?: string[];
}

const { values: opts } = parseArgs({
  options: {
    threads: { type: 'string' },
    shapes: { type: 'string', default: '28x28x1,32x32x3' },
    rows: { type: 'string', default: '16' },
    quick: { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
const cores = availableParallelism();
const threadCounts = (opts.threads ?? [...new Set([1, 2, cores])].join(',')).split(',').map(Number);
const shapes = opts.shapes.split(',').map((s) => s.split('x').map(Number) as Shape);
const shapeText = (s: Shape) => s.join('×');
const same = (a: Shape, b: Shape) => a.join('x') === b.join('x');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function configs(): Config[] {
  const timed = opts.quick ? 20 : 100;
  const base = { warmup: 10, timed, inferImages: 6400, batch: BATCH };
  const list: Config[] = [];
  for (const shape of shapes) {
    const real = same(shape, [28, 28, 1]);
    if (real) list.push({ label: 'tensorflow', choice: 'tensorflow', shape, peerThreads: cores, ...base, profileSteps: 0, epoch: false });
    if (real) {
      // WebGPU beside wasm on all cores at batch 64 and 256; a software adapter infers a few dozen images a second.
      const gpu = { label: 'webgpu', choice: 'webgpu', shape, peerThreads: cores, inferImages: 2000, profileSteps: 0, epoch: false } as const;
      list.push({ ...gpu, batch: BATCH, warmup: 5, timed }, { ...gpu, batch: 256, warmup: 3, timed: timed / 2 });
      list.push({ label: `wasm, ${plural(cores, 'thread')}`, choice: 'wasm', threads: cores, shape, peerThreads: cores, batch: 256, warmup: 3,
        timed: timed / 4, inferImages: 6400, profileSteps: 0, epoch: false });
    }
    for (const threads of threadCounts) {
      list.push({ label: `wasm, ${plural(threads, 'thread')}`, choice: 'wasm', threads, shape, peerThreads: threads, ...base,
        profileSteps: opts.quick ? 3 : 10, epoch: real && !opts.quick });
    }
    // About 5 images/s: one batch only, or it alone would take minutes.
    if (real) list.push({ label: 'cpu', choice: 'cpu', shape, peerThreads: 1, batch: BATCH, warmup: 0, timed: 1, inferImages: 256, profileSteps: 0, epoch: false });
  }
  return list;
}

// ---- in a child: one configuration, measured --------------------------------------------

/** Seeded random bytes in the shape of a CIFAR-10 split (the peer trains on random images too). */
function randomSplit(count: number, shape: Shape, seed: number): Split {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) >>> 24;
  const images = new Uint8Array(count * shape[0] * shape[1] * shape[2]).map(next);
  return { images, labels: new Uint8Array(count).map(() => next() % CLASSES), count };
}

async function trainingData(shape: Shape, train: number, test: number): Promise<TrainingData> {
  if (same(shape, [28, 28, 1])) {
    const data = await loadDataset(FASHION, { trainLimit: train, testLimit: test });
    return { shape, classes: data.description.classes.length, train: data.train, test: data.test };
  }
  return { shape, classes: CLASSES, train: randomSplit(train, shape, 1), test: randomSplit(test, shape, 2) };
}

async function measure(config: Config): Promise<Result> {
  const size = config.batch;
  let backend: string;
  try {
    const info = await initBackend(config.choice, { wasmThreads: config.threads });
    backend = info.name === 'webgpu' ? info.summary.replace(/^GPU: WebGPU · | — .*$/g, '') : info.name;
  } catch (err) {
    return { label: config.label, batch: size, skipped: err instanceof Error ? err.message : String(err) };
  }
  const steps = config.warmup + config.timed + config.profileSteps;
  const data = await trainingData(config.shape, steps * size, config.inferImages);
  const net = createLeNet(config.shape, 1, [], data.classes);
  const optimizer = makeOptimizer(runConfigSchema.parse({ optimizer: 'sgd', learningRate: 0.01, momentum: 0.9 }));
  const batch = (i: number) => batchTensors(data.train, data, i * size, (i + 1) * size);
  const train = async ({ x, y }: ReturnType<typeof batch>) => {
    await trainStep(net, optimizer, x, y);
    tf.dispose([x, y]);
  };
  for (let i = 0; i < config.warmup; i++) await train(batch(i));
  let t = performance.now();
  const cpu = process.cpuUsage();
  let timed = 0;
  while (timed < config.timed && (timed < 2 || performance.now() - t < TIME_BOX_MS)) await train(batch(config.warmup + timed++));
  const trainRate = (timed * size) / ((performance.now() - t) / 1000);
  const { user, system } = process.cpuUsage(cpu);
  const cpuMsPerStep = (user + system) / 1000 / timed;
  t = performance.now();
  await evaluate(net, data.test, data);
  const infer = data.test.count / ((performance.now() - t) / 1000);

  const notes: string[] = [];
  if (config.profileSteps > 0) {
    const first = config.warmup + timed;
    notes.push(...(await profile(config, net.model.layers, (i) => batch(first + i), train)));
  }
  optimizer.dispose();
  net.model.dispose();
  if (config.epoch) notes.push(...(await epochBreakdown(config.shape)));
  return { label: config.label, batch: size, backend, train: trainRate, infer, cpuMsPerStep, notes };
}

type Phase = 'forward' | 'backward' | 'optimizer';
const PHASES: Phase[] = ['forward', 'backward', 'optimizer'];
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;
const ms = (v: number) => v.toFixed(2).padStart(6);

/**
 * Times every kernel of a few steps with tf.profile, each tagged with its phase, and the batching
 * apart. tfjs runs a gradient's forward pass inside a scope named 'forward' and its backward pass
 * inside one named 'backward'; what runs outside both is the optimizer's update. (The scope stack and
 * the profiler are engine internals: read here, in a benchmark only.) Figures are medians over the steps.
 */
async function profile<B>(config: Config, layers: tf.layers.Layer[], batch: (i: number) => B, train: (b: B) => Promise<void>): Promise<string[]> {
  const engine = tf.engine() as unknown as {
    state: { scopeStack: { name: string }[] };
    profiler: { profileKernel: (...args: unknown[]) => unknown };
  };
  const phases: Phase[] = [];
  const profiler = engine.profiler;
  const original = profiler.profileKernel;
  profiler.profileKernel = function (this: unknown, ...args: unknown[]) {
    const names = engine.state.scopeStack.map((s) => s.name);
    phases.push(names.includes('backward') ? 'backward' : names.includes('forward') ? 'forward' : 'optimizer');
    return original.apply(this, args);
  };
  const rows = new Map<string, { phase: Phase; ms: number[] }>();
  const batchMs: number[] = [];
  const stepMs: number[] = [];
  try {
    for (let i = 0; i < config.profileSteps; i++) {
      let t = performance.now();
      const b = batch(i);
      batchMs.push(performance.now() - t);
      phases.length = 0;
      t = performance.now();
      const { kernels } = await tf.profile(() => train(b));
      stepMs.push(performance.now() - t);
      const thisStep = new Map<string, number>();
      kernels.forEach((k, j) => {
        const key = `${phases[j]}|${k.name} ${JSON.stringify(k.inputShapes).replaceAll('null', '–')}`;
        thisStep.set(key, (thisStep.get(key) ?? 0) + (k.kernelTimeMs as number));
      });
      for (const [key, v] of thisStep) {
        const row = rows.get(key) ?? { phase: key.split('|')[0] as Phase, ms: [] };
        row.ms.push(v);
        rows.set(key, row);
      }
    }
  } finally {
    profiler.profileKernel = original;
  }
  const legend = layers.map((l) => `${l.name} ${JSON.stringify(l.outputShape).replace('null', String(BATCH))}`).join(', ');
  const maxRows = Number(opts.rows);
  const lines = [`  profile of ${config.label}, ${shapeText(config.shape)} (ms per step, median of ${config.profileSteps}; layer outputs: ${legend})`];
  const sorted = [...rows].map(([key, r]) => ({ key: key.split('|')[1]!, phase: r.phase, ms: median(r.ms) })).sort((a, b) => b.ms - a.ms);
  const total = sorted.reduce((s, r) => s + r.ms, 0);
  for (const phase of PHASES) {
    const mine = sorted.filter((r) => r.phase === phase);
    const sum = mine.reduce((s, r) => s + r.ms, 0);
    lines.push(`   ${ms(sum)}  ${phase} (${mine.length} kernels)`);
    for (const r of mine.slice(0, maxRows)) lines.push(`      ${ms(r.ms)}  ${r.key}`);
    const rest = mine.slice(maxRows).reduce((s, r) => s + r.ms, 0);
    if (mine.length > maxRows) lines.push(`      ${ms(rest)}  ${mine.length - maxRows} more`);
  }
  lines.push(`   ${ms(median(batchMs))}  data batching (batchTensors)`);
  lines.push(`   ${ms(median(stepMs) - total)}  outside kernels (tfjs bookkeeping, gradients' glue, reading the loss) of a ${median(stepMs).toFixed(1)} ms profiled step`);
  return lines;
}

/**
 * One epoch end to end through runTraining (shuffling, batching, steps, the test evaluation, the
 * snapshot's statistics) on 1/5 of Fashion-MNIST, against the sum of its steps. The epoch runs from the
 * initial snapshot to the epoch's snapshot; storing snapshots is the host's work, not timed here.
 */
async function epochBreakdown(shape: Shape): Promise<string[]> {
  const data = await trainingData(shape, 12_000, 2_000);
  const config = runConfigSchema.parse({ epochs: 1, optimizer: 'sgd', learningRate: 0.01, momentum: 0.9 });
  const marks: number[] = [];
  const result = await runTraining(config, data, {
    onSnapshot: async () => void marks.push(performance.now()),
    onProgress: () => undefined,
    shouldStop: () => false,
  });
  const epochMs = marks[1]! - marks[0]!;
  const stepsMs = result.trainSeconds * 1000;
  // The run evaluated the test split twice (before the first epoch and after it): half is this epoch's.
  const evalMs = (result.evalSeconds * 1000) / 2;
  const snapshotMs = (result.snapshotSeconds * 1000) / 2;
  const rest = epochMs - stepsMs - evalMs - snapshotMs;
  const pct = (v: number) => `${((100 * v) / stepsMs).toFixed(1)}%`;
  return [
    `  one epoch end to end, ${shapeText(shape)}, 12,000 train / 2,000 test images: ${(epochMs / 1000).toFixed(2)} s = ` +
      `${(epochMs / stepsMs).toFixed(3)}× the sum of its ${Math.ceil(12_000 / BATCH)} steps (${(stepsMs / 1000).toFixed(2)} s, batching included)`,
    `    beyond the steps: test evaluation ${pct(evalMs)}, snapshot statistics ${pct(snapshotMs)}, ` +
      `shuffling, yielding to events and progress ${pct(rest)}`,
  ];
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
    return { label: config.label, batch: config.batch, skipped: `the child process failed (exit ${child.status}): ${last}` };
  }
}

// ---- the peer -------------------------------------------------------------------------------

interface Peer {
  trainImagesPerSecond: number;
  inferImagesPerSecond: number;
  version: string;
}

function runPyTorch(threads: number, shape: Shape, batch: number): Peer | string {
  if (!existsSync(PEER)) return `no peer script at ${PEER}`;
  const args = [PEER, '--json', '--threads', String(threads), '--shape', shape.join('x'), '--batch', String(batch), '--images', opts.quick ? '1280' : '6400'];
  const run = spawnSync(PYTHON, args, { encoding: 'utf8' });
  if (run.error) return `${PYTHON} did not run: ${run.error.message}`;
  if (run.status !== 0) return `${PEER} failed: ${run.stderr.trim().split('\n').at(-1)}`;
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Peer;
}

/** PyTorch's mean over its runs before and after ours, or why it was skipped. */
interface PeerMean {
  train?: number;
  infer?: number;
  text: string;
}

function peerMean(runs: (Peer | string)[]): PeerMean {
  const peers = runs.filter((p): p is Peer => typeof p !== 'string');
  if (peers.length === 0) return { text: `PyTorch skipped: ${String(runs[0])}` };
  const mean = (f: (p: Peer) => number) => peers.reduce((s, p) => s + f(p), 0) / peers.length;
  const each = peers.map((q) => `${fmt(q.trainImagesPerSecond)}/${fmt(q.inferImagesPerSecond)}`).join(' then ');
  return { train: mean((p) => p.trainImagesPerSecond), infer: mean((p) => p.inferImagesPerSecond), text: `PyTorch ${peers[0]!.version} (${each})` };
}

const fmt = (v: number | undefined) => (v == null ? '–' : v < 10 ? v.toFixed(1) : Math.round(v).toLocaleString('en-US'));
const ratio = (v: number | undefined, ref: number | undefined) => (v == null || ref == null ? '–' : `${(v / ref).toFixed(2)}×`);

function printTable(rows: string[][]): void {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const r of rows) console.log(r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  '));
}

async function main(): Promise<void> {
  if (opts.child != null) {
    console.log(JSON.stringify(await measure(JSON.parse(opts.child) as Config)));
    process.exit(0); // Dawn, once started, keeps a process alive
  }
  const started = performance.now();
  const all = configs();
  console.log(`LeNet; ${cores} logical cores, load average ${loadavg()[0]!.toFixed(1)}; wasm at ${threadCounts.join(', ')} threads`);
  const peerKey = (c: Config) => `${c.peerThreads}|${c.shape.join('x')}|${c.batch}`;
  const peerConfigs = [...new Map(all.map((c) => [peerKey(c), c])).values()];
  const before = new Map(peerConfigs.map((c) => [peerKey(c), runPyTorch(c.peerThreads, c.shape, c.batch)]));
  const results = all.map(runChild);
  const peers = new Map(peerConfigs.map((c) => [peerKey(c), peerMean([before.get(peerKey(c))!, runPyTorch(c.peerThreads, c.shape, c.batch)])]));
  // Each row beside wasm on all cores at the same shape and batch size.
  const wasmTrain = (c: Config) =>
    results.find((_, i) => all[i]!.choice === 'wasm' && all[i]!.threads === cores && same(all[i]!.shape, c.shape) && all[i]!.batch === c.batch)?.train;

  const rows = [['backend', 'input', 'batch', 'train img/s', 'CPU ms/step', 'infer img/s', 'PyTorch train/infer, same threads', 'train vs wasm', 'train vs PyTorch', 'infer vs PyTorch']];
  const skipped: string[] = [];
  results.forEach((r, i) => {
    const c = all[i]!;
    if (r.skipped) {
      skipped.push(`${r.label}, batch ${c.batch}: skipped: ${r.skipped}`);
      return;
    }
    const p = peers.get(peerKey(c))!;
    const label = r.backend && !r.label.startsWith(r.backend) ? `${r.label} (${r.backend})` : r.label;
    rows.push([label, shapeText(c.shape), String(c.batch), fmt(r.train), r.cpuMsPerStep?.toFixed(1) ?? '–', fmt(r.infer), `${fmt(p.train)}/${fmt(p.infer)} (${c.peerThreads} thr.)`,
      ratio(r.train, wasmTrain(c)), ratio(r.train, p.train), ratio(r.infer, p.infer)]);
  });
  printTable(rows);
  for (const line of skipped) console.log(line);
  for (const p of peers.values()) if (p.train == null) console.log(p.text);
  console.log(`PyTorch: ${[...new Set([...peers.values()].map((p) => p.text))].join('; ')}`);
  for (const shape of shapes) {
    const one = results.find((_, i) => all[i]!.choice === 'wasm' && all[i]!.threads === 1 && same(all[i]!.shape, shape) && all[i]!.batch === BATCH);
    const scaling = results
      .map((r, i) => ({ r, c: all[i]! }))
      .filter(({ c }) => c.choice === 'wasm' && same(c.shape, shape) && (c.threads ?? 1) > 1 && c.batch === BATCH)
      .map(({ r, c }) => `${c.threads} threads ${ratio(r.train, one?.train)}`);
    if (one?.train != null && scaling.length) console.log(`thread scaling, ${shapeText(shape)}, training vs 1 thread: ${scaling.join(', ')}`);
  }
  for (const r of results) for (const line of r.notes ?? []) console.log(line);
  console.log(`(${((performance.now() - started) / 1000).toFixed(0)} s)`);
}

await main();
