import type { Command } from 'commander';
import { UserError } from '../common.ts';

export function registerExportGif(program: Command): void {
  program
    .command('export-gif')
    .description("Export an animated GIF of a layer's filters across epochs")
    .action(() => {
      throw new UserError('export-gif is not implemented yet');
    });
}
