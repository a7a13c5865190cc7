/**
 * WebGPU training in the trainer process, asked for by name, on whatever adapter Dawn finds here: on a
 * machine without a GPU that is Mesa's lavapipe, a software Vulkan driver (`auto` never takes it, so
 * these tests name it). It must compute what wasm computes on real Fashion-MNIST images with the same
 * seed: weights after the first steps, and through the trainer process and the database a run whose
 * every snapshot is stored, that stops and resumes, ends within one accuracy point of wasm's; the
 * freeze experiment keeps its frozen layers bit for bit.
 *
 * lavapipe trains a few dozen images a second; the runs are the issue's: 1,000 images, 3 epochs.
 * Without any WebGPU adapter these tests are skipped, unless WEIGHTLAPSE_REQUIRE_WEBGPU is set (.ci/run
 * sets it, and installs a lavapipe that Dawn accepts: Mesa 25.0, not Debian 12's own 22.3).
 */
import * as tf from '@tensorflow/tfjs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfigSchema, TENSOR_NAMES, type RunConfigInput } from '../../../../src-preload/api.ts';
import { loadDataset } from '../../../../src-main/datasets/index.ts';
import { addDatasetFromDisk } from '../../../../src-main/core/dataset-registry.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { getRun } from '../../../../src-main/core/store/runs.ts';
import { readTensor } from '../../../../src-main/core/store/snapshots.ts';
import { resumeRun, startFreezeExperiment, startRun, stopRun, type TrainingContext } from '../../../../src-main/core/training/service.ts';
import { Trainers } from '../../../../src-main/core/training/trainers.ts';
import { startBackend, Unavailable } from '../../../../src-main/trainer/backend/index.ts';
import type { Started } from '../../../../src-main/trainer/protocol.ts';
import { batchTensors, makeOptimizer, trainStep } from '../../../../src-main/trainer/loop.ts';
import { createLeNet } from '../../../../src-main/trainer/model/lenet.ts';
import { relError } from './helpers.ts';

const FASHION = '/usr/share/datasets/fashion-mnist';
const LONG = 20 * 60_000;

const webgpu: Started | Unavailable = await startBackend('webgpu').catch((err: unknown) => {
  if (err instanceof Unavailable) return err;
  throw err;
});
const available = !(webgpu instanceof Unavailable);

it('finds a WebGPU adapter where one is required', (t) => {
  t.skip(!process.env.WEIGHTLAPSE_REQUIRE_WEBGPU && !available, 'no WebGPU adapter here, and WEIGHTLAPSE_REQUIRE_WEBGPU is not set');
  expect(available, `no WebGPU here: ${(webgpu as Unavailable).message}`).toBe(true);
});

