import type { Command } from 'commander';
import { UserError } from '../common.ts';

export function registerExportWeights(program: Command): void {
  program
    .command('export-weights')
    .description("Write a run's weights as NumPy .npy files")
    .action(() => {
      throw new UserError('export-weights is not implemented yet');
    });
}
