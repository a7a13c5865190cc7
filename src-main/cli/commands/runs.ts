/** `weightlapse runs`: the saved runs with status, data set, epochs, best test accuracy and backend. */
import type { Command } from 'commander';
import { listRuns, markInterruptedRuns } from '../../core/store/runs.ts';
import { output, withDb } from '../common.ts';
import { safe, say } from '../terminal.ts';

export function registerRuns(verb: Command): void {
  verb
    .action(async (_opts: unknown, cmd: Command) => {
      const runs = await withDb(cmd, (db) => {
        markInterruptedRuns(db);
        return listRuns(db);
      }, { readOnly: true });
      output(cmd, runs, () => {
        if (runs.length === 0) {
          say('no runs yet: start one with `weightlapse train --data PATH`');
          return;
        }
        const rows = runs.map((r) => [
          `#${r.id}`,
          r.status,
          `${r.epochsDone}/${r.epochs}`,
          r.bestTestAccuracy === null ? '–' : `${(100 * r.bestTestAccuracy).toFixed(2)}%`,
          r.backend ?? '–',
          // Escaped before measuring, so that the columns line up as printed.
          safe(r.datasetName),
          safe(r.name),
        ]);
        const header = ['id', 'status', 'epochs', 'best test acc', 'backend', 'data set', 'name'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
        for (const row of [header, ...rows]) say(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
      });
    });
}
