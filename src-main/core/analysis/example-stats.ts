/**
 * Per-image statistics of the example ledger (Toneva et al. 2019, "An Empirical Study of Example
 * Forgetting"; Swayamdipta et al. 2020, "Dataset Cartography"), from each epoch's stored presentations
 * in epoch order. An image not presented in an epoch (a partial epoch, as of a snapshot inside it) has no
 * record there, and its consecutive presentations are the ones it has.
 */
import type { ExampleTable } from '../../../src-preload/api.ts';
import { fromHalfBits } from '../../shared/half.ts';
import { NOT_PRESENTED, type EpochLedger } from '../../trainer/protocol.ts';

/** Every float16 as a number, so a ledger's bits are read by lookup. */
let halfTable: Float64Array | undefined;
export function halfValues(): Float64Array {
  halfTable ??= Float64Array.from({ length: 0x10000 }, (_, h) => fromHalfBits(h));
  return halfTable;
}

/** The table's per-image columns and totals (src-preload/api.ts says what each means). */
export type ExampleStats = Pick<ExampleTable, 'presented' | 'forgetting' | 'learnedFrom' | 'confidence' | 'variability' | 'correctness' | 'totals'>;

export function exampleStats(ledgers: readonly EpochLedger[], count: number): ExampleStats {
  const half = halfValues();
  const presented = new Int32Array(count);
  const forgetting = new Int32Array(count);
  const learnedFrom = new Int32Array(count).fill(-1);
  const hits = new Int32Array(count);
  const sum = new Float64Array(count);
  const last = new Uint8Array(count).fill(NOT_PRESENTED);
  for (const { epoch, correct, pTrue } of ledgers) {
    for (let i = 0; i < count; i++) {
      const c = correct[i]!;
      if (c === NOT_PRESENTED) continue;
      presented[i]! += 1;
      sum[i]! += half[pTrue[i]!]!;
      if (c === 1) {
        hits[i]! += 1;
        if (last[i] !== 1) learnedFrom[i] = epoch + 1;
      } else {
        if (last[i] === 1) forgetting[i]! += 1;
        learnedFrom[i] = -1;
      }
      last[i] = c;
    }
  }
  const confidence = new Float32Array(count);
  const correctness = new Float32Array(count);
  const squares = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const n = presented[i]!;
    confidence[i] = n ? sum[i]! / n : Number.NaN;
    correctness[i] = n ? hits[i]! / n : Number.NaN;
  }
  // Two passes (mean first), so a spread near 0 is not the difference of two large sums.
  for (const { correct, pTrue } of ledgers) {
    for (let i = 0; i < count; i++) {
      if (correct[i] === NOT_PRESENTED) continue;
      const d = half[pTrue[i]!]! - sum[i]! / presented[i]!;
      squares[i]! += d * d;
    }
  }
  const variability = Float32Array.from(squares, (s, i) => (presented[i] ? Math.sqrt(s / presented[i]!) : Number.NaN));
  const totals = { unforgettable: 0, neverLearned: 0, forgettingEvents: 0 };
  for (let i = 0; i < count; i++) {
    if (!presented[i]) continue;
    totals.forgettingEvents += forgetting[i]!;
    if (hits[i] === 0) totals.neverLearned += 1;
    else if (forgetting[i] === 0) totals.unforgettable += 1;
  }
  return { presented, forgetting, learnedFrom, confidence, variability, correctness, totals };
}

/**
 * ROC AUC of `score` for the `positive` images against the rest, over the images where `score` is a
 * number: the share of (positive, negative) pairs the score orders right, ties counting a half (the
 * Mann–Whitney U from average ranks). null when either group is empty.
 */
export function rocAuc(score: Float32Array, positive: (i: number) => boolean): number | null {
  const order = Array.from(score.keys()).filter((i) => !Number.isNaN(score[i]!)).sort((a, b) => score[a]! - score[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && score[order[end]!] === score[order[start]!]) end++;
    const rank = (start + 1 + end) / 2; // ranks start + 1 … end share their average
    for (let k = start; k < end; k++) {
      if (!positive(order[k]!)) continue;
      positives++;
      rankSum += rank;
    }
    start = end;
  }
  const negatives = order.length - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
