/**
 * What the analyses keep (core/analysis/): each run's probe sets, and one result per (snapshot, kind,
 * params) as float64 values. Layouts, by kind:
 *  - `cka` of snapshot at position t: PROBE_LAYERS.length × (t + 1) values, layer by layer, CKA with the
 *    run's snapshots at positions 0 … t (the lower triangle of each layer's matrix, row t);
 *  - `dead`: DEAD_LAYERS.length values, the share of each layer's units that are 0 on every probe image;
 *  - `rewind` of snapshot t: LAYERS.length values, the final network's test accuracy with that layer put back to t
 *    (params: the final seq); `reinit`, on the final snapshot: the same with each layer drawn afresh (params: + seed);
 *  - `linear`: 1 value, the share of test images on which the snapshot agrees with the data set's pixel regression;
 *  - `linear-fit`, on a run's first snapshot: that regression, [images, iterations, loss, kernel…, bias…]
 *    (params name the data set: any run of it finds it, `findResult`).
 * A result's row is written in one statement that finds its snapshot: a run removed meanwhile leaves none.
 */
import type { AnalysisKind } from '../../../src-preload/api.ts';
import type { Db } from './db.ts';

const blobOf = (a: Float64Array | Uint32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
/** A copy: SQLite's buffers may sit at any offset. */
const float64s = (b: Buffer) => new Float64Array(Uint8Array.from(b).buffer);

/** The params as stored: keys sorted, so that one set of params has one key. */
export function paramsKey(params: Record<string, number | string>): string {
  return JSON.stringify(Object.fromEntries(Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))));
}

export function readProbeSet(db: Db, runId: number, size: number): number[] | undefined {
  const row = db.prepare('SELECT indices FROM probe_sets WHERE run_id = $runId AND size = $size').get({ runId, size }) as { indices: Buffer } | undefined;
  return row && Array.from(new Uint32Array(Uint8Array.from(row.indices).buffer));
}

/**
 * Keeps the first probe set stored for (run, size): another process may have chosen it meanwhile, and the
 * results are measured on that one. A run removed meanwhile gets none.
 */
export function writeProbeSet(db: Db, runId: number, indices: readonly number[]): void {
  db.prepare(
    `INSERT INTO probe_sets (run_id, size, indices) SELECT id, $size, $indices FROM runs WHERE id = $runId
     ON CONFLICT DO NOTHING`,
  ).run({
    runId,
    size: indices.length,
    indices: blobOf(Uint32Array.from(indices)),
  });
}

export interface AnalysisResult {
  kind: AnalysisKind;
  data: Float64Array;
}

/** Stores a snapshot's results together; false (nothing stored) when the run or the snapshot is gone. */
export function writeResults(db: Db, runId: number, seq: number, params: string, results: AnalysisResult[]): boolean {
  const insert = db.prepare(
    `INSERT INTO analysis_results (snapshot_id, kind, params, data)
     SELECT id, $kind, $params, $data FROM snapshots WHERE run_id = $runId AND seq = $seq
     ON CONFLICT DO UPDATE SET data = excluded.data`,
  );
  return db.transaction(() => {
    let stored = true;
    for (const { kind, data } of results) stored = insert.run({ runId, seq, kind, params, data: blobOf(data) }).changes > 0 && stored;
    return stored;
  }).immediate();
}

/** A run's results of one kind and params, by seq. */
export function readResults(db: Db, runId: number, kind: AnalysisKind, params: string): Map<number, Float64Array> {
  const rows = db
    .prepare(
      `SELECT s.seq, a.data FROM snapshots s JOIN analysis_results a ON a.snapshot_id = s.id AND a.kind = $kind AND a.params = $params
       WHERE s.run_id = $runId ORDER BY s.seq`,
    )
    .all({ runId, kind, params }) as { seq: number; data: Buffer }[];
  return new Map(rows.map((r) => [r.seq, float64s(r.data)]));
}

/** How many snapshots of a run have a result of this kind and params. */
export function countResults(db: Db, runId: number, kind: AnalysisKind, params: string): number {
  const row = db
    .prepare(
      `SELECT COUNT(*) AS n FROM snapshots s JOIN analysis_results a ON a.snapshot_id = s.id AND a.kind = $kind AND a.params = $params
       WHERE s.run_id = $runId`,
    )
    .get({ runId, kind, params }) as { n: number };
  return row.n;
}

/** The first stored result of this kind and params in any run (what is kept per data set, on one of its runs). */
export function findResult(db: Db, kind: AnalysisKind, params: string): Float64Array | undefined {
  const row = db.prepare('SELECT data FROM analysis_results WHERE kind = $kind AND params = $params LIMIT 1').get({ kind, params }) as { data: Buffer } | undefined;
  return row && float64s(row.data);
}
