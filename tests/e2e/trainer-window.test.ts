/**
 * The desktop app's hidden trainer window (tests/e2e/hosts/trainer-window.ts): LeNet trained on real
 * Fashion-MNIST on Chromium's WebGPU, on the software adapter headless Chromium offers (SwiftShader,
 * asked for by name: `auto` never takes it), with the core storing every snapshot as it stores a trainer
 * process's. Compared with the wasm backend in a trainer process on the same seed.
 *
 * SwiftShader's WebGPU trains LeNet at about 5 s per batch of 32 on two shared cores (the first step,
 * compiling its shaders, about 15 s), and evaluates 200 test images in about as long, so the runs are
 * small: 192 training images, 1 epoch, 200 test images, and one run both compared with wasm and stopped
 * and resumed; the frozen run, which checks bits and no accuracy, trains and evaluates one batch. The 3 epochs of 1,000
 * images would take about 9 minutes: measured under a load average of 2–3, a training image costs 0.11 s
 * at batch 64 and 0.10 s at batch 256 (7 s and 25 s a batch), and evaluating 1,000 test images 50–60 s,
 * so 3,000 training images alone take 5 minutes, and each snapshot's evaluation adds a minute. Reads must be asynchronous there: tfjs-backend-webgpu's synchronous read
 * (dataSync) comes back all zeros on this adapter and loses the device (see trainStep in loop.ts).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfigSchema, TENSOR_NAMES, type RunConfigInput } from '../../src-preload/api.ts';
import { appRoot } from '../../src-main/core/paths.ts';
import { addDatasetFromDisk } from '../../src-main/core/dataset-registry.ts';
import { getDataset } from '../../src-main/core/store/datasets.ts';
import { openDatabase, type Db } from '../../src-main/core/store/db.ts';
import { createRun, getRun } from '../../src-main/core/store/runs.ts';
import { readTensor } from '../../src-main/core/store/snapshots.ts';
import { trainerJob } from '../../src-main/core/training/job.ts';
import { probeBackend, probeCacheFile } from '../../src-main/core/training/probe.ts';
import { resumeRun, startRun, stopRun, type TrainingContext } from '../../src-main/core/training/service.ts';
import { forkTrainer } from '../../src-main/core/training/fork.ts';
import { spawnerByBackend } from '../../src-main/core/training/trainer-host.ts';
import { Trainers } from '../../src-main/core/training/trainers.ts';
import { windowTrainer } from '../../src-main/electron/window-trainer.ts';
import { backendInfo } from '../../src-main/trainer/backend-summary.ts';
import type { ProbeRecord, TrainerSpawner } from '../../src-main/trainer/protocol.ts';
import { expectIntactSnapshots, nextMessage } from '../unit/core/training/sample.ts';
import { startTrainerWindowHost, type TrainerWindowHost } from './hosts/trainer-window.ts';

const FASHION_MNIST = '/usr/share/datasets/fashion-mnist';

let dir: string;
let db: Db;
let ctx: TrainingContext;
let host: TrainerWindowHost;
let datasetId: number;
let spawn: TrainerSpawner;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'wl-e2e-trainer-window-'));
  db = openDatabase(join(dir, 'runs.db'));
  datasetId = (await addDatasetFromDisk(db, FASHION_MNIST)).id;
  host = await startTrainerWindowHost();
  const emit = () => undefined;
  // As main.ts wires it: wasm in a trainer process (the built entry), WebGPU in a trainer window.
  spawn = spawnerByBackend({ process: forkTrainer(join(appRoot, 'out', 'main', 'trainer-process.js')), window: windowTrainer(host.open) });
  ctx = { db, emit, trainers: new Trainers({ db, emit, spawn }) };
});

afterAll(async () => {
  await ctx?.trainers.stopAll();
  await host?.close();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** 6 batches an epoch; snapshots after 2 and 4 of them in the first. */
const config = (input: RunConfigInput) =>
  runConfigSchema.parse({ optimizer: 'adam', learningRate: 0.002, batchSize: 32, trainLimit: 192, testLimit: 200, snapshotsPerEpoch: 3, seed: 7, ...input });
