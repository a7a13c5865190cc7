/**
 * The page's API client over the real core running in a child process (`core-host.ts`), as the
 * desktop app's page reaches its main process: calls and events are messages; failures come back as
 * data and are thrown as `ApiError`s, as the page's clients do.
 */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ApiError, type ApiClient, type ApiResult, type EventName, type Events } from '../../../src-preload/api.ts';

export interface CoreProcess {
  client: ApiClient;
  /** Has the core emit an event (what the desktop menu or a trainer would send). */
  emit<E extends EventName>(event: E, payload: Events[E]): Promise<void>;
  close(): void;
}

type Reply = { ready: true } | { id: number; result?: ApiResult<unknown> } | { event: EventName; payload: unknown };

/** `env` is added to this process's environment for the core (and the trainers it starts). */
export async function startCoreProcess(dbPath: string, env: NodeJS.ProcessEnv = {}): Promise<CoreProcess> {
  const host = join(dirname(fileURLToPath(import.meta.url)), 'core-host.ts');
  // 'advanced' serialization keeps typed arrays (weights, images) as they are.
  const child = fork(host, [dbPath], { execArgv: ['--import', 'tsx'], serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  const pending = new Map<number, (reply: { result?: ApiResult<unknown> }) => void>();
  const listeners = new Set<(event: EventName, payload: unknown) => void>();
  let next = 0;
  const ready = new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`core-host.ts exited with ${code} before it was ready`)));
    child.on('message', (m: Reply) => {
      if ('ready' in m) resolve();
      else if ('event' in m) listeners.forEach((l) => l(m.event, m.payload));
      else pending.get(m.id)?.(m);
    });
  });
  const request = (m: object) =>
    new Promise<{ result?: ApiResult<unknown> }>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      child.send({ id, ...m });
    });
  await ready;
  return {
    client: {
      async call(method, input) {
        const { result } = await request({ call: method, input });
        if (!result!.ok) throw new ApiError(result!.error.code, result!.error.message, result!.error.field);
        return result!.value as never;
      },
      on(event, listener) {
        const l = (name: EventName, payload: unknown) => name === event && listener(payload as never);
        listeners.add(l);
        return () => void listeners.delete(l);
      },
    },
    emit: async (event, payload) => void (await request({ emit: event, payload })),
    close: () => child.disconnect(),
  };
}
