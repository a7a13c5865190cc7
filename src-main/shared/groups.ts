/**
 * A group's figures from its members' stored test accuracies and layer changes: each arm's mean ± 95 % t
 * interval of the final and per-epoch accuracy and of each layer's change per epoch, the freeze experiment's
 * paired gap, and the table as CSV. Pure: the core answers `groups.get` with it, the CLI prints and exports it.
 */
import {
  LAYERS, type FreezeGap, type GroupArm, type GroupArmSummary, type GroupKind, type GroupMember, type LayerAnalysis, type LayerName, type MeanInterval, type SnapshotInfo,
} from '../../src-preload/api.ts';
import { meanInterval, pairedTTest } from './stats.ts';

/** Test accuracy at each whole epoch 0 … epochs (null where not evaluated yet), and after the last one. */
export function accuracyByEpoch(snapshots: readonly SnapshotInfo[], epochs: number): { perEpoch: (number | null)[]; finalAccuracy: number | null } {
  const perEpoch: (number | null)[] = Array.from({ length: epochs + 1 }, () => null);
  for (const s of snapshots) {
    if (Number.isInteger(s.epoch) && s.epoch <= epochs && s.metrics.testAccuracy !== null) perEpoch[s.epoch] = s.metrics.testAccuracy;
  }
  return { perEpoch, finalAccuracy: perEpoch[epochs] ?? null };
}

const present = (values: (number | null)[]) => values.filter((v): v is number => v !== null);

const byLayer = <T>(f: (layer: LayerName) => T) => Object.fromEntries(LAYERS.map((l) => [l, f(l)])) as Record<LayerName, T>;

/** Each layer's relative change since the previous snapshot at each whole epoch 0 … epochs (null at 0 and where not stored). */
export function changeByEpoch(snapshots: readonly SnapshotInfo[], epochs: number): Record<LayerName, (number | null)[]> {
  const byEpoch = new Map(snapshots.filter((s) => Number.isInteger(s.epoch) && s.epoch > 0).map((s) => [s.epoch, s]));
  const curve = (layer: LayerName) => Array.from({ length: epochs + 1 }, (_, e) => byEpoch.get(e)?.layers[layer]?.relChangePrev ?? null);
  return byLayer(curve);
}

/** Mean ± interval at each epoch over the members' values there (null where none has one). */
const bandOf = (series: readonly (readonly (number | null)[])[], epochs: number) =>
  Array.from({ length: epochs + 1 }, (_, e) => meanInterval(present(series.map((values) => values[e] ?? null))) ?? null);

export const armsOf = (kind: GroupKind): GroupArm[] => (kind === 'freeze' ? ['trained', 'frozen'] : ['plain']);

function armSummary(arm: GroupArm, members: readonly GroupMember[], epochs: number): GroupArmSummary {
  const mine = members.filter((m) => m.arm === arm);
  return {
    arm,
    final: meanInterval(present(mine.map((m) => m.finalAccuracy))) ?? null,
    perEpoch: bandOf(mine.map((m) => m.perEpoch), epochs),
    change: byLayer((layer) => bandOf(mine.map((m) => m.change[layer]), epochs)),
  };
}

/** One layer's "settled at" epoch over an arm's members: its range, median, and mean with its 95 % t interval. */
export interface SettledSpread {
  arm: GroupArm;
  layer: string;
  /** The members counted: those that finished training and whose every snapshot is analysed. */
  n: number;
  min: number | null;
  median: number | null;
  max: number | null;
  mean: MeanInterval | null;
}

/**
 * The layers analysis's "settled at" (the first snapshot from which a layer's CKA with the final one stays at
 * or above the threshold) as a spread over each arm's members, in epochs. A member still training, or not
 * analysed in full, is left out: its final snapshot, and so its settling, is not known yet.
 */
export function settledSpread(kind: GroupKind, members: readonly GroupMember[], analyses: ReadonlyMap<number, LayerAnalysis>): SettledSpread[] {
  const layers = [...analyses.values()][0]?.layers ?? [];
  return layers.flatMap((layer, l) =>
    armsOf(kind).map((arm) => {
      const epochs: number[] = [];
      for (const m of members.filter((m) => m.arm === arm && m.status === 'done')) {
        const a = analyses.get(m.runId);
        const seq = a && a.analysed === a.seqs.length ? a.settledAt[l] : null;
        if (seq != null) epochs.push(a!.epochs[a!.seqs.indexOf(seq)]!);
      }
      const sorted = [...epochs].sort((x, y) => x - y);
      const mid = sorted.length / 2;
      const median = sorted.length === 0 ? null : sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
      return { arm, layer, n: sorted.length, min: sorted[0] ?? null, median, max: sorted.at(-1) ?? null, mean: meanInterval(sorted) ?? null };
    }),
  );
}

