/**
 * The menu's template (menu.ts) and the native-dialog calls (dialogs.ts), with Electron's dialog stood
 * in for: each command item sends its command or does its action (the recent databases among them), and
 * the dialogs' answers become the calls' results, a GIF written where the person chose.
 */
import type { BrowserWindow, MenuItemConstructorOptions } from 'electron';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MENU_COMMANDS, type MenuCommand } from '../../../src-preload/api.ts';
import { desktopHandlers } from '../../../src-main/electron/dialogs.ts';
import { menuTemplate, type MenuActions } from '../../../src-main/electron/menu.ts';
import { DialogStandIn } from './standins.ts';

const dir = mkdtempSync(join(tmpdir(), 'wl-dialogs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const items = (template: MenuItemConstructorOptions[]): MenuItemConstructorOptions[] =>
  template.flatMap((item) => [item, ...(Array.isArray(item.submenu) ? items(item.submenu) : [])]);

/** Menu actions that record what they were asked to do. */
function recording() {
  const done: string[] = [];
  const sent: MenuCommand[] = [];
  const actions: MenuActions = {
    send: (command) => void sent.push(command),
    newDatabase: () => void done.push('new database'),
    chooseDatabase: () => void done.push('open database'),
    openRecent: (path) => void done.push(`open ${path}`),
    clearRecent: () => void done.push('clear recent'),
    openLogsFolder: () => void done.push('logs'),
  };
  return { done, sent, actions };
}
const options = { isMac: false, isDev: false, recent: [] };

describe('the menu', () => {
  it('has one item per command, each sending its own command, with distinct shortcuts', () => {
    const { sent, done, actions } = recording();
    const all = items(menuTemplate(actions, options));
    const commands = all.filter((i) => i.click);
    for (const item of commands) item.click!({} as never, undefined, {} as never);
    expect([...sent].sort()).toEqual([...MENU_COMMANDS].sort());
    expect(done).toEqual(['new database', 'open database', 'clear recent', 'logs']);
    expect(commands.map((i) => i.label)).toEqual([
      'New Run…', 'Open Data Set…', 'New Database…', 'Open Database…', 'Clear Recent', 'Export GIF…', 'Compare Runs', 'About Weightlapse', 'Open Logs Folder',
    ]);
    const accelerators = all.map((i) => i.accelerator).filter(Boolean);
    expect(new Set(accelerators).size).toBe(accelerators.length);
  });

  it('lists the recent databases under Open Recent, most recent first, each opening its own; Clear Recent is off when there are none', () => {
    const { done, actions } = recording();
    const recent = ['/data/runs & tests/freeze.db', '/home/me/weightlapse.db'];
    const openRecent = items(menuTemplate(actions, { ...options, recent })).find((i) => i.label === 'Open Recent')!;
    const entries = openRecent.submenu as MenuItemConstructorOptions[];
    // A single & would mark an access key: doubled, it shows as itself.
    expect(entries.map((i) => i.label ?? i.type)).toEqual(['/data/runs && tests/freeze.db', '/home/me/weightlapse.db', 'separator', 'Clear Recent']);
    entries[0]!.click!({} as never, undefined, {} as never);
    expect(done).toEqual(['open /data/runs & tests/freeze.db']);
    expect(entries.at(-1)!.enabled).toBe(true);

    const empty = items(menuTemplate(actions, options)).find((i) => i.label === 'Open Recent')!.submenu as MenuItemConstructorOptions[];
    expect(empty.map((i) => [i.label, i.enabled])).toEqual([['Clear Recent', false]]);
  });

  it('follows the platform: the app menu and Close on macOS, Quit elsewhere; dev tools only in development', () => {
    const roles = (isMac: boolean, isDev: boolean) => items(menuTemplate(recording().actions, { isMac, isDev, recent: [] })).map((i) => i.role).filter(Boolean);
    expect(roles(true, false)).toEqual(expect.arrayContaining(['appMenu', 'close']));
    expect(roles(false, false)).toContain('quit');
    expect(roles(false, false)).not.toContain('appMenu');
    expect(roles(false, false)).not.toContain('toggleDevTools');
    expect(roles(false, true)).toContain('toggleDevTools');
  });
});

describe('the native dialogs', () => {
  const window = {} as BrowserWindow;

  it('choose a data set folder, or an archive, as the window’s sheet; cancelling gives null', async () => {
    const dialog = new DialogStandIn();
    const handlers = desktopHandlers({ dialog, window: () => window, picturesDir: dir });
    dialog.answers.open.push('/data/fashion-mnist');
    expect(await handlers['files.chooseDataset']({ archive: false })).toEqual({ path: '/data/fashion-mnist' });
    expect(await handlers['files.chooseDataset']({ archive: true })).toBeNull();
    expect(dialog.shown).toEqual([
      { kind: 'open', parent: true, options: expect.objectContaining({ properties: ['openDirectory'] }) },
      { kind: 'open', parent: true, options: expect.objectContaining({ properties: ['openFile'], filters: [{ name: 'CIFAR-10 archive', extensions: ['gz', 'tgz'] }] }) },
    ]);
  });

  it('save a GIF where the person chose, offering a plain file name in Pictures', async () => {
    const dialog = new DialogStandIn();
    const handlers = desktopHandlers({ dialog, window: () => undefined, picturesDir: dir });
    const bytes = new Uint8Array([0x47, 0x49, 0x46, 0x38, 0x39, 0x61]);
    const chosen = join(dir, 'chosen.gif');
    dialog.answers.save.push(chosen);
    expect(await handlers['files.saveGif']({ suggestedName: '../../etc/run 1:conv1', bytes })).toEqual({ path: chosen });
    expect(readFileSync(chosen)).toEqual(Buffer.from(bytes));
    expect(dialog.shown[0]).toMatchObject({ kind: 'save', parent: false, options: { defaultPath: join(dir, '..-..-etc-run 1-conv1.gif') } });

    expect(await handlers['files.saveGif']({ suggestedName: 'run.GIF', bytes })).toBeNull();
    expect(dialog.shown[1]).toMatchObject({ options: { defaultPath: join(dir, 'run.GIF') } });
    expect(existsSync(join(dir, 'run.GIF'))).toBe(false);
  });
});
