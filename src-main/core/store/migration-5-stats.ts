/**
 * Migration 5's statistics of one stored tensor, frozen as they were when it was released: a migration
 * must compute the same thing whatever today's code (tensor-stats.ts) does, so this file imports nothing of
 * ours and is never edited. Per tensor: min, max, max |w|, ‖w‖; per filter (the last axis): max |w_f|,
 * ‖w_f‖, and the same of the change since the run's previous and its first stored snapshot (0 for the first).
 */
import type { Database } from 'better-sqlite3';

/** Per filter f of n values (filters interleaved on the last axis): max |v_f| and Σ v_f², in double precision. */
function perFilter(n: number, filters: number, value: (i: number) => number): { max: Float64Array; squares: Float64Array } {
  const max = new Float64Array(filters);
  const squares = new Float64Array(filters);
  for (let i = 0; i < n; i++) {
    const v = value(i);
    const f = i % filters;
    max[f] = Math.max(max[f]!, Math.abs(v));
    squares[f]! += v * v;
  }
  return { max, squares };
}

const blob = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Writes the statistics of tensor `name` of snapshot `snapshotId`; `prev` and `init` as above (none for the first). */
export function writeMigration5Stats(
  db: Database,
  snapshotId: number,
  name: string,
  shape: readonly number[],
  w: Float32Array,
  prev?: Float32Array,
  init?: Float32Array,
): void {
  const filters = shape.at(-1) ?? 1;
  const own = perFilter(w.length, filters, (i) => w[i]!);
  const change = (other?: Float32Array) => perFilter(w.length, filters, (i) => (other ? w[i]! - other[i]! : 0));
  const [sincePrev, sinceInit] = [change(prev), change(init)];
  const norms = (squares: Float64Array) => Float32Array.from(squares, Math.sqrt);
  let [min, max] = [Infinity, -Infinity];
  for (const v of w) [min, max] = [Math.min(min, v), Math.max(max, v)];
  const filterMaxAbs = Float32Array.from(own.max);
  db.prepare(
    `INSERT INTO tensor_stats (snapshot_id, name, min, max, max_abs, norm, filter_max_abs, filter_norm, prev_max_abs, prev_norm, init_max_abs, init_norm)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  ).run(
    snapshotId, name, w.length ? min : 0, w.length ? max : 0, filterMaxAbs.reduce((m, v) => Math.max(m, v), 0),
    Math.sqrt(own.squares.reduce((sum, v) => sum + v, 0)),
    ...[filterMaxAbs, norms(own.squares), Float32Array.from(sincePrev.max), norms(sincePrev.squares), Float32Array.from(sinceInit.max), norms(sinceInit.squares)].map(blob),
  );
}