const weightsAt = (runId: number, seq: number) => TENSOR_NAMES.map((name) => readTensor(db, runId, name, seq)!.data);
const maxDifference = (a: Float32Array[], b: Float32Array[]) => Math.max(...a.map((t, i) => t.reduce((m, v, k) => Math.max(m, Math.abs(v - b[i]![k]!)), 0)));
const norm = (t: Float32Array, minus?: Float32Array) => Math.sqrt(t.reduce((s, v, k) => s + (v - (minus?.[k] ?? 0)) ** 2, 0));
/** The largest of the tensors' relative errors ‖a − b‖ / ‖b‖. */
const relativeError = (a: Float32Array[], b: Float32Array[]) => Math.max(...a.map((t, i) => norm(t, b[i]) / norm(b[i]!)));
/**
 * After the first 2 steps (the first snapshot inside epoch 1), each tensor's relative error against wasm
 * stays below this (measured: 5.5e-7). SwiftShader's shaders sum in another order than wasm's kernels,
 * and Adam turns those last-bit differences in the tiniest gradients into steps as large as the learning
 * rate, so the errors grow as training goes on (measured in this test, stopped after 2 steps and
 * resumed: 1.6e-5 after 4 steps, 2.2e-4 after 6; run through, 8e-3 after 12; with SGD 7.5e-9 absolute
 * after 12) while the accuracy stays the same. A wrong kernel is off by far more.
 */
const WEIGHT_TOLERANCE = 1e-5;
const LONG = 10 * 60_000;


describe('the hidden trainer window', () => {
  it('trains LeNet on WebGPU like wasm on the same seed, stops and resumes, every snapshot stored by the core', { timeout: LONG }, async () => {
    const wasm = await startRun(ctx, { datasetId, config: config({ epochs: 1, backend: 'wasm' }) });
    expect(await ctx.trainers.finished(wasm.id)).toBe('done');

    const gpu = await startRun(ctx, { datasetId, config: config({ epochs: 1, backend: 'webgpu' }) });
    await nextMessage(ctx.trainers, gpu.id, (m) => m.type === 'snapshot' && m.snapshot.epoch === 1 / 3);
    await stopRun(ctx, gpu.id);
    const stopped = expectIntactSnapshots(db, gpu.id);
    expect(stopped.status).toBe('stopped');
    expect(stopped.snapshots.map((s) => s.epoch)).toEqual([0, 1 / 3]);
    await resumeRun(ctx, gpu.id);
    expect(await ctx.trainers.finished(gpu.id)).toBe('done');

    const [a, b] = [expectIntactSnapshots(db, wasm.id), expectIntactSnapshots(db, gpu.id)];
    expect([a.backend, b.backend]).toEqual(['wasm', 'webgpu']);
    expect(b.backendSummary).toMatch(/^GPU: WebGPU · .+ \(Chromium, software\) — asked for by name$/);
    expect(b.snapshots.map((s) => s.epoch)).toEqual([0, 1 / 3, 2 / 3, 1]);
    expect(maxDifference(weightsAt(wasm.id, 0), weightsAt(gpu.id, 0))).toBe(0); // seeded in JavaScript
    const errors = b.snapshots.slice(1).map((s) => relativeError(weightsAt(gpu.id, s.seq), weightsAt(wasm.id, s.seq)));
    const accuracy = (run: typeof a) => run.snapshots.at(-1)!.metrics.testAccuracy!;
    console.log(`WebGPU vs wasm: relative weight errors ${errors.map((d) => d.toExponential(1)).join(', ')} (after 2, 4, 6 steps); test accuracy ${accuracy(b)} vs ${accuracy(a)}`);
    expect(errors[0]).toBeLessThan(WEIGHT_TOLERANCE);
    expect(accuracy(a)).toBeGreaterThan(0.3); // it learned (chance: 0.1)
    expect(Math.abs(accuracy(a) - accuracy(b))).toBeLessThanOrEqual(0.01);
    expect(host.errors).toEqual([]);
  });

  it('keeps frozen layers bit-identical', { timeout: LONG }, async () => {
    const frozen = await startRun(ctx, { datasetId, config: config({ epochs: 1, trainLimit: 32, testLimit: 32, snapshotsPerEpoch: 1, freeze: ['conv1', 'conv2'], backend: 'webgpu' }) });
    expect(await ctx.trainers.finished(frozen.id)).toBe('done');
    expect(getRun(db, frozen.id)).toMatchObject({ status: 'done', backend: 'webgpu' });
    const [start, end] = [weightsAt(frozen.id, 0), weightsAt(frozen.id, 1)];
    const same = (x: Float32Array, y: Float32Array) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(y.buffer, y.byteOffset, y.byteLength));
    TENSOR_NAMES.forEach((name, i) => expect([name, same(start[i]!, end[i]!)]).toEqual([name, name.startsWith('conv')]));
  });
});

