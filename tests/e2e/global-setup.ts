/**
 * Before the browser tests: the renderer must be built and Chromium must exist (`npm test` installs it
 * first where it can, tests/system-packages.sh); otherwise the run stops with one line saying what to do.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rendererDir } from '../../src-main/core/paths.ts';
import { CHROMIUM } from './harness.ts';

function stop(line: string): never {
  process.stderr.write(`\ne2e: ${line}\n`);
  process.exit(1);
}

export default function setup(): void {
  if (!existsSync(join(rendererDir, 'index.html'))) {
    stop(`the app is not built (${join(rendererDir, 'index.html')} is missing): run \`npm run build\` first`);
  }
  if (!existsSync(CHROMIUM)) {
    stop(
      process.platform === 'linux'
        ? `Chromium is missing at ${CHROMIUM}: install it (Debian/Ubuntu: \`sudo apt-get install chromium\`) or set WEIGHTLAPSE_CHROMIUM to its path`
        : `Chromium is missing at ${CHROMIUM}: install Chromium and set WEIGHTLAPSE_CHROMIUM to its executable`,
    );
  }
}
