/**
 * Trainer processes in the desktop app: Electron's utilityProcess (a Node process that Chromium
 * manages: it goes when the app goes, and a crash in it cannot take the window down). It runs the
 * same entry as `child_process.fork` elsewhere (trainer/trainer-process.ts, built to out/main/trainer-process.js),
 * adapted to the shape the training host expects (TrainerProcess).
 */
import { utilityProcess } from 'electron';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { FromTrainer, TrainerProcess, TrainerSpawner } from '../trainer/protocol.ts';

export function utilityTrainer(mainDir: string): TrainerSpawner {
  const entry = join(mainDir, 'trainer-process.js');
  return () => {
    const child = utilityProcess.fork(entry, [], { stdio: 'pipe', serviceName: 'Weightlapse trainer' });
    // Electron types stderr as the old NodeJS.ReadableStream interface; it is a stream.Readable.
    const stderr = child.stderr as Readable | null;
    // Pass its stderr on (the host also keeps the tail for crash messages).
    stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    const trainer: TrainerProcess = {
      get pid() {
        return child.pid;
      },
      postMessage: (message) => child.postMessage(message),
      on: (event: 'message' | 'exit', listener: (...args: never[]) => void) =>
        event === 'message'
          ? child.on('message', listener as (message: FromTrainer) => void)
          : child.on('exit', listener as (code: number) => void),
      kill: () => child.kill(),
      stderr,
    };
    return trainer;
  };
}
