/** The Electron main process: window, menus, dialogs, and the API contract bound to IPC. */
import { app } from 'electron';

app.whenReady().then(() => {
  // Filled in by the desktop-shell work.
  app.quit();
});
