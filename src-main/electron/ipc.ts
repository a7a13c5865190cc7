/**
 * The API contract bound to IPC: one `ipcMain.handle` channel for every method, routed by name through
 * `dispatch` (which validates the arguments against the contract's schema), after checking that the
 * call comes from the app's own window. Results and errors go back as data (`ApiResult`).
 */
import { ipcMain, type IpcMainInvokeEvent } from 'electron';
import { dispatch, type ApiResult, type Handlers } from '../../src-preload/api.ts';
import { CALL_CHANNEL } from '../../src-preload/bridge.ts';

export function bindIpc(handlers: Handlers, isTrusted: (event: IpcMainInvokeEvent) => boolean): () => void {
  ipcMain.handle(CALL_CHANNEL, (event, method: unknown, input: unknown): Promise<ApiResult<unknown>> | ApiResult<unknown> => {
    if (!isTrusted(event)) {
      console.warn(`weightlapse: refused an IPC call from ${event.senderFrame?.url ?? 'a destroyed frame'}`);
      return { ok: false, error: { code: 'unavailable', message: 'refused: the call does not come from the app window' } };
    }
    return dispatch(handlers, method, input);
  });
  return () => ipcMain.removeHandler(CALL_CHANNEL);
}
