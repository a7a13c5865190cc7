/**
 * Before the browser tests: the renderer must be built and Chromium must exist. Where Chromium is
 * missing and this is a Debian-like machine run as root, it is installed the ordinary way (apt-get);
 * otherwise the run stops with one line saying what to install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { rendererDir } from '../../src-main/core/paths.ts';
import { CHROMIUM } from './harness.ts';

function stop(line: string): never {
  process.stderr.write(`\ne2e: ${line}\n`);
  process.exit(1);
}

const hasAptGet = () => spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;

function installChromium(): void {
  process.stderr.write(`e2e: ${CHROMIUM} is missing; installing chromium with apt-get…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  if (install.status !== 0) {
    // A fresh machine may have no package lists yet.
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    install = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'chromium'], { stdio: 'inherit', env });
  }
  if (install.status !== 0) stop('`apt-get install -y chromium` failed; install Chromium, then run the tests again');
}

export default function setup(): void {
  if (!existsSync(join(rendererDir, 'index.html'))) {
    stop(`the app is not built (${join(rendererDir, 'index.html')} is missing): run \`npm run build\` first`);
  }
  if (existsSync(CHROMIUM)) return;
  const isRoot = process.getuid?.() === 0;
  if (process.platform === 'linux' && isRoot && hasAptGet()) installChromium();
  if (!existsSync(CHROMIUM)) {
    stop(
      process.platform === 'linux'
        ? `Chromium is missing at ${CHROMIUM}: install it (Debian/Ubuntu: \`sudo apt-get install chromium\`) or set WEIGHTLAPSE_CHROMIUM to its path`
        : `Chromium is missing at ${CHROMIUM}: install Chromium and set WEIGHTLAPSE_CHROMIUM to its executable`,
    );
  }
}
