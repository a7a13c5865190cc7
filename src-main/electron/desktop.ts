/**
 * The desktop app's main side around the core, without Electron itself: the core opened for the
 * desktop, its handlers with the native dialogs, the contract bound to IPC behind the sender check,
 * the core's events and the menu's commands sent to the window, training's progress on the window's taskbar
 * entry (taskbar.ts), and the database it works on, which the person can change (File → New Database…, Open
 * Database…, Open Recent, a path given on the command line or by a second start). main.ts calls this with Electron's objects; the end-to-end tests' desktop host
 * calls it with stand-ins, so that the same code runs.
 *
 * Opening another database opens it first, beside the current one: one that cannot be opened (newer,
 * damaged, another program's, read-only where it must be written, missing) is refused with the message
 * the CLI gives for it, said in the window, and the current one stays open. While this app's trainers
 * train, the person is asked first, as when quitting (quit.ts): training can only go on with the database
 * it writes to, and a switch that silently stopped it, or a run going on in a database no longer shown,
 * would surprise more than the question. "Stop Training and Open" stops the runs as Stop does (their
 * epochs kept, to be resumed); "Keep Training" keeps the current database. Once switched, the window
 * loads the page afresh, so that everything it shows is the new database's.
 */
import type { BrowserWindow, Dialog, OpenDialogOptions, SaveDialogOptions } from 'electron';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import type { MenuCommand } from '../../src-preload/api.ts';
import { createHandlers } from '../core/api/handlers.ts';
import { openCore, type Core } from '../core/startup.ts';
import { DatabaseError } from '../core/store/errors.ts';
import { listRuns } from '../core/store/runs.ts';
import type { TrainerSpawner } from '../trainer/protocol.ts';
import { desktopHandlers } from './dialogs.ts';
import { bindIpc, sendEvent, type IpcBinding } from './ipc.ts';
import type { MenuActions } from './menu.ts';
import { STOP_AND_QUIT, stopTrainingQuestion } from './quit.ts';
import type { RecentDatabases } from './recent.ts';
import { isTrustedSender, type AppPage } from './security.ts';
import { taskbarProgress } from './taskbar.ts';
import { windowWatch, type WatchedContents } from './window-watch.ts';

export interface DesktopOptions {
  dbPath: string;
  /** Opened instead when `dbPath` cannot be (the window says why): the default database, when the command line named another. */
  fallbackDbPath?: string;
  /** Where the page comes from; IPC calls from anything else are refused. */
  page: AppPage;
  ipcMain: IpcBinding;
  dialog: Pick<Dialog, 'showOpenDialog' | 'showSaveDialog' | 'showMessageBox'>;
  /** The app window, once it exists: the one IPC peer, the events' target, the dialogs' parent. */
  window: () => BrowserWindow | undefined;
  picturesDir: string;
  /** How trainer processes start (Electron's utilityProcess in the app). */
  spawnTrainer: TrainerSpawner;
  /** The databases opened lately (File → Open Recent), which each database opened joins. */
  recent: RecentDatabases;
  /** Called when the database or the recent list changed (main.ts builds the menu again). */
  onChange?: () => void;
}

export interface Desktop {
  /** The core on the database open now. */
  readonly core: Core;
  /** A menu item's command, for the page to carry out. */
  menuCommand(command: MenuCommand): void;
  /** The runs this app's trainers are training now. */
  training(): number[];
  /**
   * Opens the database at `path` instead of the current one: true once it is open. `how`: 'open' an existing
   * one (Open Recent), make a 'new' one, or 'either' (a path on the command line, as the CLI's --db).
   */
  openDatabase(path: string, how?: OpenHow): Promise<boolean>;
  /**
   * What the menu's items do: File → New Database… (a save dialog), Open Database… (an open dialog), Open
   * Recent and Clear Recent among them; `openLogsFolder` is the shell's (Electron's shell.openPath).
   */
  menuActions(openLogsFolder: () => void): MenuActions;
  /** Watches the window's page: a crash or a hang is recovered from, and notices wait for it to load. */
  watchWindow(contents: WatchedContents): void;
  /** Unbinds IPC, stops the trainers and closes the database. */
  close(): Promise<void>;
}

export type OpenHow = 'open' | 'new' | 'either';

const DATABASE_FILTERS = [{ name: 'Weightlapse database', extensions: ['db', 'sqlite', 'sqlite3'] }];

/** The same file, whichever way it was named. */
const canonical = (path: string) => (existsSync(path) ? realpathSync(path) : resolve(path));

