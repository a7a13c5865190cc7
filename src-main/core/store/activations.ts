/**
 * What the activation views keep in the database: each snapshot's test confusion matrix, and each
 * run's pinned test images (none stored: the default set).
 */
import type { ConfusionMatrix } from '../../shared/learning.ts';
import type { Db } from './db.ts';

/** Adds or replaces the confusion matrix of snapshot (run, seq); false if there is no such snapshot. */
export function writeConfusion(db: Db, runId: number, seq: number, matrix: ConfusionMatrix): boolean {
  if (matrix.counts.length !== matrix.classes * matrix.classes) {
    throw new Error(`a confusion matrix of ${matrix.classes} classes has ${matrix.classes ** 2} counts, not ${matrix.counts.length}`);
  }
  const { changes } = db
    .prepare(
      `INSERT INTO confusion_matrices (snapshot_id, classes, counts)
       SELECT id, $classes, $counts FROM snapshots WHERE run_id = $runId AND seq = $seq
       ON CONFLICT (snapshot_id) DO UPDATE SET classes = excluded.classes, counts = excluded.counts`,
    )
    .run({ runId, seq, classes: matrix.classes, counts: Buffer.from(matrix.counts.buffer, matrix.counts.byteOffset, matrix.counts.byteLength) });
  return changes > 0;
}

/** Every stored confusion matrix of a run, by seq. */
export function readConfusions(db: Db, runId: number): Map<number, ConfusionMatrix> {
  const rows = db
    .prepare(
      `SELECT s.seq, c.classes, c.counts FROM snapshots s JOIN confusion_matrices c ON c.snapshot_id = s.id
       WHERE s.run_id = $runId ORDER BY s.seq`,
    )
    .all({ runId }) as { seq: number; classes: number; counts: Buffer }[];
  return new Map(rows.map((r) => [r.seq, { classes: r.classes, counts: new Uint32Array(Uint8Array.from(r.counts).buffer) }]));
}

/** The run's pinned test images, or undefined when it has the default set. */
export function readPins(db: Db, runId: number): number[] | undefined {
  const row = db.prepare('SELECT indices FROM pinned_inputs WHERE run_id = $runId').get({ runId }) as { indices: string } | undefined;
  return row && (JSON.parse(row.indices) as number[]);
}

/** Stores the run's pinned test images; null goes back to the default set. */
export function writePins(db: Db, runId: number, indices: readonly number[] | null): void {
  if (indices === null) db.prepare('DELETE FROM pinned_inputs WHERE run_id = $runId').run({ runId });
  else {
    db.prepare(
      `INSERT INTO pinned_inputs (run_id, indices) VALUES ($runId, $indices)
       ON CONFLICT (run_id) DO UPDATE SET indices = excluded.indices`,
    ).run({ runId, indices: JSON.stringify(indices) });
  }
}
