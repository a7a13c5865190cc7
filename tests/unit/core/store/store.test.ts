import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir, uptime } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LAYERS, runConfigSchema, TENSOR_NAMES, type LayerChange, type LayerName } from '../../../../src-preload/api.ts';
import { DatabaseVersionError, openDatabase, SCHEMA_VERSION, type Db } from '../../../../src-main/core/store/db.ts';
import { migrations } from '../../../../src-main/core/store/migrations.ts';
import { isSameProcess, processStart } from '../../../../src-main/core/store/processes.ts';
import { decodeResumeState, encodeResumeState, readResumeState, writeResumeState } from '../../../../src-main/core/store/resume.ts';
import { createRun, getRun, getStoredRun, listRuns, markInterruptedRuns, removeRun } from '../../../../src-main/core/store/runs.ts';
import { HOT_QUERIES, insertSnapshot, readTensor, readTensorSeries } from '../../../../src-main/core/store/snapshots.ts';
import type { ResumeState, Snapshot } from '../../../../src-main/trainer/protocol.ts';
import { encodeWire } from '../../../../src-preload/wire.ts';
import { LENET_SHAPES } from '../../../helpers.ts';

let dir: string;
let db: Db;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-store-'));
  db = openDatabase(join(dir, 'w.db'));
});
afterEach(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

const RAW_BYTES = Object.values(LENET_SHAPES).reduce((sum, s) => sum + 4 * s.reduce((a, b) => a * b, 1), 0);

/** A resume state as the loop makes one, momentum slots included. */
function resumeState(seq: number): ResumeState {
  return {
    seq,
    epoch: seq,
    batch: 0,
    epochRngState: 0xfedcba98 + seq,
    epochSums: { loss: 0, correct: 0, seen: 0 },
    trainSeconds: 1.25 * seq,
    imagesTrained: 640 * seq,
    optimizer: {
      iterations: 10 * seq,
      slots: [
        { shape: [2, 3], data: Float32Array.from({ length: 6 }, (_, i) => Math.fround(Math.PI * (i - seq))) },
        { shape: [5], data: Float32Array.from([1e-38, -0, 3.4e38, 1 / 3, seq]) },
      ],
    },
  };
}

function newRun(pid?: number): number {
  return createRun(db, {
    name: 'test',
    datasetId: null,
    datasetName: 'Fashion-MNIST',
    datasetPath: '/nowhere',
    inputShape: [28, 28, 1],
    classes: [],
    config: runConfigSchema.parse({}),
    pid,
  });
}

/** A LeNet-sized snapshot whose values are its seq plus noise, so each one is told apart. */
function snapshot(seq: number): Snapshot {
  const layers = Object.fromEntries(LAYERS.map((l) => [l, { norm: 1, relChangePrev: 0, relChangeInit: 0 }])) as Record<LayerName, LayerChange>;
  return {
    seq,
    epoch: seq,
    metrics: { trainLoss: null, trainAccuracy: null, testLoss: 2.3, testAccuracy: 0.1 },
    layers,
    tensors: TENSOR_NAMES.map((name) => {
      const shape = LENET_SHAPES[name]!;
      const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => seq + Math.random());
      return { name, shape, data };
    }),
  };
}

