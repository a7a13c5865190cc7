/**
 * The application menu: the usual roles plus the app's own commands, which the page carries out
 * (it receives them as `menu.command` events). A template, not a Menu: main.ts builds it with
 * Electron, and the tests click its items without Electron.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { MenuCommand } from '../../src-preload/api.ts';

export function menuTemplate(send: (command: MenuCommand) => void, options: { isMac: boolean; isDev: boolean }): MenuItemConstructorOptions[] {
  const item = (label: string, command: MenuCommand, accelerator?: string): MenuItemConstructorOptions => ({
    label,
    accelerator,
    click: () => send(command),
  });
  return [
    ...(options.isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        item('New Run…', 'new-run', 'CmdOrCtrl+N'),
        item('Open Data Set…', 'open-dataset', 'CmdOrCtrl+O'),
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
    { label: '&Help', role: 'help', submenu: [item('About Weightlapse', 'about')] },
  ];
}
