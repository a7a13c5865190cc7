/**
 * The page's weights in memory: single snapshots of single tensors, kept within a byte budget. What to
 * load, and in which order, follows the position: the snapshot on screen first, then outward from it
 * (ahead before behind, as playing moves ahead), as far as the budget goes — the whole series when it
 * fits, otherwise a window around the position. Whatever falls outside is evicted, least recently used
 * first. Pure: the composable that fetches (`useSeriesPlayer`) drives it.
 */

/**
 * The most weights the page keeps in memory: 176 MiB, so that the whole page (its weights, the activation
 * maps' 40 MiB, the rest of its heap, buffers in flight) stays within 256 MiB (`npm run bench viewer`).
 */
export const WEIGHT_BUDGET = 176 * 2 ** 20;

/** One tensor of one run, as the cache names it. */
export const cacheKey = (runId: number, tensor: string): string => `${runId}|${tensor}`;
export const runOfKey = (key: string): number => Number(key.split('|')[0]);

/** A series the page is looking at: its stored seqs, where it is, and what must be there first. */
export interface Focus {
  key: string;
  seqs: readonly number[];
  /** Position in `seqs`. */
  at: number;
  /** Bytes of one snapshot of the tensor. */
  bytes: number;
  /** Seqs needed to draw the screen now (the shown snapshot, its diff reference, …), before any other. */
  urgent: readonly number[];
  /**
   * Its urgent seqs are wanted right after the other foci's, before any series fills in (another layer's
   * snapshot at the position, for a quick switch to it): fetched all at once when those are in.
   */
  soon?: boolean;
}

export interface Wanted {
  key: string;
  seq: number;
}

/** Positions nearest `at` first: at, at+1, at−1, at+2, at−2, … */
export function outward(count: number, at: number): number[] {
  const out: number[] = [];
  for (let d = 0; out.length < count; d++) {
    if (at + d < count && at + d >= 0) out.push(at + d);
    if (d > 0 && at - d >= 0 && at - d < count) out.push(at - d);
  }
  return out;
}

/**
 * Everything the foci want in memory, most wanted first: every urgent seq, then the series outward
 * from their positions, taken in turn from each focus, until the budget is full.
 */
export function plan(foci: readonly Focus[], budget: number): Wanted[] {
  const out: Wanted[] = [];
  const seen = new Set<string>();
  let bytes = 0;
  const add = (f: Focus, seq: number): boolean => {
    const id = `${f.key}#${seq}`;
    if (seen.has(id)) return true;
    if (bytes + f.bytes > budget) return false;
    seen.add(id);
    bytes += f.bytes;
    out.push({ key: f.key, seq });
    return true;
  };
  for (const f of foci) for (const seq of f.urgent) add(f, seq);
  const orders = foci.map((f) => outward(f.seqs.length, Math.min(Math.max(0, f.at), f.seqs.length - 1)).map((i) => f.seqs[i]!));
  const longest = Math.max(0, ...orders.map((o) => o.length));
  for (let rank = 0; rank < longest; rank++) {
    for (const [k, f] of foci.entries()) {
      const seq = orders[k]![rank];
      if (seq !== undefined && !add(f, seq)) return out;
    }
  }
  return out;
}

/** Snapshots of tensors by (key, seq), least recently used first out when the budget is exceeded. */
export class WeightCache {
  /** Insertion order is recency order: a touched entry is moved to the end. */
  private entries = new Map<string, { key: string; seq: number; data: Float32Array }>();
  bytes = 0;

  constructor(readonly budget = WEIGHT_BUDGET) {}

  private static id = (key: string, seq: number) => `${key}#${seq}`;

  has(key: string, seq: number): boolean {
    return this.entries.has(WeightCache.id(key, seq));
  }

  /** The tensor, if held; counts as a use. */
  get(key: string, seq: number): Float32Array | undefined {
    const id = WeightCache.id(key, seq);
    const e = this.entries.get(id);
    if (!e) return undefined;
    this.entries.delete(id);
    this.entries.set(id, e);
    return e.data;
  }

  /** Stores a tensor, evicting the least recently used others until the budget holds. */
  put(key: string, seq: number, data: Float32Array): void {
    const id = WeightCache.id(key, seq);
    this.remove(id);
    this.entries.set(id, { key, seq, data });
    this.bytes += data.byteLength;
    for (const [other, e] of this.entries) {
      if (this.bytes <= this.budget) break;
      if (other !== id) this.remove(other, e);
    }
  }

  /** Marks these as just used, the first last, so eviction takes everything else (and then the end of the list) first. */
  keep(wanted: readonly Wanted[]): void {
    for (let i = wanted.length - 1; i >= 0; i--) this.get(wanted[i]!.key, wanted[i]!.seq);
  }

  /** The seqs held of one tensor. */
  seqsOf(key: string): Set<number> {
    const out = new Set<number>();
    for (const e of this.entries.values()) if (e.key === key) out.add(e.seq);
    return out;
  }

  /** Forgets every tensor of the runs not listed. */
  keepRuns(runIds: readonly number[]): void {
    for (const [id, e] of this.entries) if (!runIds.includes(runOfKey(e.key))) this.remove(id, e);
  }

  private remove(id: string, e = this.entries.get(id)): void {
    if (!e) return;
    this.entries.delete(id);
    this.bytes -= e.data.byteLength;
  }
}
