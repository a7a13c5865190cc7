/**
 * Telling whether a recorded process id still means the same process. A `running` run records the pid
 * of the process responsible for it; after a crash and a reboot, that pid may belong to another program,
 * and the run must not look "still training" for ever. So each pid is recorded with when its process
 * started:
 *
 *   `<boot id>/<start>`  on Linux: /proc/sys/kernel/random/boot_id and field 22 of /proc/PID/stat (the
 *                        process's start in clock ticks after boot). Equal only for the same process.
 *   `boot@<ms>`          where there is no /proc: when the machine booted (now − uptime). It tells a pid
 *                        from before a reboot apart, though not a pid reused within one boot.
 */
import { readFileSync } from 'node:fs';
import { uptime } from 'node:os';

/** How far two readings of the boot time may differ and still be one boot (uptime's rounding, clock steps). */
const BOOT_TOLERANCE_MS = 120_000;
const BOOT_STAMP = 'boot@';

const readText = (path: string) => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
};

const bootId = readText('/proc/sys/kernel/random/boot_id')?.trim();

/** Linux: `<boot id>/<start ticks>` of `pid`, or undefined where there is no such process or no /proc. */
function linuxStart(pid: number): string | undefined {
  const stat = bootId && readText(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  // Field 2 is the command name in parentheses, which may itself hold spaces and ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields[22 - 3];
  return start === undefined ? undefined : `${bootId}/${start}`;
}

const bootTime = () => Date.now() - uptime() * 1000;

/** What to record beside `pid` so that a later look can tell whether it is still the same process. */
export function processStart(pid: number): string {
  return linuxStart(pid) ?? `${BOOT_STAMP}${Math.round(bootTime())}`;
}

/** Whether a process with this id exists (EPERM: it does, but belongs to someone else). */
function exists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Whether `pid` is still the process that was recorded with `started`. A pid recorded before start times
 * were kept (`started` null) can only be checked for existence.
 */
export function isSameProcess(pid: number, started: string | null): boolean {
  if (!exists(pid)) return false;
  if (started === null) return true;
  if (started.startsWith(BOOT_STAMP)) return Math.abs(bootTime() - Number(started.slice(BOOT_STAMP.length))) < BOOT_TOLERANCE_MS;
  return linuxStart(pid) === started;
}
