/**
 * Snapshots: one per stored point of a run (seq 0 = initial weights), with its metrics, per-layer change
 * statistics, every weight tensor as raw little-endian float32, and each tensor's statistics
 * (`tensor-stats.ts`) and its example ledger (`ledgers.ts`), written in the same transaction whoever stores the snapshot.
 *
 * Hot reads — one tensor by (run, seq, name) and one tensor's whole series — go through the
 * `snapshots (run_id, seq)` and `tensors (snapshot_id, name)` unique indexes.
 */
import type { LayerChange, LayerName, SnapshotInfo, TensorName, TensorSeries, TensorValue } from '../../../src-preload/api.ts';
import type { Snapshot } from '../../trainer/protocol.ts';
import { writeConfusion } from './activations.ts';
import { now, type Db } from './db.ts';
import { writeLabelNoise, writeLedger } from './ledgers.ts';
import { tensorStats, writeStats } from './tensor-stats.ts';

/** The bytes of a float32 array as stored (the platforms Weightlapse runs on are little-endian). */
const toBlob = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/**
 * Writes one snapshot, all its tensors and their statistics in one transaction: a crash leaves all of
 * it or none. The statistics compare each tensor with the run's previous stored snapshot and its first.
 * Called inside a caller's transaction (better-sqlite3 nests them), it is part of that one.
 */
export function insertSnapshot(db: Db, runId: number, snapshot: Snapshot): void {
  const insertSnap = db.prepare(
    `INSERT INTO snapshots (run_id, seq, epoch, train_loss, train_accuracy, test_loss, test_accuracy, layers, created_at)
     VALUES ($runId, $seq, $epoch, $trainLoss, $trainAccuracy, $testLoss, $testAccuracy, $layers, $at)`,
  );
  const insertTensor = db.prepare(
    'INSERT INTO tensors (snapshot_id, name, shape, data) VALUES ($snapshotId, $name, $shape, $data)',
  );
  const neighbour = (which: 'MAX' | 'MIN') =>
    db.prepare(`SELECT ${which}(seq) AS seq FROM snapshots WHERE run_id = $runId AND seq < $seq`).get({ runId, seq: snapshot.seq }) as { seq: number | null };
  db.transaction(() => {
    const prevSeq = neighbour('MAX').seq;
    const initSeq = neighbour('MIN').seq;
    const { lastInsertRowid } = insertSnap.run({
      runId,
      seq: snapshot.seq,
      epoch: snapshot.epoch,
      ...snapshot.metrics,
      layers: JSON.stringify(snapshot.layers),
      at: now(),
    });
    for (const t of snapshot.tensors) {
      insertTensor.run({ snapshotId: lastInsertRowid, name: t.name, shape: JSON.stringify(t.shape), data: toBlob(t.data) });
      const prev = prevSeq === null ? undefined : readTensor(db, runId, t.name, prevSeq)?.data;
      const init = initSeq === null ? undefined : initSeq === prevSeq ? prev : readTensor(db, runId, t.name, initSeq)?.data;
      writeStats(db, lastInsertRowid, t.name, tensorStats(t.shape, t.data, prev, init));
    }
    if (snapshot.confusion) writeConfusion(db, runId, snapshot.seq, snapshot.confusion);
    if (snapshot.ledger) writeLedger(db, lastInsertRowid, snapshot.ledger);
    if (snapshot.labelNoise) writeLabelNoise(db, runId, snapshot.labelNoise);
  }).immediate();
}

interface SnapshotRow {
  seq: number;
  epoch: number;
  train_loss: number | null;
  train_accuracy: number | null;
  test_loss: number | null;
  test_accuracy: number | null;
  layers: string;
  created_at: string;
}

