/** runs.*, weights.*, metrics.get and app.info through `dispatch`, as IPC and HTTP call them. */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { coreContext } from '../../../../src-main/core/startup.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, LAYERS, runConfigSchema, TENSOR_NAMES, type ApiResult, type EventName, type LayerChange, type LayerName } from '../../../../src-preload/api.ts';
import type { CoreContext } from '../../../../src-main/core/api/context.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { addDatasetFromDisk } from '../../../../src-main/core/dataset-registry.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { createRun, updateRun } from '../../../../src-main/core/store/runs.ts';
import { insertSnapshot } from '../../../../src-main/core/store/snapshots.ts';
import { SAMPLE_DIR } from './sample.ts';
import { unwrap } from '../../../helpers.ts';

let dir: string;
let db: Db;
let ctx: CoreContext;
const changed: number[] = [];
let call: (method: string, input: unknown) => Promise<ApiResult<unknown>>;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-api-'));
  db = openDatabase(join(dir, 'w.db'));
  const emit = (event: EventName, payload: unknown) => {
    if (event === 'run.changed') changed.push((payload as { runId: number }).runId);
  };
  ctx = coreContext({ db, dbPath: join(dir, 'w.db'), shell: 'browser', emit });
  const handlers = createHandlers(ctx);
  call = (method, input) => dispatch(handlers, method, input);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const runCount = () => (db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n;

/** A finished run with two stored snapshots, written straight to the store. */
function storedRun(): number {
  const runId = createRun(db, {
    name: 'stored',
    datasetId: null,
    datasetName: 'Fashion-MNIST',
    datasetPath: SAMPLE_DIR,
    inputShape: [28, 28, 1],
    classes: [],
    config: runConfigSchema.parse({ epochs: 1 }),
    status: 'done',
  });
  const layers = Object.fromEntries(LAYERS.map((l) => [l, { norm: 1, relChangePrev: 0, relChangeInit: 0 }])) as Record<LayerName, LayerChange>;
  for (const seq of [0, 1]) {
    insertSnapshot(db, runId, {
      seq,
      epoch: seq,
      metrics: { trainLoss: seq ? 0.5 : null, trainAccuracy: seq ? 0.8 : null, testLoss: 0.6, testAccuracy: seq ? 0.75 : 0.1 },
      layers,
      tensors: TENSOR_NAMES.map((name) => ({ name, shape: [2, 3], data: Float32Array.from({ length: 6 }, (_, i) => seq * 10 + i) })),
    });
  }
  return runId;
}

describe('runs API', () => {
  it('refuses a missing or unavailable data set and leaves no run behind', async () => {
    expect(await call('runs.start', { datasetId: 999, config: {} })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    const copy = join(dir, 'sample');
    cpSync(SAMPLE_DIR, copy, { recursive: true });
    const { id } = await addDatasetFromDisk(db, copy);
    rmSync(join(copy, 'train-images-idx3-ubyte.gz'));
    const result = await call('runs.start', { datasetId: id, config: {} });
    expect(result).toMatchObject({ ok: false, error: { code: 'unavailable', field: 'datasetId' } });
    if (!result.ok) expect(result.error.message).toMatch(/train-images/);
    expect(await call('runs.freezeExperiment', { datasetId: id, config: {} })).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    expect(await call('runs.start', { datasetId: id, config: { freeze: ['conv3'] } })).toMatchObject({
      ok: false,
      error: { code: 'bad-input', field: 'config.freeze.0' },
    });
    expect(runCount()).toBe(0);
  });

  it('refuses an unknown key in the settings (a typo), naming it, and starts nothing', async () => {
    const copy = join(dir, 'sample-for-typos');
    cpSync(SAMPLE_DIR, copy, { recursive: true });
    const { id } = await addDatasetFromDisk(db, copy);
    const before = runCount();
    for (const method of ['runs.start', 'runs.freezeExperiment'] as const) {
      const result = await call(method, { datasetId: id, config: { epoch: 1 } });
      expect(result).toMatchObject({ ok: false, error: { code: 'bad-input', field: 'config.epoch' } });
      if (!result.ok) expect(result.error.message).toMatch(/^runs\.\w+: config\.epoch: Unrecognized key: "epoch"$/);
    }
    expect(runCount()).toBe(before);
  });

  it('reads a stored run whose settings hold a key this release does not know', async () => {
    const runId = storedRun();
    db.prepare("UPDATE runs SET config = json_set(config, '$.retired', 1) WHERE id = ?").run(runId);
    const detail = unwrap<{ config: Record<string, unknown> }>(await call('runs.get', { id: runId }));
    expect(detail.config).toMatchObject({ epochs: 1 });
    expect(detail.config).not.toHaveProperty('retired');
    unwrap(await call('runs.remove', { id: runId }));
  });

  it('answers not-found for a run that does not exist', async () => {
    for (const [method, input] of [
      ['runs.get', { id: 404 }],
      ['runs.stop', { id: 404 }],
      ['runs.resume', { id: 404 }],
      ['runs.rename', { id: 404, name: 'x' }],
      ['runs.remove', { id: 404 }],
      ['weights.get', { runId: 404, tensor: 'conv1/kernel', seq: 0 }],
      ['weights.series', { runId: 404, tensor: 'conv1/kernel' }],
      ['metrics.get', { runId: 404 }],
    ] as const) {
      expect(await call(method, input), method).toMatchObject({ ok: false, error: { code: 'not-found' } });
    }
  });

  it('lists, gets, renames and removes runs, and serves their weights and metrics', async () => {
    const runId = storedRun();
    expect(unwrap<{ id: number }[]>(await call('runs.list', {})).map((r) => r.id)).toContain(runId);
    const detail = unwrap<{ epochsDone: number; bestTestAccuracy: number; tensors: unknown[] }>(await call('runs.get', { id: runId }));
    expect(detail).toMatchObject({ epochsDone: 1, bestTestAccuracy: 0.75 });
    expect(detail.tensors).toHaveLength(8);

    const tensor = unwrap<{ shape: number[]; data: Float32Array }>(await call('weights.get', { runId, tensor: 'fc1/bias', seq: 1 }));
    expect(tensor.shape).toEqual([2, 3]);
    expect(Array.from(tensor.data)).toEqual([10, 11, 12, 13, 14, 15]);
    expect(await call('weights.get', { runId, tensor: 'fc1/bias', seq: 7 })).toMatchObject({ ok: false, error: { code: 'not-found', field: 'seq' } });
    const series = unwrap<{ seqs: number[]; data: Float32Array }>(await call('weights.series', { runId, tensor: 'conv1/kernel' }));
    expect(series.seqs).toEqual([0, 1]);
    expect(series.data).toBeInstanceOf(Float32Array);
    expect(series.data.length).toBe(12);
    const metrics = unwrap<{ metrics: { testAccuracy: number } }[]>(await call('metrics.get', { runId }));
    expect(metrics.map((m) => m.metrics.testAccuracy)).toEqual([0.1, 0.75]);

    expect(await call('runs.resume', { id: runId })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(unwrap<{ name: string }>(await call('runs.rename', { id: runId, name: '  baseline ' })).name).toBe('baseline');
    expect(changed).toContain(runId);

    updateRun(db, runId, { status: 'running', pid: process.pid });
    expect(await call('runs.remove', { id: runId })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    updateRun(db, runId, { status: 'stopped', pid: null });
    expect(unwrap(await call('runs.remove', { id: runId }))).toBeUndefined();
    expect(await call('runs.get', { id: runId })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(db.prepare('SELECT COUNT(*) AS n FROM tensors').get()).toEqual({ n: 0 });
  });

  it('answers stored data that no longer reads with an error naming the run, and leaves a run that cannot resume as it was', async () => {
    const { id: datasetId } = await addDatasetFromDisk(db, SAMPLE_DIR);
    const runId = storedRun();
    db.prepare("UPDATE runs SET dataset_id = ?, status = 'stopped' WHERE id = ?").run(datasetId, runId);
    db.prepare('INSERT INTO resume_states (run_id, seq, state) VALUES (?, 1, ?)').run(runId, Buffer.from([1, 0, 0, 0, 99, 0, 0, 0]));
    const resumed = await call('runs.resume', { id: runId });
    expect(resumed).toMatchObject({ ok: false, error: { code: 'failed', message: `run #${runId}'s resume state cannot be read: it is truncated` } });
    expect(unwrap<{ status: string }>(await call('runs.get', { id: runId })).status).toBe('stopped');

    db.prepare('UPDATE runs SET config = ? WHERE id = ?').run('{"epochs": 0}', runId);
    const got = await call('runs.get', { id: runId });
    expect(got).toMatchObject({ ok: false, error: { code: 'failed' } });
    if (!got.ok) expect(got.error.message).toMatch(`run #${runId}'s stored config cannot be read: epochs: `);
  });

  it('runs.stop refuses a run trained by another live process, and marks one whose pid now belongs to another process interrupted', async () => {
    const runId = storedRun();
    updateRun(db, runId, { status: 'running', pid: process.pid });
    expect(await call('runs.stop', { id: runId })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    // The same pid, but recorded in an earlier boot: whatever runs under it now is not its trainer.
    db.prepare('UPDATE runs SET pid_started = ? WHERE id = ?').run(`boot@${Date.now() - 86_400_000}`, runId);
    expect(unwrap<{ status: string }>(await call('runs.stop', { id: runId })).status).toBe('interrupted');
  });

  it('app.info says which backend a run would train on', async () => {
    const info = unwrap<{ version: string; host: string; dbPath: string; backend: { name: string; detail: string } }>(await call('app.info', {}));
    expect(info).toMatchObject({ shell: 'browser', dbPath: ctx.dbPath });
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(info.backend.name);
    expect(info.backend.detail.length).toBeGreaterThan(0);
  });
});
