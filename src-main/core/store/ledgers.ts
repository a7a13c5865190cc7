/**
 * Example ledgers (migration 8): each snapshot's per-image records of the epoch it was trained in, written
 * with the snapshot (snapshots.ts, one transaction). An epoch's presentations are in the ledger of its last
 * stored snapshot; an earlier snapshot of the same epoch holds the part of it trained by then. And a
 * noisy-labels run's flipped labels, written with its snapshot 0.
 */
import type { EpochLedger, LabelNoise } from '../../trainer/protocol.ts';
import type { Db } from './db.ts';

export interface StoredLedger extends EpochLedger {
  seq: number;
}

const bytes = (a: Uint8Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** A blob of float16 bits as an aligned Uint16Array (Buffers from SQLite may sit at any offset). */
const halves = (blob: Buffer) => new Uint16Array(Uint8Array.prototype.slice.call(blob).buffer);

export function writeLedger(db: Db, snapshotId: number | bigint, ledger: EpochLedger): void {
  if (ledger.pTrue.length !== ledger.correct.length) throw new Error('a ledger needs one p(true) per image');
  db.prepare('INSERT INTO example_ledgers (snapshot_id, epoch, correct, p_true) VALUES ($snapshotId, $epoch, $correct, $pTrue)').run({
    snapshotId,
    epoch: ledger.epoch,
    correct: bytes(ledger.correct),
    pTrue: bytes(ledger.pTrue),
  });
}

/** The ledger stored with one snapshot, if it has one. */
export function readLedger(db: Db, runId: number, seq: number): EpochLedger | undefined {
  const row = db
    .prepare(
      `SELECT l.epoch, l.correct, l.p_true AS pTrue FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id
       WHERE s.run_id = $runId AND s.seq = $seq`,
    )
    .get({ runId, seq }) as { epoch: number; correct: Buffer; pTrue: Buffer } | undefined;
  return row && { epoch: row.epoch, correct: new Uint8Array(row.correct), pTrue: halves(row.pTrue) };
}

/**
 * Each epoch's presentations as of snapshot `seq` (absent: the latest): per epoch, the ledger of its last
 * snapshot up to `seq`, in epoch order. Empty for a run stored before ledgers were recorded.
 */
export function readEpochLedgers(db: Db, runId: number, seq?: number): StoredLedger[] {
  const rows = db
    .prepare(
      `SELECT s.seq, l.epoch, l.correct, l.p_true AS pTrue FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id
       WHERE s.run_id = $runId AND s.seq = (
         SELECT MAX(s2.seq) FROM example_ledgers l2 JOIN snapshots s2 ON s2.id = l2.snapshot_id
         WHERE s2.run_id = $runId AND l2.epoch = l.epoch AND ($seq IS NULL OR s2.seq <= $seq))
       ORDER BY l.epoch`,
    )
    .all({ runId, seq: seq ?? null }) as { seq: number; epoch: number; correct: Buffer; pTrue: Buffer }[];
  return rows.map((r) => ({ seq: r.seq, epoch: r.epoch, correct: new Uint8Array(r.correct), pTrue: halves(r.pTrue) }));
}

/**
 * One image's record in each epoch's ledger (as `readEpochLedgers` picks them), read out of the blobs by
 * SQLite (substr on a BLOB counts bytes) instead of loading every ledger whole.
 */
export function readImageRecords(db: Db, runId: number, index: number): { epoch: number; correct: number; pTrue: number }[] {
  const rows = db
    .prepare(
      `SELECT l.epoch, substr(l.correct, $index + 1, 1) AS c, substr(l.p_true, 2 * $index + 1, 2) AS p
       FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id
       WHERE s.run_id = $runId AND s.seq = (
         SELECT MAX(s2.seq) FROM example_ledgers l2 JOIN snapshots s2 ON s2.id = l2.snapshot_id
         WHERE s2.run_id = $runId AND l2.epoch = l.epoch)
       ORDER BY l.epoch`,
    )
    .all({ runId, index }) as { epoch: number; c: Buffer; p: Buffer }[];
  return rows.filter((r) => r.c.byteLength === 1 && r.p.byteLength === 2).map((r) => ({ epoch: r.epoch, correct: r.c[0]!, pTrue: r.p.readUInt16LE(0) }));
}

/** The number of training images the run's ledgers cover (0: none recorded). */
export function ledgerSize(db: Db, runId: number): number {
  const row = db
    .prepare(
      `SELECT length(l.correct) AS n FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id
       WHERE s.run_id = $runId ORDER BY s.seq DESC LIMIT 1`,
    )
    .get({ runId }) as { n: number } | undefined;
  return row?.n ?? 0;
}

export function writeLabelNoise(db: Db, runId: number, noise: LabelNoise): void {
  db.prepare('INSERT INTO label_noise (run_id, share, indices, labels) VALUES ($runId, $share, $indices, $labels)').run({
    runId,
    share: noise.share,
    indices: Buffer.from(noise.indices.buffer, noise.indices.byteOffset, noise.indices.byteLength),
    labels: bytes(noise.labels),
  });
}

export function readLabelNoise(db: Db, runId: number): LabelNoise | undefined {
  const row = db.prepare('SELECT share, indices, labels FROM label_noise WHERE run_id = $runId').get({ runId }) as
    | { share: number; indices: Buffer; labels: Buffer }
    | undefined;
  return row && { share: row.share, indices: new Uint32Array(Uint8Array.prototype.slice.call(row.indices).buffer), labels: new Uint8Array(row.labels) };
}