export function listSnapshots(db: Db, runId: number): SnapshotInfo[] {
  const rows = db
    .prepare(
      `SELECT seq, epoch, train_loss, train_accuracy, test_loss, test_accuracy, layers, created_at
       FROM snapshots WHERE run_id = $runId ORDER BY seq`,
    )
    .all({ runId }) as SnapshotRow[];
  return rows.map((r) => ({
    seq: r.seq,
    epoch: r.epoch,
    metrics: {
      trainLoss: r.train_loss,
      trainAccuracy: r.train_accuracy,
      testLoss: r.test_loss,
      testAccuracy: r.test_accuracy,
    },
    layers: JSON.parse(r.layers) as Record<LayerName, LayerChange>,
    createdAt: r.created_at,
  }));
}

/** Names and shapes of a run's tensors, from its first snapshot. */
export function tensorShapes(db: Db, runId: number): { name: TensorName; shape: number[] }[] {
  const rows = db
    .prepare(
      `SELECT t.name, t.shape FROM tensors t JOIN snapshots s ON s.id = t.snapshot_id
       WHERE s.run_id = $runId AND s.seq = 0 ORDER BY t.id`,
    )
    .all({ runId }) as { name: TensorName; shape: string }[];
  return rows.map((r) => ({ name: r.name, shape: JSON.parse(r.shape) as number[] }));
}

/**
 * A blob as a Float32Array: a view of the Buffer when it has its memory to itself (every blob over a few
 * kB: a fc1 kernel is 1.6 MB, not worth a second copy), else a copy (a small Buffer may share Node's pool
 * at any offset).
 */
function floatsOf(blob: Buffer): Float32Array {
  const own = blob.byteOffset === 0 && blob.buffer.byteLength === blob.byteLength;
  return own ? new Float32Array(blob.buffer, 0, blob.byteLength / 4) : floatsFrom(blob);
}

/** Copies a blob into a fresh, aligned Float32Array (Buffers from SQLite may sit at any offset). */
function floatsFrom(blob: Buffer, into?: Float32Array, at = 0): Float32Array {
  const out = into ?? new Float32Array(blob.byteLength / 4);
  new Uint8Array(out.buffer, out.byteOffset + at * 4, blob.byteLength).set(blob);
  return out;
}

/**
 * The hot reads, named so that tests can check their query plans: one tensor by (run, seq, name), and
 * one tensor's series (all snapshots, or the seqs listed in a JSON array).
 */
export const HOT_QUERIES = {
  tensor: `SELECT t.shape, t.data FROM snapshots s JOIN tensors t ON t.snapshot_id = s.id AND t.name = $name
           WHERE s.run_id = $runId AND s.seq = $seq`,
  series: `SELECT s.seq, t.shape, t.data FROM snapshots s JOIN tensors t ON t.snapshot_id = s.id AND t.name = $name
           WHERE s.run_id = $runId AND ($seqs IS NULL OR s.seq IN (SELECT value FROM json_each($seqs)))
           ORDER BY s.seq`,
} as const;

export function readTensor(db: Db, runId: number, name: TensorName, seq: number): TensorValue | undefined {
  const row = db.prepare(HOT_QUERIES.tensor).get({ runId, seq, name }) as { shape: string; data: Buffer } | undefined;
  return row && { shape: JSON.parse(row.shape) as number[], data: floatsOf(row.data) };
}

/** One tensor at every stored snapshot (or the chosen ones), concatenated in seq order. */
export function readTensorSeries(db: Db, runId: number, name: TensorName, seqs?: number[]): TensorSeries | undefined {
  const rows = db
    .prepare(HOT_QUERIES.series)
    .all({ runId, name, seqs: seqs ? JSON.stringify(seqs) : null }) as { seq: number; shape: string; data: Buffer }[];
  if (rows.length === 0) return undefined;
  const size = rows[0]!.data.byteLength / 4;
  const data = new Float32Array(size * rows.length);
  rows.forEach((r, i) => floatsFrom(r.data, data, i * size));
  return { shape: JSON.parse(rows[0]!.shape) as number[], seqs: rows.map((r) => r.seq), data };
}
