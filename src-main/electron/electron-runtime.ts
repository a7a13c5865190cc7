/**
 * Can this machine open the desktop window? Used by `npm start` (src-main/electron/start.mjs) to choose between
 * Electron and the local server, and by the Electron smoke test to say why it is skipped. Plain Node:
 * it never imports `electron` (which, from plain Node, only returns the binary's path — and on first
 * use tries to download it).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { appRoot } from '../core/paths.ts';

export type ElectronCheck = { ok: true; binary: string; version: string } | { ok: false; reason: string };

const requireFromApp = createRequire(join(appRoot, 'package.json'));

/**
 * Asks the electron package for its binary in a child process: on a networked machine its first use
 * downloads the binary (which can take a minute), and where that fails it throws
 * "Electron failed to install correctly" after printing a stack we do not want on screen.
 */
export function findElectron(env: NodeJS.ProcessEnv = process.env): ElectronCheck {
  let version: string;
  try {
    version = (JSON.parse(readFileSync(requireFromApp.resolve('electron/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return { ok: false, reason: 'the electron package is not installed (run `npm ci`)' };
  }
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: appRoot,
    encoding: 'utf8',
    env,
    timeout: 10 * 60_000,
  });
  const binary = probe.stdout?.trim() ?? '';
  if (probe.status !== 0 || !binary) {
    const why = /Electron failed to install correctly/.test(probe.stderr ?? '')
      ? 'it could not be downloaded'
      : (probe.stderr ?? '').trim().split('\n').at(-1) || 'no reason given';
    return { ok: false, reason: `the Electron ${version} binary is missing (${why})` };
  }
  if (!existsSync(binary)) return { ok: false, reason: `the Electron binary ${binary} does not exist` };
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { ok: false, reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  }
  return { ok: true, binary, version };
}

/**
 * better-sqlite3 is not N-API: Electron needs a build for its own ABI, while Node (tests, CLI, server)
 * needs the one `npm ci` made. So `npm start` keeps a second copy built for Electron under
 * node_modules/.cache and hands its path to the app in WEIGHTLAPSE_SQLITE_BINDING (core/store/db.ts
 * passes it as better-sqlite3's `nativeBinding`). Packaged apps need none of this: electron-builder
 * rebuilds the module for Electron when it packs. Returns the .node file, or throws saying why.
 */
export function electronSqliteBinding(electronVersion: string): string {
  const pkgDir = dirname(requireFromApp.resolve('better-sqlite3/package.json'));
  const { version } = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string };
  const dest = join(
    appRoot,
    'node_modules',
    '.cache',
    'weightlapse-electron',
    `better-sqlite3-${version}-electron-${electronVersion}-${process.platform}-${process.arch}`,
  );
  const binary = join(dest, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binary)) return binary;
  const buildDir = join(pkgDir, 'build');
  cpSync(pkgDir, dest, { recursive: true, filter: (src) => src !== buildDir && !src.startsWith(buildDir + sep) });
  // Electron's documented way for native modules with npm: the same install script, aimed at Electron's
  // headers (prebuild-install fetches a prebuilt binary, else node-gyp compiles one).
  const npmCli = process.env.npm_execpath;
  const [cmd, args] = npmCli ? [process.execPath, [npmCli, 'run', 'install']] : ['npm', ['run', 'install']];
  const result = spawnSync(cmd, args, {
    cwd: dest,
    stdio: 'inherit',
    shell: !npmCli && process.platform === 'win32',
    env: {
      ...process.env,
      npm_config_runtime: 'electron',
      npm_config_target: electronVersion,
      npm_config_disturl: 'https://electronjs.org/headers',
    },
  });
  if (result.status !== 0 || !existsSync(binary)) {
    throw new Error(`could not build better-sqlite3 for Electron ${electronVersion} in ${dest}`);
  }
  return binary;
}
