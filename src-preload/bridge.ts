/**
 * What the desktop preload exposes to the page as `window.weightlapse`, and the names it lets through.
 * Kept free of zod (only type imports from the contract) so the sandboxed preload bundle stays small;
 * the `satisfies Record<…, true>` tables make the compiler check that the lists match the contract.
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

const methods = {
  'app.info': true,
  'app.backend': true,
  'datasets.list': true,
  'datasets.inspect': true,
  'datasets.add': true,
  'datasets.samples': true,
  'datasets.remove': true,
  'runs.list': true,
  'runs.get': true,
  'runs.start': true,
  'runs.freezeExperiment': true,
  'runs.stop': true,
  'runs.resume': true,
  'runs.rename': true,
  'runs.remove': true,
  'weights.get': true,
  'weights.series': true,
  'metrics.get': true,
  'files.saveGif': true,
  'files.chooseDataset': true,
} as const satisfies Record<MethodName, true>;

const events = {
  'run.progress': true,
  'run.changed': true,
  'datasets.changed': true,
  'menu.command': true,
} as const satisfies Record<EventName, true>;

export const BRIDGE_METHODS: ReadonlySet<string> = new Set(Object.keys(methods));
export const BRIDGE_EVENTS: ReadonlySet<string> = new Set(Object.keys(events));
