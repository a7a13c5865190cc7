/**
 * The API client in a browser, over the local server: `POST /api/<method>` with JSON, results in the
 * binary wire format, events as server-sent events. The token travels in the HttpOnly cookie the
 * server set when the page was first opened, so this code never sees it.
 */
import { ApiError, type ApiClient, type ApiErrorData, type EventName, type Events } from '@contract/api.ts';
import { decodeWire } from '@contract/wire.ts';

const WIRE_TYPE = 'application/x-weightlapse';

async function errorOf(method: string, res: Response): Promise<ApiError> {
  let error: ApiErrorData | undefined;
  try {
    error = ((await res.json()) as { error?: ApiErrorData }).error;
  } catch {
    // Not our JSON (a proxy's page, a dropped connection): fall through to the status.
  }
  if (error?.message) return new ApiError(error.code ?? 'failed', error.message, error.field);
  return new ApiError('failed', `${method}: the server answered ${res.status} ${res.statusText}`);
}

export function httpClient(base = ''): ApiClient {
  let source: EventSource | null = null;
  let subscribers = 0;

  return {
    async call(method, input) {
      const res = await fetch(`${base}/api/${method}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(input ?? {}),
        credentials: 'same-origin',
      });
      if (!res.ok || !(res.headers.get('Content-Type') ?? '').startsWith(WIRE_TYPE)) throw await errorOf(method, res);
      // Through a Blob, not res.arrayBuffer(): Chromium then hands the body to its blob store in one
      // piece and gives the page one buffer of the known size, instead of streaming it into the page in
      // chunks and joining them. A 3 MB weight series arrives in about half the time (tests/bench/viewer.ts).
      const bytes = await (await res.blob()).arrayBuffer();
      return decodeWire(new Uint8Array(bytes)) as never;
    },

    on<E extends EventName>(event: E, listener: (payload: Events[E]) => void) {
      // One stream for every subscription; it reconnects by itself after a dropped connection.
      source ??= new EventSource(`${base}/api/events`, { withCredentials: true });
      const stream = source;
      subscribers++;
      const handler = (e: MessageEvent<string>) => listener(JSON.parse(e.data) as Events[E]);
      stream.addEventListener(event, handler);
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        stream.removeEventListener(event, handler);
        if (--subscribers === 0) {
          stream.close();
          source = null;
        }
      };
    },
  };
}
