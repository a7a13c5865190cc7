import type { Command } from 'commander';
import { UserError } from '../common.ts';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description("Serve the app over HTTP on this machine (browser UI and API)")
    .action(() => {
      throw new UserError('serve is not implemented yet');
    });
}