describe('the store', () => {
  it('migrates an empty database to the current schema, with STRICT tables', () => {
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const tables = db.prepare(`SELECT name, strict FROM pragma_table_list WHERE schema = 'main' AND name NOT LIKE 'sqlite_%'`).all();
    expect(tables).toEqual(
      expect.arrayContaining(['datasets', 'runs', 'snapshots', 'tensors', 'resume_states'].map((name) => ({ name, strict: 1 }))),
    );
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('refuses a database from a newer version and leaves it byte for byte as it was', () => {
    const path = join(dir, 'newer.db');
    const newer = new Database(path);
    newer.exec('CREATE TABLE future (x INTEGER) STRICT');
    newer.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    newer.close();
    const before = readFileSync(path);
    expect(() => openDatabase(path)).toThrow(DatabaseVersionError);
    expect(() => openDatabase(path)).toThrow(/newer Weightlapse .*has not been changed/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it('migrates a database of schema 1 in place, keeping its runs', () => {
    const path = join(dir, 'v1.db');
    const old = new Database(path);
    old.transaction(() => {
      migrations[0]!.up(old);
      old.pragma('user_version = 1');
    })();
    old.prepare(
      `INSERT INTO runs (name, dataset_name, dataset_path, input_shape, classes, config, status, pid, created_at, updated_at)
       VALUES ('old', 'MNIST', '/nowhere', '[28,28,1]', '[]', '{}', 'done', NULL, 'then', 'then')`,
    ).run();
    old.close();
    const migrated = openDatabase(path);
    try {
      expect(migrated.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
      expect(getStoredRun(migrated, 1)).toMatchObject({ name: 'old', status: 'done', pid: null, pidStarted: null, config: runConfigSchema.parse({}) });
    } finally {
      migrated.close();
    }
  });

  it('reads hot queries through indexes, never a full scan of tensors or snapshots', () => {
    for (const [name, sql] of Object.entries(HOT_QUERIES)) {
      const plan = (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all({ runId: 1, seq: 0, name: 'conv1/kernel', seqs: '[0]' }) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n');
      expect(plan, name).toMatch(/SEARCH s USING (COVERING )?INDEX sqlite_autoindex_snapshots_1 \(run_id=/);
      expect(plan, name).toMatch(/SEARCH t USING INDEX sqlite_autoindex_tensors_1 \(snapshot_id=\? AND name=\?\)/);
      expect(plan, name).not.toMatch(/SCAN (s|t)\b/);
    }
  });

  it('stores each snapshot within 5% of its raw float32 bytes, and reads tensors and series back exactly', () => {
    const runId = newRun();
    const path = join(dir, 'w.db');
    const snapshots = [0, 1, 2, 3, 4].map(snapshot);
    insertSnapshot(db, runId, snapshots[0]!);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const start = statSync(path).size;
    for (const s of snapshots.slice(1)) insertSnapshot(db, runId, s);
    db.pragma('wal_checkpoint(TRUNCATE)');
    const perSnapshot = (statSync(path).size - start) / 4;
    expect(perSnapshot / RAW_BYTES).toBeLessThan(1.05);

    const fc1 = readTensor(db, runId, 'fc1/kernel', 3)!;
    expect(fc1.shape).toEqual([800, 500]);
    expect(fc1.data).toEqual(snapshots[3]!.tensors[4]!.data);
    const series = readTensorSeries(db, runId, 'conv1/bias', [4, 1])!;
    expect(series.seqs).toEqual([1, 4]);
    expect(series.data).toEqual(Float32Array.from([...snapshots[1]!.tensors[1]!.data, ...snapshots[4]!.tensors[1]!.data]));
    expect(readTensorSeries(db, runId, 'conv1/bias')!.seqs).toEqual([0, 1, 2, 3, 4]);
    expect(readTensorSeries(db, runId, 'conv1/bias', [99])).toBeUndefined();
    expect(getRun(db, runId)!.tensors.map((t) => t.name)).toEqual([...TENSOR_NAMES]);
  });

  it('writes a snapshot inside its caller’s transaction, as the host stores it with its resume state: a failure leaves neither', () => {
    const runId = newRun();
    const store = (seq: number, fail = false) =>
      db.transaction(() => {
        insertSnapshot(db, runId, snapshot(seq));
        writeResumeState(db, runId, resumeState(seq));
        if (fail) throw new Error('disk full');
      })();
    store(0);
    expect(() => store(1, true)).toThrow('disk full');
    expect(getRun(db, runId)!.snapshots.map((s) => s.seq)).toEqual([0]);
    expect(readResumeState(db, runId)).toEqual(resumeState(0));
    removeRun(db, runId);
    expect(db.prepare('SELECT COUNT(*) AS n FROM tensors').get()).toEqual({ n: 0 });
    expect(readResumeState(db, runId)).toBeUndefined();
  });

  it('keeps resume states in their own versioned encoding, bit for bit, and still reads the old wire-format rows', () => {
    const runId = newRun();
    const state = { ...resumeState(3), epochSums: { loss: NaN, correct: 12, seen: 64 } }; // a diverged run
    const bytes = encodeResumeState(state);
    expect(bytes[0]).toBe(1);
    expect(decodeResumeState(bytes)).toEqual(state);
    const slot = decodeResumeState(bytes).optimizer.slots[1]!.data;
    expect(Buffer.from(slot.buffer).equals(Buffer.from(state.optimizer.slots[1]!.data.buffer))).toBe(true);

    // A database from before this encoding: the state as the HTTP wire format wrote it.
    const legacy = resumeState(2);
    db.prepare('INSERT INTO resume_states (run_id, seq, state) VALUES (?, ?, ?)').run(runId, 2, encodeWire(legacy));
    expect(readResumeState(db, runId)).toEqual(legacy);
    writeResumeState(db, runId, state);
    expect(readResumeState(db, runId)).toEqual(state);
  });

  it('refuses a resume state that does not read back whole, naming the run', () => {
    const runId = newRun();
    const good = encodeResumeState(resumeState(1));
    const store = (bytes: Uint8Array) => db.prepare('UPDATE resume_states SET state = ? WHERE run_id = ?').run(bytes, runId);
    writeResumeState(db, runId, resumeState(1));
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, good.byteLength - 1), /truncated/],
      [Uint8Array.from([...good, 0, 0, 0, 0]), /4 bytes follow its last optimizer slot/],
      [Uint8Array.from([2, ...good.subarray(1)]), /version 2 is newer/],
      [new Uint8Array(0), /empty/],
      [encodeResumeState({ ...resumeState(1), batch: -1 }), /batch: /],
      [encodeWire({ seq: 1, epoch: 'one' }), /epoch: /],
    ];
    for (const [bytes, reason] of cases) {
      store(bytes);
      expect(() => readResumeState(db, runId)).toThrow(new RegExp(`^run #${runId}'s resume state cannot be read: `));
      expect(() => readResumeState(db, runId)).toThrow(reason);
    }
  });

  it("reads a run's stored config through the contract's schema: one that no longer parses is an error naming the run", () => {
    const runId = newRun();
    expect(getStoredRun(db, runId)).toMatchObject({ config: runConfigSchema.parse({}), inputShape: [28, 28, 1], datasetId: null });
    // A config from an older version, without a field added since: the field's default fills it in.
    const { snapshotsPerEpoch: _, ...older } = runConfigSchema.parse({});
    db.prepare('UPDATE runs SET config = ? WHERE id = ?').run(JSON.stringify(older), runId);
    expect(getStoredRun(db, runId)!.config.snapshotsPerEpoch).toBe(1);
    db.prepare('UPDATE runs SET config = ? WHERE id = ?').run(JSON.stringify({ ...older, optimizer: 'rmsprop' }), runId);
    expect(() => getStoredRun(db, runId)).toThrow(new RegExp(`^run #${runId}'s stored config cannot be read: optimizer: `));
    expect(() => listRuns(db)).toThrow(`run #${runId}'s stored config`);
    db.prepare('UPDATE runs SET config = ? WHERE id = ?').run('{"epochs": 3', runId);
    expect(() => getRun(db, runId)).toThrow(new RegExp(`^run #${runId}'s stored config cannot be read: `));
  });

  it('marks runs whose trainer process is gone as interrupted, and leaves live ones alone', () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid!;
    const orphan = newRun(gone);
    const noPid = newRun();
    const live = newRun(process.pid);
    expect(markInterruptedRuns(db).sort()).toEqual([orphan, noPid].sort());
    expect(getStoredRun(db, orphan)).toMatchObject({ status: 'interrupted', pid: null, pidStarted: null });
    expect(getStoredRun(db, orphan)!.error).toMatch(/ended without finishing/);
    expect(getStoredRun(db, live)!.status).toBe('running');
    expect(markInterruptedRuns(db)).toEqual([]);
  });

  it('tells a pid reused by another process, or recorded before a reboot, from the process that was recorded', () => {
    const ours = processStart(process.pid);
    const recorded = (started: string | null) => {
      const runId = newRun(process.pid);
      db.prepare('UPDATE runs SET pid_started = ? WHERE id = ?').run(started, runId);
      return runId;
    };
    const live = newRun(process.pid);
    expect(getStoredRun(db, live)!.pidStarted).toBe(ours);
    const beforeSchema = recorded(null); // recorded before start times were kept: only existence is known
    const stale: number[] = [];
    if (existsSync('/proc/self/stat')) {
      const [bootId, start] = ours.split('/');
      expect(start).toMatch(/^\d+$/);
      stale.push(recorded(`00000000-0000-4000-8000-000000000000/${start}`)); // the same pid in another boot
      stale.push(recorded(`${bootId}/${Number(start) + 1}`)); // the same pid, another process of this boot
    }
    const bootedAt = Date.now() - uptime() * 1000;
    const sameBoot = recorded(`boot@${Math.round(bootedAt)}`);
    stale.push(recorded(`boot@${Math.round(bootedAt - 86_400_000)}`)); // the day before: a reboot since
    stale.push(recorded('boot@garbage'));

    expect(markInterruptedRuns(db).sort()).toEqual(stale.sort());
    for (const runId of [live, beforeSchema, sameBoot]) expect(getStoredRun(db, runId)!.status).toBe('running');
    for (const runId of stale) expect(getStoredRun(db, runId)).toMatchObject({ status: 'interrupted', pid: null, pidStarted: null });

    // A child's start is its own, and stops matching once it has exited.
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)']);
    const childStart = processStart(child.pid!);
    expect(childStart).not.toBe(ours);
    expect(isSameProcess(child.pid!, childStart)).toBe(true);
    expect(isSameProcess(process.pid, childStart)).toBe(false);
    child.kill('SIGKILL');
    return new Promise<void>((done) =>
      child.on('exit', () => {
        expect(isSameProcess(child.pid!, childStart)).toBe(false);
        done();
      }),
    );
  });
});
