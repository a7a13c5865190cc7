/**
 * Connections that break HTTP before their request is read (src-main/server/client-errors.ts), on a real
 * Node server with the timeouts of the app's server made short: one that never sends a byte is closed
 * without an answer (Node's own handling writes it a 408, which a browser later reads as the answer to the
 * request it sends on that connection); one that sends part of a request, a malformed one, or too large
 * headers gets Node's own status; a whole request is answered as ever. And the app's server answers a
 * malformed request with a 400 through the same handler.
 */
import { createServer, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onClientError } from '../../../src-main/server/client-errors.ts';
import { startServer } from '../../../src-main/server/index.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createServer({ headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 }, (_req, res) => res.end('ok'));
  server.on('clientError', onClientError);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  port = (server.address() as { port: number }).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((done) => server.close(done));
  removeTempDirs();
});

/** Opens a connection to `to`, writes `sent` (nothing when empty), and resolves with all it got once the server closed it. */
function exchange(to: number, sent: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(to, '127.0.0.1');
    const got: Buffer[] = [];
    socket.on('connect', () => {
      if (sent) socket.write(sent);
    });
    socket.on('data', (chunk) => got.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(got).toString('latin1')));
  });
}

const statusLine = (reply: string) => reply.split('\r\n')[0];

describe('a connection that breaks HTTP', () => {
  it('is closed without a word when it never sent a byte', async () => {
    expect(await exchange(port, '')).toBe('');
  });

  it("gets Node's 408 when it sent part of a request and stopped", async () => {
    expect(statusLine(await exchange(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n'))).toBe('HTTP/1.1 408 Request Timeout');
  });

  it("gets Node's 400 for a malformed request and 431 for too large headers", async () => {
    expect(statusLine(await exchange(port, 'NOT HTTP AT ALL\r\n\r\n'))).toBe('HTTP/1.1 400 Bad Request');
    expect(statusLine(await exchange(port, `GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`))).toBe(
      'HTTP/1.1 431 Request Header Fields Too Large',
    );
  });

  it('does not touch a whole request', async () => {
    const reply = await exchange(port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(statusLine(reply)).toBe('HTTP/1.1 200 OK');
    expect(reply.endsWith('ok')).toBe(true);
  });

  it("is answered so by the app's server too", async () => {
    const app = await startServer({ dbPath: join(tempDir('wl-client-errors-'), 'test.db'), warn: () => {} });
    try {
      expect(statusLine(await exchange(app.port, 'NOT HTTP AT ALL\r\n\r\n'))).toBe('HTTP/1.1 400 Bad Request');
    } finally {
      await app.close();
    }
  });
});
