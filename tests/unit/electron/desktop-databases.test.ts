/**
 * The database of the desktop main side (desktop.ts) at start and between switches, with Electron's
 * objects stood in for and the real core: a first start whose database cannot be opened opens the
 * fallback and says why once the page has loaded; a dialog that fails does not hold up the next switch. Switching from the menu, in the window, is tests/e2e/desktop-databases.test.ts.
 */
import type { BrowserWindow, OpenDialogOptions } from 'electron';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { forkTrainer } from '../../../src-main/core/training/fork.ts';
import { openDesktop, type Desktop } from '../../../src-main/electron/desktop.ts';
import { recentDatabases } from '../../../src-main/electron/recent.ts';
import { appPage } from '../../../src-main/electron/security.ts';
import type { WatchedContents } from '../../../src-main/electron/window-watch.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';
import { DialogStandIn, IpcMainStandIn, RecentDocumentsStandIn, WebContentsStandIn } from './standins.ts';

const opened: Desktop[] = [];
afterAll(async () => {
  await Promise.all(opened.map((d) => d.close()));
  removeTempDirs();
});

function desktopOn(dir: string, dbPath: string, fallbackDbPath: string | undefined, dialog = new DialogStandIn()) {
  const contents = new WebContentsStandIn();
  const page = appPage(join(dir, 'renderer', 'index.html'), undefined);
  return {
    contents,
    page,
    open: async () => {
      const desktop = await openDesktop({
        dbPath,
        fallbackDbPath,
        page,
        ipcMain: new IpcMainStandIn(),
        dialog,
        window: () => ({ webContents: contents }) as unknown as BrowserWindow,
        picturesDir: dir,
        spawnTrainer: forkTrainer(),
        recent: recentDatabases(join(dir, 'recent.json'), new RecentDocumentsStandIn()),
      });
      opened.push(desktop);
      desktop.watchWindow(contents as unknown as WatchedContents);
      return desktop;
    },
  };
}

describe('the desktop’s database', () => {
  it('at a first start that names a database it cannot open: opens the default one, and says why once the page has loaded', async () => {
    const dir = tempDir('wl-desktop-db-');
    const named = join(dir, 'named.db');
    writeFileSync(named, 'not a database, but notes someone saved with the wrong name');
    const fallback = join(dir, 'weightlapse.db');
    const { contents, open } = desktopOn(dir, named, fallback);
    const desktop = await open();
    expect(desktop.core.ctx.dbPath).toBe(fallback);
    expect(readFileSync(named, 'utf8')).toBe('not a database, but notes someone saved with the wrong name');
    expect(contents.notices()).toEqual([]);
    contents.emit('did-finish-load');
    expect(contents.notices()).toEqual([{ level: 'error', message: `${named} is not a Weightlapse database: it is not an SQLite file at all. It has not been changed.` }]);
  });

  it('without a fallback, a database it cannot open stops the start, saying why', async () => {
    const dir = tempDir('wl-desktop-db-');
    const named = join(dir, 'named.db');
    writeFileSync(named, 'x'.repeat(200));
    await expect(desktopOn(dir, named, undefined).open()).rejects.toThrow(`${named} is not a Weightlapse database`);
  });

  it('logs a dialog that failed (Open Database…), goes on switching, and loads the page afresh on the new database', async () => {
    const dir = tempDir('wl-desktop-db-');
    const dialog = new DialogStandIn();
    const failing = Object.assign(dialog, {
      showOpenDialog: async (..._args: [OpenDialogOptions] | [BrowserWindow, OpenDialogOptions]) => {
        throw new Error('the portal is not running');
      },
    });
    const { contents, page, open } = desktopOn(dir, join(dir, 'first.db'), undefined, failing);
    const desktop = await open();
    desktop.menuActions(() => {}).chooseDatabase();
    const other = join(dir, 'other.db');
    expect(await desktop.openDatabase(other, 'new')).toBe(true);
    expect(desktop.core.ctx.dbPath).toBe(other);
    expect(contents.done).toEqual([`load ${page.url}`]);
    expect(page.url).toBe(pathToFileURL(join(dir, 'renderer', 'index.html')).href);
  });
});
