// Whether the build in out/ is current: made after the last change to any source it is made of (a build
// older than a source would run yesterday's code). Plain JavaScript, because the CLI's launcher
// (cli/weightlapse.mjs) asks before it can run TypeScript; the core asks when it runs from its sources,
// to fork the built trainer (core/training/fork.ts).
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCES = ['src-main', 'src-preload'];

/** True when every one of `built` (paths under `root`) is newer than every file of the sources. */
export function builtIsCurrent(root, built) {
  const mtime = (path) => statSync(join(root, path), { throwIfNoEntry: false })?.mtimeMs ?? -Infinity;
  const builtAt = Math.min(...built.map(mtime));
  if (builtAt === -Infinity) return false;
  for (const dir of SOURCES) {
    for (const file of readdirSync(join(root, dir), { recursive: true })) {
      if (mtime(join(dir, file)) > builtAt) return false;
    }
  }
  return true;
}
