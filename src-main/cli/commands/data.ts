import type { Command } from 'commander';
import { UserError } from '../common.ts';

export function registerData(program: Command): void {
  program
    .command('data')
    .description("Read, check and fetch data sets")
    .action(() => {
      throw new UserError('data is not implemented yet');
    });
}
