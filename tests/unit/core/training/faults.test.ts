/**
 * Faults while a real trainer process trains on the bundled sample: the database stops growing (SQLite's
 * `max_page_count`, a page limit that works everywhere), the trainer hangs (SIGSTOP: it stops sending
 * anything), the data set's folder moves away. Each time the run must stop with the reason in its error,
 * keep every snapshot stored before, and resume to the end once the cause is gone.
 */
import { cpSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreContext } from '../../../../src-main/core/startup.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, runConfigSchema, TENSOR_NAMES, type ApiResult, type DatasetInfo, type RunConfigInput } from '../../../../src-preload/api.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { addDatasetFromDisk } from '../../../../src-main/core/dataset-registry.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { readResumeState } from '../../../../src-main/core/store/resume.ts';
import { getRun, getStoredRun } from '../../../../src-main/core/store/runs.ts';
import { readTensor } from '../../../../src-main/core/store/snapshots.ts';
import { Trainers } from '../../../../src-main/core/training/trainers.ts';
import { resumeRun, startRun, stopRun } from '../../../../src-main/core/training/service.ts';
import type { TrainerWatch } from '../../../../src-main/core/training/supervisor.ts';
import type { FromTrainer } from '../../../../src-main/trainer/protocol.ts';
import { SAMPLE_DIR } from './sample.ts';

