/** `weightlapse <verb>`: the command line over the same core as the app. */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appRoot } from '../core/paths.ts';
import { reportError } from './common.ts';
import { registerData } from './commands/data.ts';
import { registerDb } from './commands/db.ts';
import { registerExportActivations } from './commands/export-activations.ts';
import { registerExportGif } from './commands/export-gif.ts';
import { registerExportWeights } from './commands/export-weights.ts';
import { registerRuns } from './commands/runs.ts';
import { registerServe } from './commands/serve.ts';
import { registerTrain } from './commands/train.ts';

const { version } = JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string };

export function buildProgram(): Command {
  const program = new Command('weightlapse')
    .description("Watch a convolutional network learn: train LeNet, keep every epoch's weights, look at them.")
    .version(version)
    .option('--db <file>', 'database file (default: WEIGHTLAPSE_DB, else the per-user data directory)')
    .option('--json', 'print machine-readable JSON on stdout')
    .showHelpAfterError()
    .exitOverride();
  registerData(program);
  registerTrain(program);
  registerRuns(program);
  registerExportWeights(program);
  registerExportGif(program);
  registerExportActivations(program);
  registerServe(program);
  registerDb(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    // Commander has already printed its own message (usage errors, --help, --version).
    if (err instanceof CommanderError) return err.exitCode;
    return reportError(err);
  }
}

process.exitCode = await main(process.argv);
