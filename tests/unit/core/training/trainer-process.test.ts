/**
 * The trainer for real: a child process training LeNet on the bundled Fashion-MNIST sample, killed
 * with SIGKILL, stopped, resumed; the database checked after each.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConfigSchema, TENSOR_NAMES, type EventName, type Events, type RunConfigInput } from '../../../../src-preload/api.ts';
import { addDatasetFromDisk } from '../../../../src-main/core/dataset-registry.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { getRun, getStoredRun } from '../../../../src-main/core/store/runs.ts';
import { readEpochLedgers, readLedger } from '../../../../src-main/core/store/ledgers.ts';
import { readResumeState } from '../../../../src-main/core/store/resume.ts';
import { readTensor } from '../../../../src-main/core/store/snapshots.ts';
import { resumeRun, startFreezeExperiment, startRun, stopRun } from '../../../../src-main/core/training/service.ts';
import type { TrainingContext } from '../../../../src-main/core/training/service.ts';
import { Trainers } from '../../../../src-main/core/training/trainers.ts';
import { NOT_PRESENTED } from '../../../../src-main/trainer/protocol.ts';
import { expectIntactSnapshots, nextMessage, SAMPLE_DIR } from './sample.ts';

let dir: string;
let db: Db;
let ctx: TrainingContext;
let datasetId: number;
const events: { event: EventName; payload: unknown }[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-trainer-'));
  const dbPath = join(dir, 'runs.db');
  db = openDatabase(dbPath);
  datasetId = (await addDatasetFromDisk(db, SAMPLE_DIR)).id;
  const emit = <E extends EventName>(event: E, payload: Events[E]) => void events.push({ event, payload });
  ctx = { db, emit, trainers: new Trainers({ db, emit }) };
});

afterAll(async () => {
  await ctx?.trainers.stopAll();
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

const config = (input: RunConfigInput) =>
  runConfigSchema.parse({ batchSize: 32, trainLimit: 256, testLimit: 100, backend: 'wasm', ...input });


const weightsAt = (runId: number, seq: number) => TENSOR_NAMES.map((name) => Buffer.from(readTensor(db, runId, name, seq)!.data.buffer));
/** Every snapshot's example ledger, in seq order. */
const ledgersOf = (runId: number) => getRun(db, runId)!.snapshots.map((s) => readLedger(db, runId, s.seq));
/** The share of each epoch's presentations predicted right, from its complete ledger. */
const ledgerAccuracy = (runId: number) => readEpochLedgers(db, runId).map((l) => l.correct.reduce((n, c) => n + c, 0) / l.correct.length);

