/**
 * Example ledgers (migrations 8 and 10): each snapshot's per-image records of the epoch it was trained in,
 * written with the snapshot (snapshots.ts, one transaction): `recorded`. An epoch's presentations are in
 * the ledger of its last stored snapshot; an earlier snapshot of the same epoch holds the part of it
 * trained by then. A ledger can also be `computed` later from a snapshot's weights (core/analysis/examples.ts:
 * every image, predicted by the network as of that snapshot), kept beside a recorded one. And a
 * noisy-labels run's flipped labels, written with its snapshot 0.
 */
import type { ExampleSource } from '../../../src-preload/api.ts';
import type { EpochLedger, LabelNoise } from '../../trainer/protocol.ts';
import type { Db } from './db.ts';

export interface StoredLedger extends EpochLedger {
  seq: number;
}

export type LedgerSource = ExampleSource;

const bytes = (a: Uint8Array | Uint16Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** A blob of float16 bits as an aligned Uint16Array (Buffers from SQLite may sit at any offset). */
const halves = (blob: Buffer) => new Uint16Array(Uint8Array.prototype.slice.call(blob).buffer);

export function writeLedger(db: Db, snapshotId: number | bigint, ledger: EpochLedger): void {
  checkLedger(ledger);
  db.prepare(`INSERT INTO example_ledgers (snapshot_id, source, epoch, correct, p_true) VALUES ($snapshotId, 'recorded', $epoch, $correct, $pTrue)`).run({
    snapshotId,
    epoch: ledger.epoch,
    correct: bytes(ledger.correct),
    pTrue: bytes(ledger.pTrue),
  });
}

/**
 * A ledger computed from snapshot `seq` of a run, in one statement: false (nothing written) when the
 * snapshot is gone (its run was removed meanwhile).
 */
export function writeComputedLedger(db: Db, runId: number, seq: number, ledger: EpochLedger): boolean {
  checkLedger(ledger);
  const insert = db.prepare(
    `INSERT INTO example_ledgers (snapshot_id, source, epoch, correct, p_true)
     SELECT id, 'computed', $epoch, $correct, $pTrue FROM snapshots WHERE run_id = $runId AND seq = $seq
     ON CONFLICT DO UPDATE SET epoch = excluded.epoch, correct = excluded.correct, p_true = excluded.p_true`,
  );
  return insert.run({ runId, seq, epoch: ledger.epoch, correct: bytes(ledger.correct), pTrue: bytes(ledger.pTrue) }).changes > 0;
}

function checkLedger(ledger: EpochLedger): void {
  if (ledger.pTrue.length !== ledger.correct.length) throw new Error('a ledger needs one p(true) per image');
}

/** The seqs of a run's snapshots that have a ledger from `source`. */
export function ledgerSeqs(db: Db, runId: number, source: LedgerSource): number[] {
  const rows = db
    .prepare(`SELECT s.seq FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id WHERE s.run_id = $runId AND l.source = $source ORDER BY s.seq`)
    .all({ runId, source }) as { seq: number }[];
  return rows.map((r) => r.seq);
}

/** The ledger recorded with one snapshot, if it has one. */
export function readLedger(db: Db, runId: number, seq: number): EpochLedger | undefined {
  const row = db
    .prepare(
      `SELECT l.epoch, l.correct, l.p_true AS pTrue FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id
       WHERE s.run_id = $runId AND s.seq = $seq AND l.source = 'recorded'`,
    )
    .get({ runId, seq }) as { epoch: number; correct: Buffer; pTrue: Buffer } | undefined;
  return row && { epoch: row.epoch, correct: new Uint8Array(row.correct), pTrue: halves(row.pTrue) };
}

/**
 * Each epoch's presentations as of snapshot `seq` (absent: the latest): per epoch, the ledger of its last
 * snapshot up to `seq`, in epoch order, of one source. Empty for a run stored before ledgers were recorded
 * (`recorded`), or not computed yet (`computed`).
 */
export function readEpochLedgers(db: Db, runId: number, seq?: number, source: LedgerSource = 'recorded'): StoredLedger[] {
  const rows = db
    .prepare(
      `SELECT s.seq, l.epoch, l.correct, l.p_true AS pTrue FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id
       WHERE s.run_id = $runId AND l.source = $source AND s.seq = (
         SELECT MAX(s2.seq) FROM example_ledgers l2 JOIN snapshots s2 ON s2.id = l2.snapshot_id
         WHERE s2.run_id = $runId AND l2.source = $source AND l2.epoch = l.epoch AND ($seq IS NULL OR s2.seq <= $seq))
       ORDER BY l.epoch`,
    )
    .all({ runId, seq: seq ?? null, source }) as { seq: number; epoch: number; correct: Buffer; pTrue: Buffer }[];
  return rows.map((r) => ({ seq: r.seq, epoch: r.epoch, correct: new Uint8Array(r.correct), pTrue: halves(r.pTrue) }));
}

/**
 * One image's record in each epoch's ledger (as `readEpochLedgers` picks them), read out of the blobs by
 * SQLite (substr on a BLOB counts bytes) instead of loading every ledger whole.
 */
export function readImageRecords(db: Db, runId: number, index: number, source: LedgerSource = 'recorded'): { epoch: number; correct: number; pTrue: number }[] {
  const rows = db
    .prepare(
      `SELECT l.epoch, substr(l.correct, $index + 1, 1) AS c, substr(l.p_true, 2 * $index + 1, 2) AS p
       FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id
       WHERE s.run_id = $runId AND l.source = $source AND s.seq = (
         SELECT MAX(s2.seq) FROM example_ledgers l2 JOIN snapshots s2 ON s2.id = l2.snapshot_id
         WHERE s2.run_id = $runId AND l2.source = $source AND l2.epoch = l.epoch)
       ORDER BY l.epoch`,
    )
    .all({ runId, index, source }) as { epoch: number; c: Buffer; p: Buffer }[];
  return rows.filter((r) => r.c.byteLength === 1 && r.p.byteLength === 2).map((r) => ({ epoch: r.epoch, correct: r.c[0]!, pTrue: r.p.readUInt16LE(0) }));
}

/** The number of training images the run's ledgers of `source` cover (0: none). */
export function ledgerSize(db: Db, runId: number, source: LedgerSource = 'recorded'): number {
  const row = db
    .prepare(
      `SELECT length(l.correct) AS n FROM example_ledgers l JOIN snapshots s ON s.id = l.snapshot_id
       WHERE s.run_id = $runId AND l.source = $source ORDER BY s.seq DESC LIMIT 1`,
    )
    .get({ runId, source }) as { n: number } | undefined;
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
