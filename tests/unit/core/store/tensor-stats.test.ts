/**
 * The statistics written with each snapshot, against a full scan of the stored series done here with
 * the renderer's own change measure (`filterChange`): for snapshots stored now, and for runs stored by
 * the previous schema and migrated.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LAYERS, runConfigSchema, type LayerChange, type LayerName, type TensorName, type TensorStats } from '../../../../src-preload/api.ts';
import { filterChange, tensorAt } from '../../../../src-main/shared/render/diff.ts';
import { openDatabase, SCHEMA_VERSION, type Db } from '../../../../src-main/core/store/db.ts';
import { migrations } from '../../../../src-main/core/store/migrations.ts';
import { createRun, removeRun } from '../../../../src-main/core/store/runs.ts';
import { insertSnapshot, readTensorSeries } from '../../../../src-main/core/store/snapshots.ts';
import type { Snapshot } from '../../../../src-main/trainer/protocol.ts';
import { readStatsSeries, STATS_QUERY } from '../../../../src-main/core/store/tensor-stats.ts';
import { lcg } from '../../shared/render/series.ts';
import { LENET_SHAPES } from '../../../helpers.ts';

const SHAPES: Partial<Record<TensorName, number[]>> = Object.fromEntries(
  (['conv1/kernel', 'conv1/bias', 'conv2/kernel', 'fc2/kernel'] as const).map((t) => [t, LENET_SHAPES[t]]),
);
const SNAPSHOTS = 6;

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'weightlapse-stats-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** Snapshots whose weights drift from random starts, one filter of conv1 all zero at first (its relative change is 0, not ∞). */
function snapshots(seed: number): Snapshot[] {
  const rand = lcg(seed);
  const start = Object.fromEntries(Object.entries(SHAPES).map(([n, s]) => [n, Float32Array.from({ length: s.reduce((a, b) => a * b, 1) }, () => rand())]));
  for (let i = 3; i < start['conv1/kernel']!.length; i += 20) start['conv1/kernel']![i] = 0;
  const layers = Object.fromEntries(LAYERS.map((l) => [l, { norm: 1, relChangePrev: 0, relChangeInit: 0 }])) as Record<LayerName, LayerChange>;
  return Array.from({ length: SNAPSHOTS }, (_, seq) => ({
    seq,
    epoch: seq / 2,
    metrics: { trainLoss: 1, trainAccuracy: 0.5, testLoss: 1, testAccuracy: 0.5 },
    layers,
    tensors: Object.entries(SHAPES).map(([name, shape]) => ({
      name: name as TensorName,
      shape: shape!,
      data: start[name]!.map((v, i) => (seq === 0 ? v : v + rand() * 0.05 * seq + (i % 7 === 0 ? seq * 0.01 : 0))),
    })),
  }));
}

function newRun(db: Db): number {
  return createRun(db, {
    name: 'stats', datasetId: null, datasetName: 'generated', datasetPath: '/nowhere', inputShape: [28, 28, 1],
    classes: [], config: runConfigSchema.parse({ epochs: 3 }), status: 'done',
  });
}

/** What the statistics must be: worked out here from the whole stored series. */
function fullScan(db: Db, runId: number, name: TensorName): Omit<TensorStats, 'shape'> {
  const s = readTensorSeries(db, runId, name)!;
  const filters = s.shape.at(-1)!;
  const n = s.seqs.length;
  const perFilter = () => new Float32Array(n * filters);
  const out = {
    seqs: s.seqs, min: new Float32Array(n), max: new Float32Array(n), maxAbs: new Float32Array(n), norm: new Float32Array(n),
    filterMaxAbs: perFilter(), prevMaxAbs: perFilter(), initMaxAbs: perFilter(), changePrev: perFilter(), changeInit: perFilter(),
  };
  for (let i = 0; i < n; i++) {
    const w = tensorAt(s, i);
    const prev = tensorAt(s, Math.max(0, i - 1));
    const init = tensorAt(s, 0);
    out.min[i] = Math.min(...w);
    out.max[i] = Math.max(...w);
    out.maxAbs[i] = Math.max(...w.map(Math.abs));
    out.norm[i] = Math.hypot(...w);
    w.forEach((v, k) => {
      const at = i * filters + (k % filters);
      out.filterMaxAbs[at] = Math.max(out.filterMaxAbs[at]!, Math.abs(v));
      out.prevMaxAbs[at] = Math.max(out.prevMaxAbs[at]!, Math.abs(v - prev[k]!));
      out.initMaxAbs[at] = Math.max(out.initMaxAbs[at]!, Math.abs(v - init[k]!));
    });
    out.changePrev.set(filterChange(s.shape, w, prev), i * filters);
    out.changeInit.set(filterChange(s.shape, w, init), i * filters);
  }
  return out;
}

