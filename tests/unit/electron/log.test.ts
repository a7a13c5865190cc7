/**
 * The desktop app's log (log.ts, electron-log's file transport): what a main process says, its uncaught
 * errors and unhandled rejections (in a child process of its own, as they end a process's normal course),
 * and a trainer process's start, failure, standard error and unclean exit (a real forked process whose
 * entry throws).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { appRoot } from '../../../src-main/core/paths.ts';
import { forkTrainer } from '../../../src-main/core/training/fork.ts';
import { openLog } from '../../../src-main/electron/log.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';

afterAll(removeTempDirs);

describe('the log', () => {
  it('gets the main process’s console, its uncaught errors with their stacks, and its unhandled rejections', () => {
    const dir = join(tempDir('wl-log-'), 'logs');
    const logModule = pathToFileURL(join(appRoot, 'src-main', 'electron', 'log.ts')).href;
    const script = `
      import { openLog } from ${JSON.stringify(logModule)};
      const log = openLog(${JSON.stringify(dir)});
      log.captureConsole();
      log.catchErrors((error) => process.stdout.write('told: ' + error.message + '\\n'));
      console.warn('weightlapse: a warning from the core');
      Promise.reject(new Error('nobody awaited this'));
      setTimeout(function brokenTimer() { throw new Error('uncaught in the main process'); }, 0);
      setTimeout(() => process.stdout.write('still running\\n'), 20);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: appRoot, encoding: 'utf8' });
    expect(child.status, child.stderr).toBe(0);
    // The process goes on after an uncaught error, as Electron's main process does; the shell was told of it.
    expect(child.stdout).toBe('told: uncaught in the main process\nstill running\n');
    const logged = readFileSync(join(dir, 'main.log'), 'utf8');
    expect(logged).toMatch(/\[warn\] +weightlapse: a warning from the core/);
    expect(logged).toMatch(/\[error\] +Unhandled rejection Error: nobody awaited this/);
    expect(logged).toMatch(/\[error\] +Unhandled Error: uncaught in the main process\n +at Timeout\.brokenTimer/);
    // The terminal still shows the console, as before.
    expect(child.stderr).toContain('weightlapse: a warning from the core');
  });

  it('gets a trainer process’s start, its failure, its uncaught error’s stack and its exit', async () => {
    const dir = tempDir('wl-log-');
    const entry = join(dir, 'throwing-trainer.mjs');
    writeFileSync(
      entry,
      `process.on('message', () => {
        process.send({ type: 'failed', message: 'the data set is gone' }, () => {
          throw new Error('trainer blew up');
        });
      });`,
    );
    const log = openLog(join(dir, 'logs'));
    const trainer = log.trainers(forkTrainer(entry))('wasm');
    const exited = new Promise<number | null>((resolve) => trainer.on('exit', (code) => resolve(code)));
    trainer.postMessage({ type: 'stop' });
    expect(await exited).toBe(1);
    // The last of its stderr arrives with the stream's end.
    await new Promise((resolve) => (trainer.stderr!.readableEnded ? resolve(null) : trainer.stderr!.once('end', resolve)));
    const logged = readFileSync(log.file, 'utf8');
    const scope = `\\(trainer ${trainer.pid}\\)`;
    expect(logged).toMatch(new RegExp(`\\[info\\] +${scope} started for wasm`));
    expect(logged).toMatch(new RegExp(`\\[error\\] +${scope} failed: the data set is gone`));
    expect(logged).toMatch(new RegExp(`\\[warn\\] +${scope} Error: trainer blew up`));
    expect(logged).toMatch(new RegExp(`\\[error\\] +${scope} exited with code 1`));
  });
});
