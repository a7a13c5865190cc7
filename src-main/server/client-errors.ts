/**
 * What a connection gets when it breaks HTTP before its request was read (the server's 'clientError'):
 * the answer Node gives itself — except a connection that never sent a byte, which is closed without one.
 *
 * Node counts a new connection's headers time (60 s) from the moment it opens and then writes a 408 into
 * it: its guard against connections that open and wait. Browsers open connections ahead of need (a
 * preconnect) and may leave one unused for a while; on a busy machine one waited past 60 s, and the next
 * request Chromium sent on it — the page's event stream — read that stale 408 as its answer, so the
 * EventSource gave up for good and the page missed every later event. Closed without a word, it is a
 * connection the browser sees closed and replaces. One that sent part of a request (a slow-headers
 * attack) still gets its 408.
 */
import type { Socket } from 'node:net';

/** Node's own answers to what its parser refuses; anything else is a 400. */
const STATUS: Record<string, string> = {
  ERR_HTTP_REQUEST_TIMEOUT: '408 Request Timeout',
  HPE_HEADER_OVERFLOW: '431 Request Header Fields Too Large',
  HPE_CHUNK_EXTENSIONS_OVERFLOW: '413 Payload Too Large',
};

/** Node's internal field: the response in progress on this connection, if any. */
type HttpSocket = Socket & { _httpMessage?: { headersSent: boolean } | null };

export function onClientError(err: NodeJS.ErrnoException, socket: Socket): void {
  const sentNothing = socket.bytesRead === 0;
  // As Node does: no status line into the middle of a response already under way.
  const responding = (socket as HttpSocket)._httpMessage?.headersSent === true;
  if (!sentNothing && !responding && socket.writable) {
    socket.write(`HTTP/1.1 ${STATUS[err.code ?? ''] ?? '400 Bad Request'}\r\nConnection: close\r\n\r\n`);
  }
  socket.destroy();
}