describe("auto in the desktop app's wiring", () => {
  type Kept = { entries: { host: string; record: ProbeRecord }[] };
  const keptFile = () => probeCacheFile(join(dir, 'runs.db'));
  const kept = () => JSON.parse(readFileSync(keptFile(), 'utf8')) as Kept;
  const keptFor = (host: string) => kept().entries.find((e) => e.host === host && e.record.geometry.batchSize === 32)!.record;

  it("probes the window too, passes over its software adapter with that reason, and trains on the trainer process's CPU floor", { timeout: LONG }, async () => {
    const opened = host.pages.length;
    const run = await startRun(ctx, { datasetId, config: config({ epochs: 1, trainLimit: 64, snapshotsPerEpoch: 1, backend: 'auto' }) });
    expect(host.pages.length).toBe(opened + 1); // the window answered the probe (and was closed); training opened none
    expect(await ctx.trainers.finished(run.id)).toBe('done');
    const stored = expectIntactSnapshots(db, run.id);
    expect(stored.backend).toBe('wasm');
    expect(stored.backendSummary).toMatch(/^CPU: wasm, \d threads? — (.*; )?WebGPU adapter is software only$/);

    const window = keptFor('window');
    expect(window.candidates).toEqual([expect.objectContaining({ name: 'webgpu', host: 'window', software: true, label: expect.stringMatching(/\(Chromium, software\)$/) })]);
    expect(window.candidates[0]!.burst).toBeUndefined(); // a software adapter is never measured
    expect(window.fingerprint).toMatch(/^(Headless)?Chrome\/\d+/);
    expect(keptFor('process').candidates.map((c) => c.host)).not.toContain('window');
    expect(host.errors).toEqual([]);
  });

  it("keeps each host's measurement: reused while it holds, the window's redone when its own fingerprint changes", { timeout: LONG }, async () => {
    const geometry = { shape: [28, 28, 1] as [number, number, number], classes: 10, batchSize: 32 };
    const probe = (remeasure = false) => probeBackend({ dbPath: join(dir, 'runs.db'), spawn }, { choice: 'auto', geometry, remeasure });
    const measuredAt = () => ({ window: keptFor('window').measuredAt, process: keptFor('process').measuredAt });
    const first = measuredAt();
    const answer = await probe();
    expect(measuredAt()).toEqual(first);

    // As after a Chromium update: the window measures again, the trainer process's record still holds.
    const file = kept();
    const entry = file.entries.find((e) => e.host === 'window' && e.record.geometry.batchSize === 32)!;
    entry.record.fingerprint = entry.record.fingerprint.replace(/\d+/, '1');
    writeFileSync(keptFile(), JSON.stringify(file));
    expect(await probe()).toEqual(answer);
    const second = measuredAt();
    expect(second.window > first.window).toBe(true);
    expect(second.process).toBe(first.process);

    await probe(true);
    expect(measuredAt().window > second.window).toBe(true);
    expect(measuredAt().process > second.process).toBe(true);
  });

  it("trains a run in the window when auto's answer is the window's WebGPU", { timeout: LONG }, async () => {
    // What auto answers where the window's GPU wins; SwiftShader never wins, so the answer is made from its candidate.
    const candidate = keptFor('window').candidates[0]!;
    const answer = backendInfo({ ...candidate, software: false }, ' · 4.1× CPU');
    const dataset = getDataset(db, datasetId)!;
    const runConfig = config({ epochs: 1, trainLimit: 32, testLimit: 32, snapshotsPerEpoch: 1, backend: 'auto' });
    const runId = createRun(db, { name: 'auto on the window', datasetId, datasetName: dataset.name, datasetPath: dataset.path, inputShape: dataset.shape, classes: dataset.classes, config: runConfig, pid: process.pid });
    const opened = host.pages.length;
    ctx.trainers.start({ ...trainerJob(db, runId), backend: answer });
    expect(await ctx.trainers.finished(runId)).toBe('done');
    expect(host.pages.length).toBe(opened + 1);
    const stored = expectIntactSnapshots(db, runId);
    expect(stored).toMatchObject({ backend: 'webgpu', backendSummary: answer.summary });
    expect(stored.snapshots.map((s) => s.epoch)).toEqual([0, 1]);
  });
});