describe.runIf(available)(`WebGPU training (${available ? (webgpu as Started).label : `skipped: no adapter: ${(webgpu as Unavailable).message}`})`, () => {
  const config = (input: RunConfigInput) =>
    runConfigSchema.parse({ optimizer: 'adam', learningRate: 0.001, batchSize: 100, trainLimit: 1000, testLimit: 200, seed: 7, ...input });

  it('starts, and says when its adapter is a software one', () => {
    const started = webgpu as Started;
    expect(started).toMatchObject({ name: 'webgpu', gpu: true });
    expect(started.label).toMatch(/^WebGPU · .+ \((Vulkan|Metal|D3D12)/);
    expect(started.detail).toMatch(/tfjs-backend-webgpu 4\.22\.0 on Dawn \(webgpu 0\.6\.2\)/);
    if (started.software) expect(started.label).toContain('software');
  });

  it('computes the same weights as wasm over the first steps', { timeout: LONG }, async () => {
    const { description, train } = await loadDataset(FASHION, { trainLimit: 192, testLimit: 1 });
    const geometry = { shape: description.shape, classes: 10 };
    const weightsAfter = async (backend: 'wasm' | 'webgpu') => {
      await startBackend(backend);
      const net = createLeNet(geometry.shape, 7);
      const optimizer = makeOptimizer(runConfigSchema.parse({}));
      for (let start = 0; start < train.count; start += 64) {
        const { x, y } = batchTensors(train, geometry, start, start + 64);
        await trainStep(net, optimizer, x, y);
        tf.dispose([x, y]);
      }
      const weights = await Promise.all(net.weights.map((w) => w.variable.data()));
      optimizer.dispose();
      net.model.dispose();
      return weights;
    };
    const wasm = await weightsAfter('wasm');
    const gpu = await weightsAfter('webgpu');
    // Three SGD steps; float32 sums in another order differ by a few ulps, a wrong kernel by far more.
    TENSOR_NAMES.forEach((name, i) => expect(relError(gpu[i]!, wasm[i]!), name).toBeLessThan(1e-4));
  });

  describe('through the trainer process and the database', () => {
    let dir: string;
    let db: Db;
    let ctx: TrainingContext;
    let datasetId: number;

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'weightlapse-webgpu-'));
      db = openDatabase(join(dir, 'runs.db'));
      const emit = () => {};
      ctx = { db, emit, trainers: new Trainers({ db, emit }) };
      datasetId = (await addDatasetFromDisk(db, FASHION)).id;
    });
    afterAll(async () => {
      await ctx?.trainers.stopAll();
      db?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    const weightsAt = (runId: number, seq: number) => TENSOR_NAMES.map((name) => readTensor(db, runId, name, seq)!.data);

    it('trains, stops, resumes, stores every snapshot, and ends within one accuracy point of wasm', { timeout: LONG }, async () => {
      const t0 = performance.now();
      const wasm = await startRun(ctx, { datasetId, config: config({ epochs: 3, backend: 'wasm' }) });
      expect(await ctx.trainers.finished(wasm.id)).toBe('done');

      const gpu = await startRun(ctx, { datasetId, config: config({ epochs: 3, backend: 'webgpu' }) });
      await new Promise<void>((resolve) => {
        const off = ctx.trainers.onMessage((id, m) => {
          if (id === gpu.id && m.type === 'snapshot' && m.snapshot.seq === 1) {
            off();
            resolve();
          }
        });
      });
      await stopRun(ctx, gpu.id);
      expect(getRun(db, gpu.id)!.status).toBe('stopped');
      await resumeRun(ctx, gpu.id);
      expect(await ctx.trainers.finished(gpu.id)).toBe('done');
      const [a, b] = [getRun(db, wasm.id)!, getRun(db, gpu.id)!];
      const accuracy = (run: typeof a) => run.snapshots.at(-1)!.metrics.testAccuracy!;
      const seconds = ((performance.now() - t0) / 1000).toFixed(0);
      console.log(`test accuracy: webgpu ${accuracy(b)}, wasm ${accuracy(a)}; ${seconds} s for both runs, stop and resume included`);
      expect(b).toMatchObject({ status: 'done', backend: 'webgpu', error: null });
      expect(b.backendSummary).toMatch(/^GPU: WebGPU · .+ — asked for by name$/);
      expect(b.snapshots.map((s) => s.epoch)).toEqual([0, 1, 2, 3]);
      for (const s of b.snapshots) {
        weightsAt(gpu.id, s.seq).forEach((data, i) => {
          expect(data.length).toBe(b.tensors[i]!.shape.reduce((m, n) => m * n, 1));
          expect(data.every(Number.isFinite)).toBe(true);
        });
      }
      expect(weightsAt(gpu.id, 0)).toEqual(weightsAt(wasm.id, 0)); // seeded in JavaScript: identical
      weightsAt(gpu.id, 1).forEach((data, i) => expect(relError(data, weightsAt(wasm.id, 1)[i]!)).toBeLessThan(1e-3));
      expect(accuracy(a)).toBeGreaterThan(0.5);
      expect(Math.abs(accuracy(b) - accuracy(a))).toBeLessThanOrEqual(0.01);
    });

    it('keeps the frozen layers of the freeze experiment bit for bit', { timeout: LONG }, async () => {
      const { trained, frozen } = await startFreezeExperiment(ctx, { datasetId, config: config({ epochs: 1, trainLimit: 200, backend: 'webgpu' }) });
      expect(await ctx.trainers.finished(frozen.id)).toBe('done');
      expect(getRun(db, trained.id)).toMatchObject({ status: 'done', backend: 'webgpu' });
      const [start, end] = [weightsAt(frozen.id, 0), weightsAt(frozen.id, 1)];
      TENSOR_NAMES.forEach((name, i) => {
        const same = Buffer.from(start[i]!.buffer).equals(Buffer.from(end[i]!.buffer));
        expect([name, same]).toEqual([name, name.startsWith('conv')]);
      });
    });
  });
});
