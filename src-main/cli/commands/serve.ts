import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { resolveDbPath } from '../../core/paths.ts';
import { tokenProblem } from '../../server/guard.ts';
import { startServer } from '../../server/index.ts';
import { databaseFile, globalOptions, UsageError } from '../common.ts';
import { say, sayJson, tell } from '../terminal.ts';

export interface ServeOptions {
  db?: string;
  port?: number;
  host?: string;
  open?: boolean;
  json?: boolean;
  /** Default: WEIGHTLAPSE_TOKEN, else a fresh random one at each start. */
  token?: string;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port: ${value} is not a port number (0–65535)`);
  return port;
}

/** Opens the URL in the desktop's browser, if there is one; the URL is printed either way. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => tell(`weightlapse: could not open a browser (${cmd}); open the URL above yourself`));
  child.unref();
}

/** `--token`, else WEIGHTLAPSE_TOKEN (empty counts as unset), checked; undefined: the server makes a fresh one. */
function chosenToken(given: string | undefined): string | undefined {
  const fromEnv = process.env.WEIGHTLAPSE_TOKEN || undefined;
  const token = given ?? fromEnv;
  const problem = token === undefined ? null : tokenProblem(token);
  if (problem) throw new UsageError(`${given !== undefined ? '--token' : 'WEIGHTLAPSE_TOKEN'}: ${problem}`);
  return token;
}

/**
 * Serves until Ctrl-C (or SIGTERM), then closes cleanly: event streams ended, trainers stopped,
 * database closed. Shared by `weightlapse serve` and `npm start`'s no-desktop fallback.
 */
export async function serve(options: ServeOptions): Promise<void> {
  const token = chosenToken(options.token);
  const server = await startServer({
    dbPath: resolveDbPath(options.db),
    port: options.port ?? 0,
    host: options.host,
    token,
    warn: (message) => tell(`weightlapse: ${message}`),
  });
  if (options.json) sayJson({ url: server.url, dbPath: server.core.ctx.dbPath });
  else say(`Weightlapse is serving ${server.core.ctx.dbPath}`, `Open: ${server.url}`, '(Ctrl-C to stop)');
  if (options.open) openBrowser(server.url);
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      tell('', `weightlapse: ${signal}: stopping`);
      process.off('SIGINT', onInt).off('SIGTERM', onTerm);
      server.close().then(done, done);
    };
    const onInt = () => stop('SIGINT');
    const onTerm = () => stop('SIGTERM');
    process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  });
}

export function registerServe(verb: Command): void {
  verb
    .option('--port <n>', 'port to listen on (default: a free one)', parsePort)
    .option('--host <address>', 'address to bind (default 127.0.0.1; anything else is reachable from the network)')
    .option('--open', 'open the URL in the default browser')
    .option('--token <token>', 'the token the URL carries, at least 32 characters, so that a bookmark survives a restart (default: WEIGHTLAPSE_TOKEN, else a new random one)')
    .action(async (opts: { port?: number; host?: string; open?: boolean; token?: string }, cmd: Command) => {
      const { json } = globalOptions(cmd);
      await serve({ ...opts, db: databaseFile(cmd, { mustExist: false }), json });
    });
}