describe('the trainer process', () => {
  it('trains, writes a snapshot per epoch and inside the first, reports progress, and finishes done', async () => {
    const run = await startRun(ctx, { datasetId, config: config({ epochs: 2, snapshotsPerEpoch: 2 }) });
    expect(run.status).toBe('running');
    expect(await ctx.trainers.finished(run.id)).toBe('done');
    const detail = expectIntactSnapshots(db, run.id);
    expect(detail.status).toBe('done');
    expect(detail.backend).toBe('wasm');
    expect(detail.snapshots.map((s) => s.epoch)).toEqual([0, 0.5, 1, 2]);
    expect(detail.snapshots[0]!.metrics.testAccuracy).not.toBeNull();
    expect(detail.snapshots[1]!.metrics).toMatchObject({ testAccuracy: null, testLoss: null });
    expect(detail.snapshots[1]!.metrics.trainLoss).toBeGreaterThan(0);
    expect(detail.snapshots[3]!.metrics.testAccuracy).toBeGreaterThan(0.2);
    expect(detail.snapshots[0]!.layers.conv1.relChangeInit).toBe(0);
    expect(detail.snapshots[3]!.layers.conv1.relChangeInit).toBeGreaterThan(0);
    expect(detail.imagesPerSecond).toBeGreaterThan(0);
    expect(getStoredRun(db, run.id)!.pid).toBeNull();
    const progress = events.filter((e) => e.event === 'run.progress').map((e) => e.payload as Events['run.progress']);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.at(-1)).toMatchObject({ runId: run.id, epoch: 2, epochs: 2, batch: 8, batches: 8 });
    expect(events.some((e) => e.event === 'run.changed')).toBe(true);

    // The example ledger: none at seq 0, half the images at the snapshot halfway through the first epoch,
    // every image at each epoch's end, and its hits are the epoch's train accuracy.
    const [initial, half, first, second] = ledgersOf(run.id);
    expect(initial).toBeUndefined();
    expect(half!.epoch).toBe(0);
    expect(half!.correct.filter((c) => c !== NOT_PRESENTED).length).toBe(128);
    expect([first!.epoch, second!.epoch]).toEqual([0, 1]);
    for (const l of [first!, second!]) expect(l.correct.every((c) => c === 0 || c === 1)).toBe(true);
    expect(ledgerAccuracy(run.id)).toEqual([detail.snapshots[2]!.metrics.trainAccuracy, detail.snapshots[3]!.metrics.trainAccuracy]);
    expect(readEpochLedgers(db, run.id, 1).map((l) => l.seq)).toEqual([1]);
  });

  it('survives kill -9: completed epochs stay intact, the run is interrupted, and resume completes it', async () => {
    // Enough images that an epoch outlasts the time it takes to deliver the kill.
    const run = await startRun(ctx, { datasetId, config: config({ epochs: 2, trainLimit: 1500 }) });
    await nextMessage(ctx.trainers, run.id, (m) => m.type === 'snapshot' && m.snapshot.seq === 1);
    process.kill(getStoredRun(db, run.id)!.pid!, 'SIGKILL');
    expect(await ctx.trainers.finished(run.id)).toBe('interrupted');
    const killed = expectIntactSnapshots(db, run.id);
    expect(killed.status).toBe('interrupted');
    expect(killed.error).toMatch(/SIGKILL/);
    expect(killed.snapshots.length).toBeGreaterThanOrEqual(2);
    expect(killed.snapshots.length).toBeLessThan(3);

    await resumeRun(ctx, run.id);
    expect(await ctx.trainers.finished(run.id)).toBe('done');
    const resumed = expectIntactSnapshots(db, run.id);
    expect(resumed.snapshots.map((s) => s.epoch)).toEqual([0, 1, 2]);
    expect(resumed.epochsDone).toBe(2);
    expect(resumed.error).toBeNull();
    // The epoch the kill cut short was replayed: its ledger is whole.
    expect(readEpochLedgers(db, run.id).map((l) => [l.epoch, l.correct.includes(NOT_PRESENTED)])).toEqual([[0, false], [1, false]]);
  });

  it('resumes a stopped run to the same final weights as an uninterrupted one with the same seed', async () => {
    // Epochs long enough that the stop arrives during the second.
    const settings = config({ epochs: 2, seed: 5, trainLimit: 1000 });
    const whole = await startRun(ctx, { datasetId, config: settings });
    expect(await ctx.trainers.finished(whole.id)).toBe('done');

    const parted = await startRun(ctx, { datasetId, config: settings });
    await nextMessage(ctx.trainers, parted.id, (m) => m.type === 'snapshot' && m.snapshot.seq === 1);
    await stopRun(ctx, parted.id);
    expect(getRun(db, parted.id)!.status).toBe('stopped');
    await resumeRun(ctx, parted.id);
    expect(await ctx.trainers.finished(parted.id)).toBe('done');

    expect(weightsAt(parted.id, 0)).toEqual(weightsAt(whole.id, 0));
    expect(weightsAt(parted.id, 2)).toEqual(weightsAt(whole.id, 2));
    expect(getRun(db, parted.id)!.snapshots.map((s) => s.metrics)).toEqual(getRun(db, whole.id)!.snapshots.map((s) => s.metrics));
    expect(ledgersOf(parted.id)).toEqual(ledgersOf(whole.id));
  });

  it('resumes a run stopped inside an epoch with that epoch’s ledger so far: the same ledger as an uninterrupted run', async () => {
    // The stop comes after one of the snapshots inside the only epoch (the first is 3 of its 20 batches in), which the resumed run carries on from.
    const settings = config({ epochs: 1, seed: 6, trainLimit: 640, snapshotsPerEpoch: 8 });
    const whole = await startRun(ctx, { datasetId, config: settings });
    expect(await ctx.trainers.finished(whole.id)).toBe('done');

    const parted = await startRun(ctx, { datasetId, config: settings });
    await nextMessage(ctx.trainers, parted.id, (m) => m.type === 'snapshot' && m.snapshot.seq === 1);
    await stopRun(ctx, parted.id);
    expect(readResumeState(db, parted.id)!.batch).toBeGreaterThan(0);
    await resumeRun(ctx, parted.id);
    expect(await ctx.trainers.finished(parted.id)).toBe('done');

    const [partedLedgers, wholeLedgers] = [ledgersOf(parted.id), ledgersOf(whole.id)];
    expect(partedLedgers.length).toBe(9);
    expect(partedLedgers).toEqual(wholeLedgers);
    expect(partedLedgers[8]!.correct.includes(NOT_PRESENTED)).toBe(false);
  });

  it('fails the run and ends its trainer when the database refuses a snapshot, keeping what was stored before', async () => {
    const run = await startRun(ctx, { datasetId, config: config({ epochs: 2, seed: 11 }) });
    db.exec(`CREATE TRIGGER refuse_second BEFORE INSERT ON snapshots WHEN NEW.run_id = ${run.id} AND NEW.seq = 1
             BEGIN SELECT RAISE(ABORT, 'disk full'); END`);
    try {
      expect(await ctx.trainers.finished(run.id)).toBe('failed');
    } finally {
      db.exec('DROP TRIGGER refuse_second');
    }
    const failed = expectIntactSnapshots(db, run.id);
    expect(failed).toMatchObject({ status: 'failed', error: 'disk full. Snapshot 1 was not stored; the ones before it are intact: resume the run once that is fixed.' });
    expect(failed.snapshots.map((s) => s.seq)).toEqual([0]);
    expect(getStoredRun(db, run.id)!.pid).toBeNull();
    expect(readResumeState(db, run.id)!.seq).toBe(0);
  });

  it('runs the freeze experiment one run after the other: same start, conv1 and conv2 never move', async () => {
    const { trained, frozen } = await startFreezeExperiment(ctx, { datasetId, config: config({ epochs: 1, seed: 9 }) });
    expect(ctx.trainers.owns(frozen.id)).toBe(true);
    expect(await ctx.trainers.finished(frozen.id)).toBe('done');
    expect(getRun(db, trained.id)!.status).toBe('done');
    expect(getRun(db, frozen.id)!.config.freeze).toEqual(['conv1', 'conv2']);
    expect(weightsAt(frozen.id, 0)).toEqual(weightsAt(trained.id, 0));
    const [start, end] = [weightsAt(frozen.id, 0), weightsAt(frozen.id, 1)];
    TENSOR_NAMES.forEach((name, i) => expect([name, start[i]!.equals(end[i]!)]).toEqual([name, name.startsWith('conv')]));
    const trainedEnd = weightsAt(trained.id, 1);
    expect(trainedEnd[0]!.equals(start[0]!)).toBe(false);
  });
});
