/**
 * The host side of the backend probe, with real trainer processes: the kept measurement beside the
 * database (written, reused while it holds, redone when it does not or when asked), a desktop app whose
 * trainer window cannot open, and a backend asked for by name that cannot start refused before any run
 * is stored. The window's own probe, with a real page, is tested in tests/e2e/trainer-window.test.ts.
 */
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, runConfigSchema } from '../../../../src-preload/api.ts';
import { addDatasetFromDisk } from '../../../../src-main/core/dataset-registry.ts';
import { appVersion } from '../../../../src-main/core/paths.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { probeBackend, probeCacheFile } from '../../../../src-main/core/training/probe.ts';
import { startRun } from '../../../../src-main/core/training/service.ts';
import { forkTrainer } from '../../../../src-main/core/training/fork.ts';
import { spawnerByBackend } from '../../../../src-main/core/training/trainer-host.ts';
import { Trainers } from '../../../../src-main/core/training/trainers.ts';
import { windowTrainer } from '../../../../src-main/electron/window-trainer.ts';
import type { BurstGeometry, ProbeRecord } from '../../../../src-main/trainer/protocol.ts';
import { SAMPLE_DIR } from './sample.ts';
import { installed } from './sample.ts';

let dir: string;
const geometry: BurstGeometry = { shape: [28, 28, 1], classes: 10, batchSize: 48 };
/** Each call asks a trainer process; all databases here share one folder, so one kept file. */
const probe = (name: string, remeasure = false) =>
  probeBackend({ dbPath: join(dir, `${name}.db`), spawn: forkTrainer() }, { choice: 'auto', geometry, remeasure });
const kept = () => JSON.parse(readFileSync(probeCacheFile(join(dir, 'any.db')), 'utf8')) as { entries: { appVersion: string; host: string; record: ProbeRecord }[] };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-probe-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the kept measurement', () => {
  it('is written beside the database, reused while it holds, and redone when stale or asked', async () => {
    const first = await probe('a');
    expect(first.summary).toMatch(/^(CPU|GPU): /);
    const [entry] = kept().entries;
    expect(entry).toMatchObject({ appVersion, host: 'process', record: { geometry } });
    const measuredAt = entry!.record.measuredAt;

    expect(await probe('b')).toEqual(first);
    expect(kept().entries[0]!.record.measuredAt).toBe(measuredAt); // reused: nothing new to keep

    writeFileSync(probeCacheFile(join(dir, 'any.db')), JSON.stringify({ entries: [{ ...entry, record: { ...entry!.record, fingerprint: 'another driver' } }] }));
    await probe('c');
    expect(kept().entries[0]!.record).toMatchObject({ fingerprint: entry!.record.fingerprint });
    expect(kept().entries[0]!.record.measuredAt > measuredAt).toBe(true);

    const before = kept().entries[0]!.record.measuredAt;
    await probe('c', true);
    expect(kept().entries[0]!.record.measuredAt > before).toBe(true);
    expect(kept().entries).toHaveLength(1);
  });

  it('an unreadable file only means measuring again', async () => {
    writeFileSync(probeCacheFile(join(dir, 'any.db')), '{ not json');
    expect((await probe('d')).summary).toMatch(/^(CPU|GPU): /);
    expect(kept().entries).toHaveLength(1);
  });
});


describe('in the desktop app, a trainer window that cannot open', () => {
  it("leaves auto to the trainer process's backends, and the answer says why", async () => {
    const noWindow = windowTrainer(() => {
      throw new Error('no display to open a window on');
    });
    const spawn = spawnerByBackend({ process: forkTrainer(), window: noWindow });
    const info = await probeBackend({ dbPath: join(dir, 'desktop.db'), spawn }, { choice: 'auto', geometry });
    expect(info).toMatchObject({ host: 'process', summary: expect.stringMatching(/^(CPU|GPU): .* — (.*; )?the trainer window failed/) });
    expect(info.detail).toContain("the hidden trainer window could not probe Chromium's WebGPU: no display to open a window on");
    expect(kept().entries.map((e) => e.host)).toEqual(['process']); // nothing kept for a window that never answered
  });
});

describe.runIf(!installed('@tensorflow/tfjs-node') && !installed('@tensorflow/tfjs-node-gpu'))('a backend asked for by name', () => {
  let db: Db;
  beforeAll(() => {
    db = openDatabase(join(dir, 'runs.db'));
  });
  afterAll(() => db.close());

  it('that cannot start is refused naming config.backend, and no run is stored', async () => {
    const emit = () => {};
    const ctx = { db, emit, trainers: new Trainers({ db, emit }) };
    const { id: datasetId } = await addDatasetFromDisk(db, SAMPLE_DIR);
    const err = await startRun(ctx, { datasetId, config: runConfigSchema.parse({ backend: 'tensorflow' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ code: 'unavailable', field: 'config.backend' });
    expect((err as Error).message).toMatch(/tfjs-node-gpu: not installed.*tfjs-node: not installed/);
    expect((db.prepare('SELECT COUNT(*) AS n FROM runs').get() as { n: number }).n).toBe(0);
  });
});
