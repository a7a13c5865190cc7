/** Where Weightlapse keeps its things on this machine. Shared by the CLI, the server and the desktop app. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The per-user data directory, as each platform expects it. */
export function userDataDir(): string {
  const home = homedir();
  if (process.platform === 'win32') return join(process.env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Weightlapse');
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'Weightlapse');
  return join(process.env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'weightlapse');
}

/** `--db` wins, then `WEIGHTLAPSE_DB`, then the per-user default. */
export function resolveDbPath(explicit?: string): string {
  const chosen = explicit ?? process.env.WEIGHTLAPSE_DB;
  return chosen ? resolve(chosen) : join(userDataDir(), 'weightlapse.db');
}

/**
 * The nearest folder above `start` whose package.json is Weightlapse's: the repository, or the packaged
 * app (whose asar archive holds package.json too). Found by looking, not by counting folders, so it
 * holds from the sources, from any bundled chunk and from a test's temporary copy alike.
 */
export function findAppRoot(start: string): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'weightlapse') return dir;
    if (dirname(dir) === dir) throw new Error(`no Weightlapse package.json above ${start}`);
  }
}

export const appRoot = findAppRoot(fileURLToPath(new URL('.', import.meta.url)));

export const appVersion = (JSON.parse(readFileSync(join(appRoot, 'package.json'), 'utf8')) as { version: string }).version;

export const resourcesDir = join(appRoot, 'resources');
export const rendererDir = join(appRoot, 'out', 'renderer');