/** a − b, paired by seed, over the seeds with a finished run on both sides. */
export function pairedGap(a: readonly GroupMember[], b: readonly GroupMember[]): FreezeGap | null {
  const pairs: [number, number][] = [];
  for (const x of a) {
    const y = b.find((m) => m.seed === x.seed);
    if (x.finalAccuracy !== null && y?.finalAccuracy != null) pairs.push([x.finalAccuracy, y.finalAccuracy]);
  }
  const gap = meanInterval(pairs.map(([x, y]) => x - y));
  if (!gap) return null;
  const test = pairedTTest(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
  const distinguishable = gap.low !== null && gap.high !== null && (gap.low > 0 || gap.high < 0);
  return { gap, test, distinguishable };
}

/** trained − frozen, paired by seed, over the seeds whose two runs have both finished. */
export const freezeGap = (members: readonly GroupMember[]) => pairedGap(members.filter((m) => m.arm === 'trained'), members.filter((m) => m.arm === 'frozen'));

export function groupFigures(kind: GroupKind, members: readonly GroupMember[], epochs: number): { arms: GroupArmSummary[]; gap: FreezeGap | null } {
  return { arms: armsOf(kind).map((arm) => armSummary(arm, members, epochs)), gap: kind === 'freeze' ? freezeGap(members) : null };
}

/** "+4.12 points (95 % CI 2.90 to 5.34, t(4) = 9.37, p = 0.0007)": a gap for a sentence. */
export function describeGap(g: FreezeGap): string {
  const points = (x: number) => (100 * x).toFixed(2);
  const ci = g.gap.low === null || g.gap.high === null ? 'no interval at one seed' : `95 % CI ${points(g.gap.low)} to ${points(g.gap.high)}`;
  const t = g.test.t === null ? '' : `, paired t(${g.test.df}) = ${g.test.t.toFixed(2)}, p = ${formatP(g.test.p)}`;
  return `${g.gap.mean >= 0 ? '+' : ''}${points(g.gap.mean)} points (${ci}${t})`;
}

export const formatP = (p: number | null) => (p === null ? '–' : p < 0.0001 ? '< 0.0001' : p.toPrecision(2));

/** The outcome in words: whether the gap is distinguishable from zero at this number of seeds. */
export function gapOutcome(g: FreezeGap): string {
  const n = g.gap.n;
  if (n < 2) return `One seed has finished both arms: no interval yet, so the gap cannot be told from seed noise.`;
  return g.distinguishable
    ? `At ${n} seeds the gap is distinguishable from zero: its 95 % interval excludes 0 (paired t-test p = ${formatP(g.test.p)}).`
    : `At ${n} seeds the gap is not distinguishable from zero: its 95 % interval includes 0 (paired t-test p = ${formatP(g.test.p)}).`;
}

const csvCell = (v: string | number | null) => (v === null ? '' : typeof v === 'number' ? String(v) : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/**
 * The group's table: one row per member (its seed, arm, status, final and per-epoch test accuracy), then one
 * row per arm's mean and 95 % bounds, then the gap; accuracies as fractions, full precision.
 */
export function groupCsv(group: { kind: GroupKind; epochs: number; members: readonly GroupMember[]; arms: readonly GroupArmSummary[]; gap: FreezeGap | null }): string {
  const epochs = Array.from({ length: group.epochs + 1 }, (_, e) => `epoch_${e}`);
  const rows: (string | number | null)[][] = [['row', 'run', 'seed', 'arm', 'status', 'final_test_accuracy', ...epochs]];
  for (const m of group.members) rows.push(['member', m.runId, m.seed, m.arm, m.status, m.finalAccuracy, ...m.perEpoch]);
  for (const a of group.arms) {
    for (const [row, pick] of [['mean', 'mean'], ['ci95_low', 'low'], ['ci95_high', 'high']] as const) {
      rows.push([row, null, null, a.arm, null, a.final?.[pick] ?? null, ...a.perEpoch.map((e) => e?.[pick] ?? null)]);
    }
  }
  if (group.gap) {
    const { gap, test } = group.gap;
    rows.push([]);
    rows.push(['gap', 'n', 'mean', 'ci95_low', 'ci95_high', 'paired_t', 'df', 'p']);
    rows.push(['trained-frozen', gap.n, gap.mean, gap.low, gap.high, test.t, test.df, test.p]);
  }
  return rows.map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}
