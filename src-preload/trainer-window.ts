/**
 * The hidden trainer window's preload: it hands the page the MessagePort the main side sent
 * (src-main/electron/window-trainer.ts) and nothing else: no contract, no ipcRenderer. Sandboxed, like
 * the app window's preload, bundled into one CommonJS file.
 */
import { ipcRenderer } from 'electron';
import { TRAINER_PORT_MESSAGE } from './trainer-port.ts';

/** The page's window (the node project's types have no DOM). */
const page = globalThis as unknown as { postMessage(message: string, targetOrigin: string, transfer: readonly unknown[]): void };

// Posted to this window only: a file:// page's origin is opaque ("null"), so '*' is the only target that
// reaches it, and the page takes the port from a message whose source is itself.
ipcRenderer.once(TRAINER_PORT_MESSAGE, (event) => page.postMessage(TRAINER_PORT_MESSAGE, '*', event.ports));
