/**
 * Real file-system faults for the tests: a small tmpfs that fills up, and one remounted read-only. Mounting
 * needs root (or CAP_SYS_ADMIN): `mountProblem` says why it cannot be done here, for the test to skip with.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const run = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A fresh tmpfs of `megabytes` on a new folder; unmount it with `unmount`. */
export function mountTmpfs(megabytes: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'weightlapse-fs-'));
  run('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', dir]);
  return dir;
}

/** Remounts with new options: `ro`, `rw`, `size=20m`. */
export function remount(dir: string, options: string): void {
  run('mount', ['-o', `remount,${options}`, dir]);
}

export function unmount(dir: string): void {
  try {
    run('umount', [dir]);
  } catch {
    run('umount', ['-l', dir]); // still busy (a file left open by a failed test): detach it anyway
  }
  rmSync(dir, { recursive: true, force: true });
}

/** Why a tmpfs cannot be mounted here (not root, in a container without the capability), or undefined. */
export const mountProblem: string | undefined = (() => {
  try {
    unmount(mountTmpfs(1));
    return undefined;
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    return `mounting a tmpfs is not permitted here (${stderr || (err as Error).message}); run as root to produce this fault for real`;
  }
})();
