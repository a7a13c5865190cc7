/**
 * The desktop app's main side around the core, without Electron itself: the core opened for the
 * desktop, its handlers with the native dialogs, the contract bound to IPC behind the sender check,
 * the core's events and the menu's commands sent to the window. main.ts calls this with Electron's
 * objects; the end-to-end tests' desktop host calls it with stand-ins, so that the same code runs.
 */
import type { BrowserWindow } from 'electron';
import type { MenuCommand } from '../../src-preload/api.ts';
import { createHandlers } from '../core/api/handlers.ts';
import { openCore, type Core } from '../core/startup.ts';
import { listRuns } from '../core/store/runs.ts';
import type { TrainerSpawner } from '../trainer/protocol.ts';
import { desktopHandlers, type FileDialogs } from './dialogs.ts';
import { bindIpc, sendEvent, type IpcBinding } from './ipc.ts';
import { isTrustedSender, type AppPage } from './security.ts';

export interface DesktopOptions {
  dbPath: string;
  /** Where the page comes from; IPC calls from anything else are refused. */
  page: AppPage;
  ipcMain: IpcBinding;
  dialog: FileDialogs;
  /** The app window, once it exists: the one IPC peer, the events' target, the dialogs' parent. */
  window: () => BrowserWindow | undefined;
  picturesDir: string;
  /** How trainer processes start (Electron's utilityProcess in the app). */
  spawnTrainer: TrainerSpawner;
}

export interface Desktop {
  core: Core;
  /** A menu item's command, for the page to carry out. */
  menuCommand(command: MenuCommand): void;
  /** The runs this app's trainers are training now. */
  training(): number[];
  /** Unbinds IPC, stops the trainers and closes the database. */
  close(): Promise<void>;
}

export async function openDesktop(options: DesktopOptions): Promise<Desktop> {
  const core = await openCore(options.dbPath, { shell: 'desktop', spawnTrainer: options.spawnTrainer });
  const contents = () => options.window()?.webContents;
  const handlers = createHandlers(core.ctx, desktopHandlers(options));
  const unbind = bindIpc(options.ipcMain, handlers, (event) => isTrustedSender(event, contents(), options.page));
  const unsubscribe = core.subscribe((event, payload) => sendEvent(contents(), event, payload));
  return {
    core,
    menuCommand: (command) => sendEvent(contents(), 'menu.command', { command }),
    training() {
      const { trainers } = core.ctx;
      try {
        return listRuns(core.ctx.db)
          .filter((r) => r.status === 'running' && trainers.owns(r.id))
          .map((r) => r.id);
      } catch (err) {
        console.warn(`weightlapse: could not check for running runs: ${(err as Error).message}`);
        return [];
      }
    },
    async close() {
      unbind();
      unsubscribe();
      await core.close();
    },
  };
}
