/** Server-sent events: the core's events, fanned out to every open `GET /api/events`. */
import type { ServerResponse } from 'node:http';
import type { EventName, Events } from '../../src-preload/api.ts';

/** Proxies drop idle connections; a comment line every so often keeps the stream open. */
const KEEPALIVE_MS = 20_000;

export class EventStreams {
  private readonly clients = new Set<ServerResponse>();
  private readonly timer = setInterval(() => this.write(': keepalive\n\n'), KEEPALIVE_MS).unref();

  get size(): number {
    return this.clients.size;
  }

  /** Takes over a response as an event stream until the client goes away. */
  open(res: ServerResponse): void {
    res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
    });
    // Sends the headers now, so the browser's EventSource reports `open` at once.
    res.write(': connected\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  send<E extends EventName>(event: E, payload: Events[E]): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  close(): void {
    clearInterval(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
