/**
 * `weightlapse <verb>`: the command line over the same core as the app.
 *
 * Each verb's module is loaded only when its name is on the command line: `--help` and `--version` load
 * none (no database, no schemas), so they start at once. A verb that is not named is listed by its name
 * and description alone.
 */
import { Command, CommanderError } from 'commander';
import { appVersion } from '../core/paths.ts';

/** What a verb's module exports: it adds its options, subcommands and action to the command made here. */
type Register = (verb: Command) => void;

const VERBS: { name: string; description: string; load: () => Promise<Register> }[] = [
  { name: 'data', description: 'Read, check and fetch data sets', load: async () => (await import('./commands/data.ts')).registerData },
  { name: 'train', description: "Train LeNet on a data set, saving every epoch's weights", load: async () => (await import('./commands/train.ts')).registerTrain },
  { name: 'runs', description: 'List the saved runs', load: async () => (await import('./commands/runs.ts')).registerRuns },
  {
    name: 'groups',
    description: 'List, show (with mean ± 95 % interval, as CSV too) and remove groups of seeds',
    load: async () => (await import('./commands/groups.ts')).registerGroups,
  },
  {
    name: 'export-weights',
    description: "Write a run's weights as NumPy .npy files, one folder per stored epoch",
    load: async () => (await import('./commands/export-weights.ts')).registerExportWeights,
  },
  {
    name: 'export-gif',
    description: "Export an animated GIF of a layer's filters, or of one test image's activations, across epochs",
    load: async () => (await import('./commands/export-gif.ts')).registerExportGif,
  },
  {
    name: 'export-activations',
    description: "Write test images' feature maps and class probabilities at each snapshot as NumPy .npy files",
    load: async () => (await import('./commands/export-activations.ts')).registerExportActivations,
  },
  {
    name: 'analyze',
    description: "Compute a run's layer analyses (CKA between snapshots, dead units) where they are not stored yet",
    load: async () => (await import('./commands/analyze.ts')).registerAnalyze,
  },
  {
    name: 'export-analysis',
    description: "Write a run's layer analyses as NumPy .npy files with a JSON index",
    load: async () => (await import('./commands/export-analysis.ts')).registerExportAnalysis,
  },
  {
    name: 'serve',
    description: 'Serve the app over HTTP on this machine (browser UI and API), with a token in the URL',
    load: async () => (await import('./commands/serve.ts')).registerServe,
  },
  { name: 'db', description: 'Look after the database file', load: async () => (await import('./commands/db.ts')).registerDb },
];

/** The program, with the verbs named in `argv` complete and the others as their name and description. */
export async function buildProgram(argv: string[]): Promise<Command> {
  const program = new Command('weightlapse')
    .description("Watch a convolutional network learn: train LeNet, keep every epoch's weights, look at them.")
    .version(appVersion)
    .option('--db <file>', 'database file (default: WEIGHTLAPSE_DB, else the per-user data directory)')
    .option('--json', 'print machine-readable JSON on stdout')
    .option('--verbose', "pass on the trainer process's own messages (the native libraries' warnings)")
    // Every verb's help lists --db, --json and --verbose too (the setting is inherited by each verb).
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError()
    .exitOverride()
    // The trainer processes read it where they are forked (core/training/spawn.ts).
    .hook('preAction', () => {
      if (program.opts<{ verbose?: boolean }>().verbose) process.env.WEIGHTLAPSE_VERBOSE = '1';
    });
  const named = new Set(argv.slice(2));
  for (const verb of VERBS) {
    const command = program.command(verb.name).description(verb.description);
    if (named.has(verb.name)) (await verb.load())(command);
  }
  return program;
}

/** 0 on success, 1 for an error, 2 for a mistake in the command line itself, 130 for a run stopped by Ctrl-C. */
export async function main(argv: string[]): Promise<number> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    // Commander has already printed its own message (usage errors, --help, --version).
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    const { reportError } = await import('./common.ts');
    return reportError(err);
  }
}

process.exitCode = await main(process.argv);
