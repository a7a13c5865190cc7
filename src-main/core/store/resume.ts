/**
 * Resume states: what a trainer needs beyond the weights to carry on exactly (optimizer slots, shuffle
 * RNG, position in the epoch). One row per run, replaced in the same transaction as each snapshot, so
 * it always belongs to the run's latest snapshot. Stored in the binary wire format (JSON + raw arrays).
 */
import { decodeWire, encodeWire } from '../../../src-preload/wire.ts';
import type { Db } from './db.ts';

export function writeResumeState(db: Db, runId: number, seq: number, state: unknown): void {
  db.prepare(
    `INSERT INTO resume_states (run_id, seq, state) VALUES ($runId, $seq, $state)
     ON CONFLICT (run_id) DO UPDATE SET seq = excluded.seq, state = excluded.state`,
  ).run({ runId, seq, state: encodeWire(state) });
}

export function readResumeState(db: Db, runId: number): { seq: number; state: unknown } | undefined {
  const row = db.prepare('SELECT seq, state FROM resume_states WHERE run_id = $runId').get({ runId }) as
    | { seq: number; state: Buffer }
    | undefined;
  return row && { seq: row.seq, state: decodeWire(row.state) };
}
