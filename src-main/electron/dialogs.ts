/**
 * The desktop-only calls: native dialogs to choose a data set and to save a GIF. Electron's `dialog`
 * comes in as a parameter (main.ts passes the real one, the tests a stand-in), so these flows run
 * without Electron.
 */
import type { BrowserWindow, Dialog, OpenDialogOptions, SaveDialogOptions } from 'electron';
import { writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { DesktopHandlers } from '../core/api/handlers.ts';

export type FileDialogs = Pick<Dialog, 'showOpenDialog' | 'showSaveDialog'>;

/** A file name from the page, never a path: separators and control characters are dropped. */
function safeGifName(suggested: string): string {
  // eslint-disable-next-line no-control-regex
  const name = basename(suggested.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '-')).trim() || 'weightlapse';
  return name.toLowerCase().endsWith('.gif') ? name : `${name}.gif`;
}

export interface DialogOptions {
  dialog: FileDialogs;
  /** The app window, as the dialogs' parent (a sheet on macOS); without one they stand alone. */
  window: () => BrowserWindow | undefined;
  /** Where a GIF is offered to be saved first (the user's Pictures folder). */
  picturesDir: string;
}

export function desktopHandlers({ dialog, window, picturesDir }: DialogOptions): DesktopHandlers {
  return {
    async 'files.chooseDataset'({ archive }) {
      const win = window();
      const options: OpenDialogOptions = archive
        ? { title: 'Open a data set archive', properties: ['openFile'], filters: [{ name: 'CIFAR-10 archive', extensions: ['gz', 'tgz'] }] }
        : { title: 'Open a data set folder', properties: ['openDirectory'] };
      const result = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      const path = result.filePaths[0];
      return result.canceled || !path ? null : { path };
    },
    async 'files.saveGif'({ suggestedName, bytes }) {
      const win = window();
      const options: SaveDialogOptions = {
        title: 'Export GIF',
        defaultPath: join(picturesDir, safeGifName(suggestedName)),
        filters: [{ name: 'Animated GIF', extensions: ['gif'] }],
      };
      const result = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      if (result.canceled || !result.filePath) return null;
      await writeFile(result.filePath, bytes);
      return { path: result.filePath };
    },
  };
}
