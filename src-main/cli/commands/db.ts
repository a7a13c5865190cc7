/**
 * `weightlapse db check`: SQLite's integrity check over the whole database file, read-only. Prints what it
 * found (or `--json`: `{"path","ok","problems"}`) and exits 1 when the file is damaged or not a database.
 */
import type { Command } from 'commander';
import { checkIntegrity } from '../../core/store/check.ts';
import { databaseFile, output, UserError } from '../common.ts';
import { say } from '../terminal.ts';

export function registerDb(db: Command): void {
  db.command('check')
    .description("Run SQLite's integrity check over the whole database file (reads every page, changes nothing)")
    .action((_opts: unknown, cmd: Command) => {
      const report = checkIntegrity(databaseFile(cmd, { mustExist: true }));
      output(cmd, report, () => {
        if (report.ok) say(`${report.path}: ok (SQLite's integrity check found no problem)`);
        else if (report.checked) say(`${report.path}: SQLite's integrity check found:`, ...report.problems.map((p) => `  ${p}`));
      });
      if (!report.checked) throw new UserError(report.problems[0]!);
      if (!report.ok) {
        const count = report.problems.length === 1 ? 'a problem' : `${report.problems.length} problems`;
        throw new UserError(
          `${report.path} is damaged (${count}): restore it from a copy; \`weightlapse export-weights\` still saves the runs that read`,
        );
      }
    });
}