export async function openDesktop(options: DesktopOptions): Promise<Desktop> {
  const { dialog, page, recent } = options;
  const contents = () => options.window()?.webContents;
  const watch = windowWatch({ dialog, window: options.window });
  const open = (dbPath: string) => openCore(dbPath, { shell: 'desktop', spawnTrainer: options.spawnTrainer });

  const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
  let core: Core;
  try {
    core = await open(options.dbPath);
  } catch (err) {
    if (options.fallbackDbPath === undefined) throw err;
    console.warn(`weightlapse: could not open ${options.dbPath}: ${message(err)}`);
    watch.say({ level: 'error', message: message(err) });
    core = await open(options.fallbackDbPath);
  }
  let detach = attach(core);
  recent.add(core.ctx.dbPath);

  /** Serves the page from this core: its handlers on IPC, its events to the window and its taskbar entry. */
  function attach(opened: Core): () => void {
    const handlers = createHandlers(opened.ctx, desktopHandlers(options));
    const unbind = bindIpc(options.ipcMain, handlers, (event) => isTrustedSender(event, contents(), page));
    const taskbar = taskbarProgress(options.window, (runId) => opened.ctx.trainers.owns(runId));
    const unsubscribe = opened.subscribe((event, payload) => {
      sendEvent(contents(), event, payload);
      taskbar.follow(event, payload);
    });
    return () => {
      unbind();
      unsubscribe();
      taskbar.clear();
    };
  }

  function training(): number[] {
    const { trainers, db } = core.ctx;
    try {
      return listRuns(db)
        .filter((r) => r.status === 'running' && trainers.owns(r.id))
        .map((r) => r.id);
    } catch (err) {
      console.warn(`weightlapse: could not check for running runs: ${(err as Error).message}`);
      return [];
    }
  }

  /** True when nothing trains, or the person agreed to stop it. */
  async function mayStopTraining(): Promise<boolean> {
    const running = training();
    if (running.length === 0) return true;
    const question = stopTrainingQuestion(
      running.length,
      'Open',
      `Opening another database stops training. The epochs finished so far are kept in ${core.ctx.dbPath}, and the run can be resumed when it is open again.`,
    );
    const win = options.window();
    const { response } = win ? await dialog.showMessageBox(win, question) : await dialog.showMessageBox(question);
    return response === STOP_AND_QUIT;
  }

  // One switch at a time: a second (a double click in Open Recent) waits for the first.
  let switching = Promise.resolve(true);
  async function switchTo(path: string, how: OpenHow): Promise<boolean> {
    const target = resolve(path);
    if (canonical(target) === canonical(core.ctx.dbPath)) return true;
    let next: Core;
    try {
      if (how === 'new' && existsSync(target)) throw new DatabaseError(`${target} already exists: File → Open Database… opens it`);
      if (how === 'open' && !existsSync(target)) {
        // Gone since it was opened: Open Recent no longer offers it.
        recent.remove(target);
        options.onChange?.();
        throw new DatabaseError(`${target} does not exist`);
      }
      next = await open(target);
    } catch (err) {
      console.warn(`weightlapse: could not open ${target}: ${message(err)}`);
      watch.say({ level: 'error', message: message(err) });
      return false;
    }
    if (!(await mayStopTraining())) {
      await next.close();
      return false;
    }
    const previous = core;
    detach();
    core = next;
    detach = attach(next);
    recent.add(next.ctx.dbPath);
    options.onChange?.();
    console.info(`weightlapse: opened ${next.ctx.dbPath}`);
    // Its trainers stop as Stop stops them: the finished epochs stay stored.
    await previous.close().catch((err: unknown) => console.error(`weightlapse: closing ${previous.ctx.dbPath}: ${(err as Error).message}`));
    watch.load(page.url);
    return true;
  }

  const openDatabase = (path: string, how: OpenHow = 'open') => {
    const switched = switching.then(() => switchTo(path, how));
    // A switch that failed (a dialog that threw) must not stop the ones after it.
    switching = switched.catch(() => false);
    return switched;
  };
  const newDatabase = async () => {
    const question: SaveDialogOptions = {
      title: 'New Database',
      buttonLabel: 'Create',
      defaultPath: join(dirname(core.ctx.dbPath), 'weightlapse.db'),
      filters: DATABASE_FILTERS,
    };
    const win = options.window();
    const { canceled, filePath } = win ? await dialog.showSaveDialog(win, question) : await dialog.showSaveDialog(question);
    if (canceled || !filePath) return;
    await openDatabase(extname(filePath) ? filePath : `${filePath}.db`, 'new');
  };
  const chooseDatabase = async () => {
    const question: OpenDialogOptions = {
      title: 'Open Database',
      defaultPath: dirname(core.ctx.dbPath),
      properties: ['openFile'],
      filters: [...DATABASE_FILTERS, { name: 'All files', extensions: ['*'] }],
    };
    const win = options.window();
    const { canceled, filePaths } = win ? await dialog.showOpenDialog(win, question) : await dialog.showOpenDialog(question);
    if (canceled || !filePaths[0]) return;
    await openDatabase(filePaths[0]);
  };
  const clearRecent = () => {
    recent.clear();
    options.onChange?.();
  };
  const menuCommand = (command: MenuCommand) => sendEvent(contents(), 'menu.command', { command });
  const failed = (what: string) => (err: unknown) => console.error(`weightlapse: ${what}: ${message(err)}`);

  return {
    get core() {
      return core;
    },
    menuCommand,
    training,
    openDatabase,
    menuActions: (openLogsFolder) => ({
      send: menuCommand,
      newDatabase: () => void newDatabase().catch(failed('New Database')),
      chooseDatabase: () => void chooseDatabase().catch(failed('Open Database')),
      openRecent: (path) => void openDatabase(path).catch(failed(`opening ${path}`)),
      clearRecent,
      openLogsFolder,
    }),
    watchWindow: (target) => watch.watch(target),
    async close() {
      await switching;
      detach();
      await core.close();
    },
  };
}
