/**
 * The desktop app's log: main.log in the platform's log folder (Electron's `app.getPath('logs')`:
 * ~/.config/Weightlapse/logs on Linux, ~/Library/Logs/Weightlapse on macOS, %APPDATA%\Weightlapse\logs on
 * Windows), written by electron-log's file transport: each line when it is said (synchronously, so the
 * error just before a crash is in it), the file moved to main.old.log at 1 MiB. Help → Open Logs Folder
 * shows the folder.
 *
 * electron-log's Electron entry (`electron-log/main`) requires `electron` as it is imported, so it cannot
 * run where Electron's app is stood in for (the tests: in plain Node, requiring it fails), and it would open
 * IPC channels of its own into the main process. This wraps its Node entry instead: the same file transport
 * and error handler, given the folder here. The page logs nothing through it: what the page does wrong
 * reaches the main side as a failed call or a crash.
 *
 * What goes in: everything the main process says on its console (the core's warnings included), its
 * uncaught errors and unhandled rejections with their stacks, the window's crashes and hangs
 * (window-watch.ts), databases opened, and of every trainer process its start, its standard error (where
 * an uncaught error's stack goes before the process exits), a `failed` message, and an unclean exit.
 */
import log from 'electron-log/node';
import { join } from 'node:path';
import type { TrainerProcess, TrainerSpawner } from '../trainer/protocol.ts';

export interface AppLog {
  /** The folder of the log files. */
  readonly dir: string;
  /** main.log in it. */
  readonly file: string;
  info(...params: unknown[]): void;
  warn(...params: unknown[]): void;
  error(...params: unknown[]): void;
  /** Sends this process's console (log, info, warn, error, debug) to the log as well as to the terminal; returns the undoing. */
  captureConsole(): () => void;
  /** Logs this process's uncaught errors and unhandled rejections; `onError` is told of the errors (not the rejections). */
  catchErrors(onError?: (error: Error) => void): void;
  /** The same spawner, its trainers' start, standard error, failures and unclean exits logged. */
  trainers(spawn: TrainerSpawner): TrainerSpawner;
}

export function openLog(dir: string): AppLog {
  const file = join(dir, 'main.log');
  const logger = log.create({ logId: `weightlapse ${file}` });
  logger.transports.file.resolvePathFn = () => file;
  // The trainers' lines go to the file only: the terminal shows their standard error as it did (or not at
  // all: the native libraries' noise is shown only when asked for, see core/training/fork.ts).
  const trainerLogger = log.create({ logId: `weightlapse trainers ${file}` });
  trainerLogger.transports.file.resolvePathFn = () => file;
  trainerLogger.transports.console.level = false;

  /** Its lines as they come, each logged once whole. */
  const logLines = (trainer: TrainerProcess, say: (line: string) => void) => {
    let rest = '';
    trainer.stderr?.on('data', (chunk: Buffer) => {
      const lines = (rest + chunk.toString('utf8')).split('\n');
      rest = lines.pop()!;
      for (const line of lines) if (line.trim()) say(line);
    });
    trainer.stderr?.on('end', () => rest.trim() && say(rest));
  };

  return {
    dir,
    file,
    info: logger.info,
    warn: logger.warn,
    error: logger.error,
    captureConsole() {
      const { log, info, warn, error, debug } = console;
      Object.assign(console, { log: logger.log, info: logger.info, warn: logger.warn, error: logger.error, debug: logger.debug });
      return () => Object.assign(console, { log, info, warn, error, debug });
    },
    catchErrors(onError) {
      logger.errorHandler.startCatching({
        showDialog: false,
        onError: ({ error, errorName }) => {
          if (!errorName?.includes('rejection')) onError?.(error);
        },
      });
    },
    trainers(spawn) {
      return (backend) => {
        const trainer = spawn(backend);
        const scope = trainerLogger.scope(`trainer ${trainer.pid ?? 'window'}`);
        scope.info(`started${backend ? ` for ${typeof backend === 'string' ? backend : backend.name}` : ''}`);
        logLines(trainer, (line) => scope.warn(line));
        trainer.on('message', (message) => {
          if (message.type === 'failed') scope.error(`failed: ${message.message}`);
        });
        trainer.on('exit', (code, signal) => {
          if (code === 0) scope.info('exited');
          else scope.error(`exited ${signal ? `on ${signal}` : `with code ${code}`}`);
        });
        return trainer;
      };
    },
  };
}