/** Equal to a full scan: exactly for the extremes, to float32 precision for norms and ratios. */
function expectScan(stats: TensorStats, scan: ReturnType<typeof fullScan>, what: string): void {
  expect(stats.seqs, what).toEqual(scan.seqs);
  for (const key of ['min', 'max', 'maxAbs', 'filterMaxAbs', 'prevMaxAbs', 'initMaxAbs'] as const) {
    expect(Array.from(stats[key]), `${what} ${key}`).toEqual(Array.from(scan[key]));
  }
  for (const key of ['norm', 'changePrev', 'changeInit'] as const) {
    const got = stats[key];
    scan[key].forEach((v, i) => expect(Math.abs(got[i]! - v), `${what} ${key}[${i}]`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(v))));
  }
}

describe('tensor statistics', () => {
  it('are written with each snapshot and equal a full scan of the stored series', () => {
    const db = openDatabase(join(dir, 'w.db'));
    const runId = newRun(db);
    for (const s of snapshots(1)) insertSnapshot(db, runId, s);
    for (const name of Object.keys(SHAPES) as TensorName[]) {
      const stats = readStatsSeries(db, runId, name)!;
      expect(stats.shape).toEqual(SHAPES[name]);
      expectScan(stats, fullScan(db, runId, name), name);
    }
    // The all-zero filter 3 of conv1 has no relative change from its zero start, and the first snapshot none at all.
    const conv1 = readStatsSeries(db, runId, 'conv1/kernel')!;
    expect(conv1.changeInit[5 * 20 + 3]).toBe(0);
    expect(Array.from(conv1.changePrev.subarray(0, 20))).toEqual(new Array(20).fill(0));
    expect(readStatsSeries(db, runId + 1, 'conv1/kernel')).toBeUndefined();

    removeRun(db, runId);
    expect(db.prepare('SELECT COUNT(*) AS n FROM tensor_stats').get()).toEqual({ n: 0 });
    db.close();
  });

  it('are computed by the migration for runs stored by the previous schema, the same as when written now', () => {
    // A database as the schema before statistics (version 5) left it: two runs, no statistics.
    const path = join(dir, 'old.db');
    const old = new Database(path);
    old.pragma('foreign_keys = ON');
    for (const m of migrations.filter((m) => m.version < 5)) m.up(old);
    old.pragma('user_version = 4');
    const oldRuns = [1, 2].map((seed) => {
      // As that version stored a run (createRun writes today's columns).
      const runId = Number(
        old
          .prepare(`INSERT INTO runs (name, dataset_id, dataset_name, dataset_path, input_shape, classes, config, status, created_at, updated_at)
                    VALUES ('stats', NULL, 'generated', '/nowhere', '[28,28,1]', '[]', ?, 'done', '2025-01-01', '2025-01-01')`)
          .run(JSON.stringify(runConfigSchema.parse({ epochs: 3 }))).lastInsertRowid,
      );
      for (const s of snapshots(seed)) {
        const { lastInsertRowid } = old
          .prepare(`INSERT INTO snapshots (run_id, seq, epoch, layers, created_at) VALUES (?, ?, ?, '{}', '2025-01-01')`)
          .run(runId, s.seq, s.epoch);
        for (const t of s.tensors) {
          old.prepare('INSERT INTO tensors (snapshot_id, name, shape, data) VALUES (?, ?, ?, ?)').run(lastInsertRowid, t.name, JSON.stringify(t.shape), Buffer.from(t.data.buffer));
        }
      }
      return runId;
    });
    old.close();

    const db = openDatabase(path);
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    const fresh = openDatabase(join(dir, 'fresh.db'));
    [1, 2].forEach((seed, k) => {
      const runId = newRun(fresh);
      for (const s of snapshots(seed)) insertSnapshot(fresh, runId, s);
      for (const name of Object.keys(SHAPES) as TensorName[]) {
        const migrated = readStatsSeries(db, oldRuns[k]!, name)!;
        expectScan(migrated, fullScan(db, oldRuns[k]!, name), `migrated run ${k + 1} ${name}`);
        expect(migrated).toEqual(readStatsSeries(fresh, runId, name));
      }
    });
    fresh.close();
    db.close();
  });

  it('are read through indexes, never a scan of snapshots, tensors or statistics', () => {
    const db = openDatabase(join(dir, 'w.db'));
    const plan = (db.prepare(`EXPLAIN QUERY PLAN ${STATS_QUERY}`).all({ runId: 1, name: 'conv1/kernel' }) as { detail: string }[])
      .map((r) => r.detail)
      .join('\n');
    expect(plan).toMatch(/SEARCH s USING (COVERING )?INDEX sqlite_autoindex_snapshots_1 \(run_id=/);
    expect(plan).toMatch(/SEARCH st USING PRIMARY KEY \(snapshot_id=\? AND name=\?\)/);
    expect(plan).toMatch(/SEARCH t USING INDEX sqlite_autoindex_tensors_1 \(snapshot_id=\? AND name=\?\)/);
    expect(plan).not.toMatch(/SCAN (s|st|t)\b/);
    db.close();
  });
});
