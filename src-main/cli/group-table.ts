/** A group on the terminal: its members, each arm's mean ± 95 % t interval, and the freeze gap in words. */
import type { GroupSummary, MeanInterval } from '../../src-preload/api.ts';
import { describeGap, gapOutcome } from '../shared/groups.ts';
import { say } from './terminal.ts';

const pct = (x: number | null) => (x === null ? '–' : `${(100 * x).toFixed(2)}%`);

/** "85.12% ± 1.03 (95 % t interval 84.09–86.15, n = 5)". */
export function describeInterval(m: MeanInterval | null): string {
  if (!m) return '–';
  if (m.low === null || m.high === null) return `${pct(m.mean)} (n = ${m.n}: no interval)`;
  return `${pct(m.mean)} ± ${(100 * (m.high - m.mean)).toFixed(2)} (95 % t interval ${pct(m.low)}–${pct(m.high)}, n = ${m.n})`;
}

export function printGroup(group: GroupSummary): void {
  say(`group #${group.id} "${group.name}": ${group.kind}, ${group.status}, seeds ${group.seeds.join(',')}`);
  if (group.plan) say(`members trained ${group.plan}`);
  const rows = [['run', 'seed', 'arm', 'status', 'epochs', 'final test acc']];
  for (const m of group.members) rows.push([`#${m.runId}`, String(m.seed), m.arm, m.status, `${m.epochsDone}/${group.epochs}`, pct(m.finalAccuracy)]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  for (const row of rows) say(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
  for (const arm of group.arms) say(`${arm.arm}: final test accuracy ${describeInterval(arm.final)}`);
  if (group.gap) {
    say(`gap (trained − frozen): ${describeGap(group.gap)}`);
    say(gapOutcome(group.gap));
  }
}
