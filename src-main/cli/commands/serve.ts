import { spawn } from 'node:child_process';
import type { Command } from 'commander';
import { resolveDbPath } from '../../core/paths.ts';
import { startServer } from '../../server/index.ts';
import { globalOptions, UserError } from '../common.ts';

export interface ServeOptions {
  db?: string;
  port?: number;
  host?: string;
  open?: boolean;
  json?: boolean;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UserError(`--port: ${value} is not a port number (0–65535)`);
  return port;
}

/** Opens the URL in the desktop's browser, if there is one; the URL is printed either way. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd, args, { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`weightlapse: could not open a browser (${cmd}); open the URL above yourself\n`));
  child.unref();
}

/**
 * Serves until Ctrl-C (or SIGTERM), then closes cleanly: event streams ended, trainers stopped,
 * database closed. Shared by `weightlapse serve` and `npm start`'s no-desktop fallback.
 */
export async function serve(options: ServeOptions): Promise<void> {
  const server = await startServer({ dbPath: resolveDbPath(options.db), port: options.port ?? 0, host: options.host });
  if (options.json) process.stdout.write(`${JSON.stringify({ url: server.url, dbPath: server.core.ctx.dbPath })}\n`);
  else {
    process.stdout.write(`Weightlapse is serving ${server.core.ctx.dbPath}\n`);
    process.stdout.write(`Open: ${server.url}\n(Ctrl-C to stop)\n`);
  }
  if (options.open) openBrowser(server.url);
  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      process.stderr.write(`\nweightlapse: ${signal}: stopping\n`);
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
    .action(async (opts: { port?: number; host?: string; open?: boolean }, cmd: Command) => {
      const { db, json } = globalOptions(cmd);
      await serve({ ...opts, db, json });
    });
}
