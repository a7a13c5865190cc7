/**
 * What the desktop preload exposes to the page as `window.weightlapse`, and the channels the preloads use.
 * Which method and event names it lets through is the contract's to say (its `contract` and `events`
 * tables, whose names are built into the preload), so adding a method or an event never touches the bridge.
 */
import type { ApiResult, EventName, Events, MethodName } from './api.ts';

export interface DesktopBridge {
  /** One call of the contract; failures come back as data (`ok: false`), never as a thrown IPC error. */
  call(method: MethodName, input: unknown): Promise<ApiResult<unknown>>;
  /** Subscribes to one event; the listener gets the payload only. Returns the unsubscribe function. */
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void): () => void;
  /** The file-system path of a file or folder dropped on the page (Electron's webUtils.getPathForFile). */
  pathForFile(file: File): string;
}

/** The IPC channels: one for calls (invoke), one for events (main → page). */
export const CALL_CHANNEL = 'weightlapse:call';
export const EVENT_CHANNEL = 'weightlapse:event';
