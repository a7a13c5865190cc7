/**
 * The API contract bound to IPC: one `ipcMain.handle` channel for every method, routed by name through
 * `dispatch` (which validates the arguments against the contract's schema), after checking that the
 * call comes from the app's own window. Results and errors go back as data (`ApiResult`); events go to
 * the window on one channel.
 *
 * Electron's objects come in as parameters (main.ts passes the real ones, the tests stand-ins), so this
 * runs and is tested without Electron.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { dispatch, type ApiResult, type EventName, type Events, type Handlers } from '../../src-preload/api.ts';
import { CALL_CHANNEL, EVENT_CHANNEL } from '../../src-preload/bridge.ts';

export type IpcBinding = Pick<IpcMain, 'handle' | 'removeHandler'>;

/** Binds every contract method to `ipcMain`; returns the unbinding. */
export function bindIpc(ipcMain: IpcBinding, handlers: Handlers, isTrusted: (event: IpcMainInvokeEvent) => boolean): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, method: unknown, input: unknown): Promise<ApiResult<unknown>> | ApiResult<unknown> => {
    if (!isTrusted(event)) {
      console.warn(`weightlapse: refused an IPC call from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
      return { ok: false, error: { code: 'unavailable', message: 'refused: the call does not come from the app window' } };
    }
    return dispatch(handlers, method, input);
  });
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}

/** Sends one event to the window's page, unless the window is gone. */
export function sendEvent<E extends EventName>(target: Pick<WebContents, 'send' | 'isDestroyed'> | undefined, event: E, payload: Events[E]): void {
  if (target && !target.isDestroyed()) target.send(EVENT_CHANNEL, event, payload);
}
