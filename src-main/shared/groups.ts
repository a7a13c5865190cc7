/**
 * A group's figures from its members' stored test accuracies: each arm's mean ± 95 % t interval, final and
 * per epoch, the freeze experiment's paired gap, and the table as CSV. Pure: the core answers `groups.get`
 * with it, the CLI prints and exports it.
 */
import type { FreezeGap, GroupArm, GroupArmSummary, GroupKind, GroupMember, SnapshotInfo } from '../../src-preload/api.ts';
import { meanInterval, pairedTTest } from './stats.ts';

/** Test accuracy at each whole epoch 0 … epochs (null where not evaluated yet), and after the last one. */
export function accuracyByEpoch(snapshots: readonly SnapshotInfo[], epochs: number): { perEpoch: (number | null)[]; finalAccuracy: number | null } {
  const perEpoch: (number | null)[] = Array.from({ length: epochs + 1 }, () => null);
  for (const s of snapshots) {
    if (Number.isInteger(s.epoch) && s.epoch <= epochs && s.metrics.testAccuracy !== null) perEpoch[s.epoch] = s.metrics.testAccuracy;
  }
  return { perEpoch, finalAccuracy: perEpoch[epochs] ?? null };
}

export const armsOf = (kind: GroupKind): GroupArm[] => (kind === 'freeze' ? ['trained', 'frozen'] : ['plain']);

const present = (values: (number | null)[]) => values.filter((v): v is number => v !== null);

function armSummary(arm: GroupArm, members: readonly GroupMember[], epochs: number): GroupArmSummary {
  const mine = members.filter((m) => m.arm === arm);
  return {
    arm,
    final: meanInterval(present(mine.map((m) => m.finalAccuracy))) ?? null,
    perEpoch: Array.from({ length: epochs + 1 }, (_, e) => meanInterval(present(mine.map((m) => m.perEpoch[e] ?? null))) ?? null),
  };
}

/** trained − frozen, paired by seed, over the seeds whose two runs have both finished. */
export function freezeGap(members: readonly GroupMember[]): FreezeGap | null {
  const pairs: [number, number][] = [];
  for (const trained of members.filter((m) => m.arm === 'trained')) {
    const frozen = members.find((m) => m.arm === 'frozen' && m.seed === trained.seed);
    if (trained.finalAccuracy !== null && frozen?.finalAccuracy != null) pairs.push([trained.finalAccuracy, frozen.finalAccuracy]);
  }
  const gap = meanInterval(pairs.map(([a, b]) => a - b));
  if (!gap) return null;
  const test = pairedTTest(pairs.map((p) => p[0]), pairs.map((p) => p[1]));
  const distinguishable = gap.low !== null && gap.high !== null && (gap.low > 0 || gap.high < 0);
  return { gap, test, distinguishable };
}

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
