/** The default way to start a trainer process: child_process.fork of the trainer's entry (see trainer/protocol.ts). */
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { builtIsCurrent } from '../built.mjs';
import { appRoot } from '../paths.ts';
import type { FromTrainer, TrainerProcess, TrainerSpawner } from '../../trainer/protocol.ts';

const BUILT_TRAINER = 'out/main/trainer-process.js';

/**
 * The trainer process's entry: its build, unless this runs from the sources and the build is older than
 * one of them (then its TypeScript source, through tsx). A built trainer starts on half the CPU time
 * (measured: a tiny CLI run, 4.7 s built, 9.5 s through tsx), which the tests' many trainers add up.
 */
export const TRAINER_ENTRY = !import.meta.url.endsWith('.ts') || builtIsCurrent(appRoot, [BUILT_TRAINER])
  ? join(appRoot, BUILT_TRAINER)
  : join(appRoot, 'src-main', 'trainer', 'trainer-process.ts');

export function forkTrainer(entry: string = TRAINER_ENTRY): TrainerSpawner {
  return () => {
    const child = fork(entry, [], {
      // TypeScript sources run through tsx; our own flags only (not the parent's, e.g. a test runner's).
      // Its loader by full path: the CLI may be run from any folder, where a bare 'tsx' would not be found.
      execArgv: entry.endsWith('.ts') ? ['--import', import.meta.resolve('tsx')] : [],
      // stdout carries only tfjs's banners; stderr is kept for crash messages (its tail is in them).
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    // Passed on only when asked (WEIGHTLAPSE_VERBOSE=1, the CLI's --verbose): it is the native libraries'
    // noise, such as Dawn's warning about Vulkan, whose stack-like lines read as a crash.
    if (process.env.WEIGHTLAPSE_VERBOSE === '1') child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
    const trainer: TrainerProcess = {
      get pid() {
        return child.pid;
      },
      postMessage: (message) => {
        // A trainer can die between the check and the write (killed, crashed): the write then fails with
        // EPIPE, which without a callback is an 'error' event nobody listens to, and so an uncaught
        // exception. Its end is reported by its exit; the message is lost with it.
        if (child.connected) child.send(message, () => {});
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
