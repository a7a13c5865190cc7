/**
 * The database named on the command line: `weightlapse-app freeze.db`, `--db freeze.db` or `--db=freeze.db`,
 * relative to the folder the app was started in. The same for the first start (process.argv) and for a
 * second start, whose arguments reach the first instance (Electron's `second-instance`): the second one
 * sends its own argv and folder as the lock's additional data, because the argv that Electron passes
 * along may have Chromium's switches added and reordered.
 */
import { isAbsolute, resolve } from 'node:path';

export interface StartArguments {
  argv: string[];
  cwd: string;
}

/**
 * The database path in `argv`, absolute, or undefined when none is named. `skip` is how many leading
 * entries are the executable (and, when started as `electron .`, the app's folder): Electron's
 * `process.defaultApp` says which.
 */
export function databaseArgument({ argv, cwd }: StartArguments, skip: number): string | undefined {
  const args = argv.slice(skip);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--db') return located(args[i + 1], cwd);
    if (arg.startsWith('--db=')) return located(arg.slice('--db='.length), cwd);
    // Chromium's and Electron's switches (--enable-logging, --inspect=…) are not ours; the first plain argument is.
    if (arg === '--') return located(args[i + 1], cwd);
    if (!arg.startsWith('-')) return located(arg, cwd);
  }
  return undefined;
}

const located = (path: string | undefined, cwd: string) => (path ? (isAbsolute(path) ? path : resolve(cwd, path)) : undefined);

/** What a second start sent (its additional data), when it is what `startArguments` made. */
export function isStartArguments(data: unknown): data is StartArguments {
  const d = data as Partial<StartArguments> | null;
  return typeof d === 'object' && d !== null && Array.isArray(d.argv) && d.argv.every((a) => typeof a === 'string') && typeof d.cwd === 'string';
}
