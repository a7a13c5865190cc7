/** Where Weightlapse keeps its things on this machine. Shared by the CLI, the server and the desktop app. */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
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
 * The repository (or packaged app) root, found from this file. Works from the sources (src-main/core)
 * and from the bundle (out/main), which sit at the same depth.
 */
export const appRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

export const resourcesDir = join(appRoot, 'resources');
export const rendererDir = join(appRoot, 'out', 'renderer');
