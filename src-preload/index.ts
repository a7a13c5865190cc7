/**
 * The one door between the page and the main process. It exposes exactly `window.weightlapse`
 * (`DesktopBridge`): a call of a named contract method, a subscription to a named event, and the path
 * of a dropped file. Never `ipcRenderer` itself, never a generic send: names outside the contract are
 * refused here and again in the main process, which also validates every argument.
 *
 * Sandboxed: bundled into one CommonJS file that requires nothing but `electron`.
 */
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import type { EventName, Events, MethodName } from './api.ts';
import { CALL_CHANNEL, EVENT_CHANNEL, type DesktopBridge } from './bridge.ts';

/**
 * The contract's method and event names, written into the bundle from api.ts when it is built
 * (electron.vite.config.ts): importing the contract itself would bring its zod schemas along, 175 kB
 * instead of 2.5 kB, evaluated before every page load, to read a list of names.
 */
declare const CONTRACT_METHODS: MethodName[];
declare const CONTRACT_EVENTS: EventName[];
const methods: ReadonlySet<string> = new Set(CONTRACT_METHODS);
const events: ReadonlySet<string> = new Set(CONTRACT_EVENTS);

type Listener = (payload: unknown) => void;
const listeners = new Map<string, Set<Listener>>();

// One IPC listener for all events; page callbacks get the payload only, never the IPC event (which
// would hand the page `event.sender`).
ipcRenderer.on(EVENT_CHANNEL, (_event: IpcRendererEvent, name: unknown, payload: unknown) => {
  if (typeof name !== 'string') return;
  for (const listener of listeners.get(name) ?? []) listener(payload);
});

const bridge: DesktopBridge = {
  call(method: MethodName, input: unknown) {
    if (typeof method !== 'string' || !methods.has(method)) {
      return Promise.resolve({ ok: false, error: { code: 'not-found', message: `unknown method ${JSON.stringify(method)}` } });
    }
    return ipcRenderer.invoke(CALL_CHANNEL, method, input);
  },
  on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
    if (typeof event !== 'string' || !events.has(event)) throw new Error(`unknown event ${JSON.stringify(event)}`);
    if (typeof listener !== 'function') throw new Error('the listener must be a function');
    const set = listeners.get(event) ?? new Set<Listener>();
    listeners.set(event, set);
    const wrapped: Listener = (payload) => listener(payload as Events[E]);
    set.add(wrapped);
    return () => void set.delete(wrapped);
  },
  pathForFile(file: File) {
    return webUtils.getPathForFile(file);
  },
};

contextBridge.exposeInMainWorld('weightlapse', bridge);
