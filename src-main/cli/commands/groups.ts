/**
 * `weightlapse groups`: the groups of seeds (list), one group's table with each arm's mean ± 95 % t interval
 * and the freeze gap (show, `--csv FILE` writes every member's figures with the summary), and removing one
 * with all its runs (remove).
 */
import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { groupCsv } from '../../shared/groups.ts';
import { markInterruptedRuns } from '../../core/store/runs.ts';
import { deleteGroup, groupSummary, listGroupSummaries } from '../../core/training/groups.ts';
import { Trainers } from '../../core/training/trainers.ts';
import { output, parseId, withDb } from '../common.ts';
import { describeInterval, printGroup } from '../group-table.ts';
import { safe, say } from '../terminal.ts';

export function registerGroups(verb: Command): void {
  verb
    .command('list', { isDefault: true })
    .description('The groups, with each arm’s final test accuracy (mean ± 95 % t interval)')
    .action(async (_opts: unknown, cmd: Command) => {
      const groups = await withDb(cmd, (db) => {
        markInterruptedRuns(db);
        return listGroupSummaries({ db });
      }, { readOnly: true });
      output(cmd, groups, () => {
        if (groups.length === 0) say('no groups yet: start one with `weightlapse train --data PATH --seeds 5`');
        for (const g of groups) {
          say(`#${g.id}  ${g.status}  ${g.kind}  ${g.seeds.length} seeds  ${safe(g.name)}`);
          for (const a of g.arms) say(`      ${a.arm}: ${describeInterval(a.final)}`);
        }
      });
    });
  verb
    .command('show <id>')
    .description("One group's members and figures")
    .option('--csv <file>', 'also write its table (every member, each arm’s mean and 95 % bounds, the gap) as CSV')
    .action(async (id: string, opts: { csv?: string }, cmd: Command) => {
      const groupId = parseId('<id>', id);
      const group = await withDb(cmd, (db) => {
        markInterruptedRuns(db);
        return groupSummary({ db }, groupId);
      }, { readOnly: true });
      if (opts.csv) writeFileSync(opts.csv, groupCsv(group));
      output(cmd, group, () => printGroup(group));
    });
  verb
    .command('remove <id>')
    .description('Remove a group and all its runs with their weights')
    .action(async (id: string, _opts: unknown, cmd: Command) => {
      const groupId = parseId('<id>', id);
      await withDb(cmd, (db) => {
        const emit = () => {};
        deleteGroup({ db, emit, trainers: new Trainers({ db, emit }), }, groupId);
      });
      say(`group #${groupId} removed`);
    });
}
