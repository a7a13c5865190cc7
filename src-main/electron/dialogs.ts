/** The desktop-only calls: native dialogs to choose a data set and to save a GIF. */
import { app, dialog, type BrowserWindow } from 'electron';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DesktopHandlers } from '../core/api/handlers.ts';

/** A file name from the page, never a path: separators and control characters are dropped. */
function safeGifName(suggested: string): string {
  // eslint-disable-next-line no-control-regex
  const name = basename(suggested.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-')).trim() || 'weightlapse';
  return name.toLowerCase().endsWith('.gif') ? name : `${name}.gif`;
}

export function desktopHandlers(window: () => BrowserWindow | undefined): DesktopHandlers {
  return {
    async 'files.chooseDataset'({ archive }) {
      const win = window();
      const options: Electron.OpenDialogOptions = archive
        ? { title: 'Open a data set archive', properties: ['openFile'], filters: [{ name: 'CIFAR-10 archive', extensions: ['gz', 'tgz'] }] }
        : { title: 'Open a data set folder', properties: ['openDirectory'] };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      const path = result.filePaths[0];
      return result.canceled || !path ? null : { path };
    },
    async 'files.saveGif'({ suggestedName, bytes }) {
      const win = window();
      const options: Electron.SaveDialogOptions = {
        title: 'Export GIF',
        defaultPath: join(app.getPath('pictures'), safeGifName(suggestedName)),
        filters: [{ name: 'Animated GIF', extensions: ['gif'] }],
      };
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      if (result.canceled || !result.filePath) return null;
      await writeFile(result.filePath, bytes);
      return { path: result.filePath };
    },
  };
}
