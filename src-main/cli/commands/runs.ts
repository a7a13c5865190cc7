import type { Command } from 'commander';
import { UserError } from '../common.ts';

export function registerRuns(program: Command): void {
  program
    .command('runs')
    .description("List the saved runs")
    .action(() => {
      throw new UserError('runs is not implemented yet');
    });
}
