/**
 * Statistics of every stored tensor, written with its snapshot (and computed once by a migration for
 * runs stored before), so that the viewer's fixed colour scale, its legend and the per-filter change
 * heat map come from a few numbers per snapshot instead of a scan of the whole series in the page.
 *
 * Per tensor: min, max, max |w| and the L2 norm. Per filter (the tensor's last axis, as everywhere in
 * the renderer): max |w_f| and ‖w_f‖, and how far the filter moved since the run's previous stored
 * snapshot and since its first one, as max |Δ_f| (the scale of a difference picture) and ‖Δ_f‖ (the
 * change heat map's numerator). The first snapshot has moved nowhere: its changes are 0.
 */
import type { TensorName, TensorStats } from '../../../src-preload/api.ts';
import type { Db } from './db.ts';

export interface StoredStats {
  min: number;
  max: number;
  maxAbs: number;
  norm: number;
  filterMaxAbs: Float32Array;
  filterNorm: Float32Array;
  prevMaxAbs: Float32Array;
  prevNorm: Float32Array;
  initMaxAbs: Float32Array;
  initNorm: Float32Array;
}

/** The statistics of tensor `w`; `prev` and `init` are the same tensor at the previous and the first snapshot (none for the first). */
export function tensorStats(shape: readonly number[], w: Float32Array, prev?: Float32Array, init?: Float32Array): StoredStats {
  const filters = shape.at(-1) ?? 1;
  for (const [what, other] of [['previous', prev], ['initial', init]] as const) {
    if (other && other.length !== w.length) throw new Error(`tensorStats: the ${what} tensor has ${other.length} values, this one ${w.length}`);
  }
  const fMax = new Float64Array(filters);
  const fSq = new Float64Array(filters);
  const pMax = new Float64Array(filters);
  const pSq = new Float64Array(filters);
  const iMax = new Float64Array(filters);
  const iSq = new Float64Array(filters);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0, f = 0; i < w.length; i++, f = f + 1 === filters ? 0 : f + 1) {
    const v = w[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
    const a = Math.abs(v);
    if (a > fMax[f]!) fMax[f] = a;
    fSq[f]! += v * v;
    if (prev) {
      const d = v - prev[i]!;
      if (Math.abs(d) > pMax[f]!) pMax[f] = Math.abs(d);
      pSq[f]! += d * d;
    }
    if (init) {
      const d = v - init[i]!;
      if (Math.abs(d) > iMax[f]!) iMax[f] = Math.abs(d);
      iSq[f]! += d * d;
    }
  }
  const sqrt = (sq: Float64Array) => Float32Array.from(sq, Math.sqrt);
  const filterMaxAbs = Float32Array.from(fMax);
  return {
    min: w.length ? min : 0,
    max: w.length ? max : 0,
    maxAbs: filterMaxAbs.reduce((m, v) => (v > m ? v : m), 0),
    norm: Math.sqrt(fSq.reduce((s, v) => s + v, 0)),
    filterMaxAbs,
    filterNorm: sqrt(fSq),
    prevMaxAbs: Float32Array.from(pMax),
    prevNorm: sqrt(pSq),
    initMaxAbs: Float32Array.from(iMax),
    initNorm: sqrt(iSq),
  };
}

/** Float32 arrays as stored (little-endian, as the tensors are). */
const blob = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const floats = (b: Buffer) => {
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
};

export function writeStats(db: Db, snapshotId: number | bigint, name: TensorName, s: StoredStats): void {
  db.prepare(
    `INSERT INTO tensor_stats (snapshot_id, name, min, max, max_abs, norm, filter_max_abs, filter_norm, prev_max_abs, prev_norm, init_max_abs, init_norm)
     VALUES ($snapshotId, $name, $min, $max, $maxAbs, $norm, $filterMaxAbs, $filterNorm, $prevMaxAbs, $prevNorm, $initMaxAbs, $initNorm)`,
  ).run({
    snapshotId, name, min: s.min, max: s.max, maxAbs: s.maxAbs, norm: s.norm,
    filterMaxAbs: blob(s.filterMaxAbs), filterNorm: blob(s.filterNorm),
    prevMaxAbs: blob(s.prevMaxAbs), prevNorm: blob(s.prevNorm),
    initMaxAbs: blob(s.initMaxAbs), initNorm: blob(s.initNorm),
  });
}

/** The hot read of statistics, named so that a test can check its query plan: one tensor's, at every snapshot of a run. */
export const STATS_QUERY = `SELECT s.seq, t.shape, st.min, st.max, st.max_abs, st.norm, st.filter_max_abs, st.filter_norm,
         st.prev_max_abs, st.prev_norm, st.init_max_abs, st.init_norm
    FROM snapshots s
    JOIN tensor_stats st ON st.snapshot_id = s.id AND st.name = $name
    JOIN tensors t ON t.snapshot_id = s.id AND t.name = $name
   WHERE s.run_id = $runId
   ORDER BY s.seq`;

interface StatsRow {
  seq: number;
  shape: string;
  min: number;
  max: number;
  max_abs: number;
  norm: number;
  filter_max_abs: Buffer;
  filter_norm: Buffer;
  prev_max_abs: Buffer;
  prev_norm: Buffer;
  init_max_abs: Buffer;
  init_norm: Buffer;
}

/**
 * One tensor's statistics at every stored snapshot, with the relative changes per filter worked out
 * here from the stored norms (‖Δ_f‖ / ‖w_f‖ of the reference snapshot; 0 where the reference filter is
 * all zero). Undefined for a run with no snapshot of that tensor.
 */
export function readStatsSeries(db: Db, runId: number, name: TensorName): TensorStats | undefined {
  // The shape comes from the tensors row (a small column before the blob; the blob itself is not read).
  const rows = db.prepare(STATS_QUERY).all({ runId, name }) as StatsRow[];
  if (rows.length === 0) return undefined;
  const shape = JSON.parse(rows[0]!.shape) as number[];
  const filters = shape.at(-1) ?? 1;
  const n = rows.length;
  const out: TensorStats = {
    shape,
    seqs: rows.map((r) => r.seq),
    min: Float32Array.from(rows, (r) => r.min),
    max: Float32Array.from(rows, (r) => r.max),
    maxAbs: Float32Array.from(rows, (r) => r.max_abs),
    norm: Float32Array.from(rows, (r) => r.norm),
    filterMaxAbs: new Float32Array(n * filters),
    prevMaxAbs: new Float32Array(n * filters),
    initMaxAbs: new Float32Array(n * filters),
    changePrev: new Float32Array(n * filters),
    changeInit: new Float32Array(n * filters),
  };
  const firstNorm = floats(rows[0]!.filter_norm);
  let prevNorm = firstNorm;
  rows.forEach((r, i) => {
    out.filterMaxAbs.set(floats(r.filter_max_abs), i * filters);
    out.prevMaxAbs.set(floats(r.prev_max_abs), i * filters);
    out.initMaxAbs.set(floats(r.init_max_abs), i * filters);
    const dPrev = floats(r.prev_norm);
    const dInit = floats(r.init_norm);
    for (let f = 0; f < filters; f++) {
      out.changePrev[i * filters + f] = prevNorm[f]! > 0 ? dPrev[f]! / prevNorm[f]! : 0;
      out.changeInit[i * filters + f] = firstNorm[f]! > 0 ? dInit[f]! / firstNorm[f]! : 0;
    }
    prevNorm = floats(r.filter_norm);
  });
  return out;
}
