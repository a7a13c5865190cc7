/** The default way to start a trainer process: child_process.fork of ./worker.ts (see protocol.ts). */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromTrainer, TrainerProcess, TrainerSpawner } from './protocol.ts';

/** The worker next to this module: worker.ts in the sources, worker.js where it was built. */
export const WORKER_ENTRY = fileURLToPath(new URL(`./worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url));

export function forkTrainer(entry: string = WORKER_ENTRY): TrainerSpawner {
  return () => {
    const child = fork(entry, [], {
      // TypeScript sources run through tsx; our own flags only (not the parent's, e.g. a test runner's).
      execArgv: entry.endsWith('.ts') ? ['--import', 'tsx'] : [],
      // stdout carries only tfjs's banners; stderr is kept for crash messages and passed on.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    const trainer: TrainerProcess = {
      get pid() {
        return child.pid;
      },
      postMessage: (message) => {
        if (child.connected) child.send(message);
      },
      on: (event: 'message' | 'exit', listener: (...args: never[]) => void) =>
        event === 'message'
          ? child.on('message', listener as (m: FromTrainer) => void)
          : child.on('exit', listener as (code: number | null, signal: NodeJS.Signals | null) => void),
      kill: () => child.kill('SIGKILL'),
      stderr: child.stderr,
    };
    return trainer;
  };
}