let dir: string;
let dbPath: string;
let db: Db;
const made: Trainers[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-faults-'));
  dbPath = join(dir, 'runs.db');
  db = openDatabase(dbPath);
});
afterAll(async () => {
  await Promise.all(made.map((t) => t.stopAll()));
  db?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A training context whose hosts watch their trainers as given. */
function context(watch: TrainerWatch = {}) {
  const emit = () => {};
  const trainers = new Trainers({ db, emit, watch });
  made.push(trainers);
  return { db, emit, trainers, call: (method: string, input: unknown) => dispatch(createHandlers({ ...coreContext({ db, dbPath, shell: 'browser', emit }), trainers }), method, input) };
}

const config = (input: RunConfigInput) => runConfigSchema.parse({ batchSize: 32, trainLimit: 256, testLimit: 100, backend: 'wasm', ...input });

function nextMessage(trainers: Trainers, runId: number, match: (m: FromTrainer) => boolean): Promise<FromTrainer> {
  return new Promise((resolve) => {
    const off = trainers.onMessage((id, message) => {
      if (id === runId && match(message)) {
        off();
        resolve(message);
      }
    });
  });
}
const snapshotStored = (trainers: Trainers, runId: number, seq: number) =>
  nextMessage(trainers, runId, (m) => m.type === 'snapshot' && m.snapshot.seq === seq);

/** The run's snapshots are 0…n without a gap, each with all its tensors, its resume state is the last one's, and the file is whole. */
function expectIntact(runId: number) {
  const run = getRun(db, runId)!;
  expect(run.snapshots.map((s) => s.seq)).toEqual(run.snapshots.map((_, i) => i));
  for (const s of run.snapshots) for (const name of TENSOR_NAMES) expect(readTensor(db, runId, name, s.seq), `${name} @ ${s.seq}`).toBeDefined();
  expect(readResumeState(db, runId)?.seq).toBe(run.snapshots.at(-1)?.seq);
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  return run;
}

/** A copy of the sample in its own folder, added as a data set. */
async function datasetCopy(folder: string): Promise<{ path: string; id: number; name: string }> {
  const path = join(dir, folder);
  cpSync(SAMPLE_DIR, path, { recursive: true });
  const { id, name } = await addDatasetFromDisk(db, path);
  return { path, id, name };
}

describe('faults while training', () => {
  it('disk full: the snapshot that does not fit is not stored, the run fails naming the file, and resumes once there is room', async () => {
    const ctx = context();
    const { id: datasetId } = await datasetCopy('disk-full');
    // Room for the first snapshots only: each stores 1.7 MB of weights and 1.7 MB of optimizer state.
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages + 1800}`);
    try {
      const run = await startRun(ctx, { datasetId, config: config({ epochs: 5 }) });
      expect(await ctx.trainers.finished(run.id)).toBe('failed');
      const failed = expectIntact(run.id);
      expect(failed.snapshots.length).toBeGreaterThanOrEqual(1);
      expect(failed.snapshots.length).toBeLessThan(6);
      expect(failed.error).toMatch(`disk full: there is no room to write to ${dbPath} (SQLite: database or disk is full). Snapshot ${failed.snapshots.length} was not stored`);
      expect(failed.error).toMatch(/free some space, then resume the run\.$/);
      expect(getStoredRun(db, run.id)!.pid).toBeNull();
      // The UI shows the error on the run, in the list and on its page.
      expect(await ctx.call('runs.list', {})).toMatchObject({ ok: true, value: expect.arrayContaining([expect.objectContaining({ id: run.id, status: 'failed', error: failed.error })]) });

      db.pragma('max_page_count = 4294967294');
      await resumeRun(ctx, run.id);
      expect(await ctx.trainers.finished(run.id)).toBe('done');
      const done = expectIntact(run.id);
      expect(done.snapshots.map((s) => s.epoch)).toEqual([0, 1, 2, 3, 4, 5]);
      expect(done.error).toBeNull();
    } finally {
      db.pragma('max_page_count = 4294967294');
    }
  });

  it('a hung trainer: no heartbeat within the timeout, so it is ended and the run interrupted with the reason; resume finishes it', async () => {
    const ctx = context({ heartbeatTimeoutMs: 4000 });
    const { id: datasetId } = await datasetCopy('hang');
    const run = await startRun(ctx, { datasetId, config: config({ epochs: 3, trainLimit: 800 }) });
    await snapshotStored(ctx.trainers, run.id, 1);
    const pid = getStoredRun(db, run.id)!.pid!;
    process.kill(pid, 'SIGSTOP'); // a trainer stuck in one call sends nothing more, exactly like this
    expect(await ctx.trainers.finished(run.id)).toBe('interrupted');
    const hung = expectIntact(run.id);
    expect(hung.error).toMatch(/^the trainer stopped answering \(no heartbeat for 4 s: stuck in a call such as a hung GPU driver, or suspended\)/);
    expect(() => process.kill(pid, 0)).toThrow(); // it is gone, not left stopped

    await resumeRun(ctx, run.id);
    expect(await ctx.trainers.finished(run.id)).toBe('done');
    expect(expectIntact(run.id).snapshots.map((s) => s.epoch)).toEqual([0, 1, 2, 3]);
  });

  it('the data set moves away while training: the run fails naming it; resume is refused until it is back', async () => {
    const ctx = context({ datasetCheckMs: 200 });
    const { path, id: datasetId, name } = await datasetCopy('moved-while-training');
    const run = await startRun(ctx, { datasetId, config: config({ epochs: 3, trainLimit: 800 }) });
    await snapshotStored(ctx.trainers, run.id, 1);
    renameSync(path, `${path}-elsewhere`);
    expect(await ctx.trainers.finished(run.id)).toBe('failed');
    const failed = expectIntact(run.id);
    expect(failed.error).toBe(
      `the data set is missing: ${path}: does not exist. Put it back (or locate it on the Data sets page), then resume the run.`,
    );

    const refused = await ctx.call('runs.resume', { id: run.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable', field: 'id' } });
    if (!refused.ok) expect(refused.error.message).toBe(`run #${run.id} cannot resume: its data set "${name}" is not as it was: ${path}: does not exist. Put it back, or locate it on the Data sets page.`);
    expect(getRun(db, run.id)).toMatchObject({ status: 'failed', error: failed.error });

    renameSync(`${path}-elsewhere`, path);
    await resumeRun(ctx, run.id);
    expect(await ctx.trainers.finished(run.id)).toBe('done');
    expect(expectIntact(run.id).snapshots.map((s) => s.epoch)).toEqual([0, 1, 2, 3]);
  });

  it('a data set moved before a resume: the list marks it missing, locating it checks the checksum, and the run resumes from there', async () => {
    const ctx = context();
    const { path, id: datasetId, name } = await datasetCopy('moved-before-resume');
    const run = await startRun(ctx, { datasetId, config: config({ epochs: 2, trainLimit: 800 }) });
    await snapshotStored(ctx.trainers, run.id, 1);
    await stopRun(ctx, run.id);
    const moved = join(dir, 'new-drive', 'fashion');
    cpSync(path, moved, { recursive: true });
    rmSync(path, { recursive: true });

    const list = (await ctx.call('datasets.list', {})) as ApiResult<DatasetInfo[]>;
    expect(list.ok && list.value.find((d) => d.id === datasetId)).toMatchObject({ available: false, missing: true, problem: `${path}: does not exist` });
    expect(await ctx.call('runs.resume', { id: run.id })).toMatchObject({ ok: false, error: { code: 'unavailable' } });

    // Another data set's files are not taken for it: the checksum differs, and nothing changes.
    const other = join(dir, 'other');
    cpSync(SAMPLE_DIR, other, { recursive: true });
    cpSync(join(SAMPLE_DIR, 'train-labels-idx1-ubyte.gz'), join(other, 't10k-labels-idx1-ubyte.gz'));
    const wrong = await ctx.call('datasets.locate', { id: datasetId, path: other });
    expect(wrong).toMatchObject({ ok: false, error: { code: 'conflict', field: 'path' } });
    if (!wrong.ok) expect(wrong.error.message).toMatch(`${other} does not hold the same files as "${name}" (their checksum differs)`);

    expect(await ctx.call('datasets.locate', { id: datasetId, path: moved })).toMatchObject({ ok: true, value: { id: datasetId, path: moved, available: true } });
    await resumeRun(ctx, run.id);
    expect(await ctx.trainers.finished(run.id)).toBe('done');
    expect(expectIntact(run.id).snapshots.map((s) => s.epoch)).toEqual([0, 1, 2]);
  });
});
