/**
 * What the end-to-end tests share: the app on one of its two hosts, with a fresh database, in a real
 * headless Chromium (Playwright), and screenshots under test-results/screenshots/.
 *
 * - `browser`: the local server in this process, the page opened on its tokenized URL (hosts/server.ts);
 * - `desktop`: the desktop window without the Electron binary: the built page from disk, the real built
 *   preload and the real main side around the core, only Electron's own objects stood in for
 *   (hosts/desktop.ts).
 *
 * Every test file runs once per host: vitest.config.ts has one e2e project per host, which names it in
 * WEIGHTLAPSE_E2E_HOST (`--project e2e-desktop` runs one host). A file names the host in its test names
 * with `HOST`.
 *
 *   const app = await openApp();            // the host, a browser and the page, already on the app
 *   await app.page.getByRole('button', …)   // drive it
 *   await app.call('runs.list', {});        // the API, as the page calls it
 *   await app.goto('#/datasets');           // a route, as typed into the address bar
 *   await app.screenshot('runs-list');      // test-results/screenshots/[desktop-]runs-list.png
 *   expect(app.errors).toEqual([]);         // no page errors or console errors
 *   await app.close();
 *
 * The page starts in the system's dark theme (`prefers-color-scheme: dark`); `app.page.emulateMedia({ colorScheme:
 * 'light' })` switches it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { appRoot } from '../../src-main/core/paths.ts';
import { openDesktopApp } from './hosts/desktop.ts';
import { openServerApp } from './hosts/server.ts';
import type { Host, OpenApp } from './hosts/chromium.ts';

export { CHROMIUM, launchBrowser, newContext, PAGE_WAIT_MS, screenshot, type Host, type OpenApp } from './hosts/chromium.ts';

const HOSTS: readonly Host[] = ['browser', 'desktop'];

/** The host this run of the suite is on (the browser when no project says). */
export const HOST: Host = (() => {
  const named = process.env.WEIGHTLAPSE_E2E_HOST ?? 'browser';
  if (!HOSTS.includes(named as Host)) throw new Error(`WEIGHTLAPSE_E2E_HOST: unknown host ${named} (use ${HOSTS.join(' or ')})`);
  return named as Host;
})();

/** The largest |w| of a tensor: what a per-layer legend must show, computed here independently of the app. */
export const maxAbs = (a: Float32Array): number => a.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

/**
 * A run trained by the CLI on the bundled Fashion-MNIST sample into the app's database, as someone with
 * the app open would: `weightlapse train --data SAMPLE …args --db APP'S --json`. Its JSON answer.
 */
export function trainWithCli(app: OpenApp, args: string[]): unknown {
  const sample = join(appRoot, 'resources/sample/fashion-mnist');
  const train = spawnSync(process.execPath, [join(appRoot, 'src-main/cli/weightlapse.mjs'), 'train', '--data', sample, ...args, '--db', app.dbPath, '--json'], {
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (train.status !== 0) throw new Error(`weightlapse train failed (${train.status}): ${train.stderr}`);
  return JSON.parse(train.stdout.trim().split('\n').at(-1)!);
}

/** The app on this run's host, its page loaded and ready. */
export function openApp(options: { viewport?: { width: number; height: number } } = {}): Promise<OpenApp> {
  const viewport = options.viewport ?? { width: 1280, height: 800 };
  return HOST === 'desktop' ? openDesktopApp(viewport) : openServerApp(viewport);
}
