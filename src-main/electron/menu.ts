/**
 * The application menu: the usual roles plus the app's own commands, which the page carries out
 * (it receives them as `menu.command` events), and the main side's own (the database, the log folder).
 * A template, not a Menu: main.ts builds it with Electron (again when the recent databases change), and
 * the tests click its items without Electron.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-preload/api.ts';

/** What the menu's items do. */
export interface MenuActions {
  /** A command for the page. */
  send(command: MenuCommand): void;
  newDatabase(): void;
  chooseDatabase(): void;
  openRecent(path: string): void;
  clearRecent(): void;
  openLogsFolder(): void;
}

export interface MenuOptions {
  isMac: boolean;
  isDev: boolean;
  /** The databases opened lately, most recent first. */
  recent: readonly string[];
}

/** A label shows `&` itself only doubled (a single one marks the access key on Windows and Linux). */
const literal = (text: string) => text.replaceAll('&', '&&');

export function menuTemplate(actions: MenuActions, options: MenuOptions): MenuItemConstructorOptions[] {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => actions.send(command),
  });
  const recent: MenuItemConstructorOptions[] = [
    ...options.recent.map((path) => ({ label: literal(path), click: () => actions.openRecent(path) })),
    ...(options.recent.length > 0 ? [{ type: 'separator' as const }] : []),
    { label: 'Clear Recent', enabled: options.recent.length > 0, click: () => actions.clearRecent() },
  ];
  return [
    ...(options.isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        item('New Run…', 'new-run', 'CmdOrCtrl+N'),
        item('Open Data Set…', 'open-dataset', 'CmdOrCtrl+O'),
        { type: 'separator' },
        { label: 'New Database…', accelerator: 'CmdOrCtrl+Shift+N', click: () => actions.newDatabase() },
        { label: 'Open Database…', accelerator: 'CmdOrCtrl+Shift+O', click: () => actions.chooseDatabase() },
        { label: 'Open Recent', submenu: recent },
        { type: 'separator' },
        item('Export GIF…', 'export-gif', 'CmdOrCtrl+E'),
        { type: 'separator' },
        options.isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        item('Compare Runs', 'compare', 'CmdOrCtrl+K'),
        { type: 'separator' },
        { role: 'reload' },
        ...(options.isDev ? [{ role: 'toggleDevTools' as const }] : []),
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    { role: 'windowMenu' },
    {
      label: '&Help',
      role: 'help',
      submenu: [item('About Weightlapse', 'about'), { type: 'separator' }, { label: 'Open Logs Folder', click: () => actions.openLogsFolder() }],
    },
  ];
}
