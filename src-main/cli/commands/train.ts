import type { Command } from 'commander';
import { UserError } from '../common.ts';

export function registerTrain(program: Command): void {
  program
    .command('train')
    .description("Train LeNet on a data set, saving every epoch's weights")
    .action(() => {
      throw new UserError('train is not implemented yet');
    });
}
