/**
 * The local server: the built renderer and the API contract over HTTP, for a browser on this machine
 * (or, when asked explicitly, on the network). Plain `node:http`: the routes are three (static files,
 * `POST /api/<method>`, `GET /api/events`) and every guard is a few lines we want to see, so a
 * framework would add more surface than it removes.
 *
 *   POST /api/<method>  JSON input → 200 with the result in the binary wire format (src-preload/wire.ts),
 *                       or 4xx/5xx with `{ ok: false, error }` as JSON.
 *   GET  /api/events    server-sent events: run.progress, run.changed, datasets.changed.
 *   GET  /…             the renderer from out/renderer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { hostname } from 'node:os';
import { dispatch, type ApiErrorData, type ErrorCode, type Handlers } from '../../src-preload/api.ts';
import { encodeWireParts } from '../../src-preload/wire.ts';
import { createHandlers } from '../core/api/handlers.ts';
import { rendererDir as defaultRendererDir } from '../core/paths.ts';
import { openCore, type Core } from '../core/startup.ts';
import { SECURITY_HEADERS } from '../shared/csp.ts';
import { onClientError } from './client-errors.ts';
import { EventStreams } from './events.ts';
import { checkOrigin, checkToken, isLoopback, newToken, tokenCookie, type GuardOptions } from './guard.ts';
import { isBuilt, serveStatic } from './static.ts';

/** Calls carry small JSON inputs; anything near this is a mistake or an attack. */
export const MAX_BODY_BYTES = 1024 * 1024;
export const WIRE_CONTENT_TYPE = 'application/x-weightlapse';

const STATUS: Record<ErrorCode, number> = {
  'bad-input': 400,
  'not-found': 404,
  conflict: 409,
  unavailable: 501,
  failed: 500,
};

export interface ServerOptions {
  dbPath: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Default 127.0.0.1. Anything that is not loopback is served to the network, with a warning. */
  host?: string;
  /** Default: 32 fresh random bytes. */
  token?: string;
  rendererDir?: string;
  /** Where warnings go (binding a non-loopback host, renderer not built). */
  warn?: (message: string) => void;
}

export interface RunningServer {
  /** The URL to open, token included. */
  url: string;
  origin: string;
  token: string;
  port: number;
  core: Core;
  /** Stops listening, ends event streams, stops trainers and closes the database. */
  close(): Promise<void>;
}

/** An error a person can act on (the CLI prints it as one line). */
class ServerStartError extends Error {
  readonly userFacing = true;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? newToken();
  const root = options.rendererDir ?? defaultRendererDir;
  const warn = options.warn ?? ((m: string) => console.warn(`weightlapse: ${m}`));
  const loopbackOnly = isLoopback(host);
  if (!loopbackOnly) {
    warn(`serving on ${host}: anyone who can reach this machine and has the token can use it (traffic is not encrypted)`);
  }
  if (!isBuilt(root)) warn(`the app is not built (${root}/index.html is missing): run \`npm run build\`; the API works without it`);

  const core = await openCore(options.dbPath, { shell: 'browser' });
  const handlers = createHandlers(core.ctx);
  const streams = new EventStreams();
  const unsubscribe = core.subscribe((event, payload) => {
    // menu.command belongs to the desktop menu; a browser has none.
    if (event !== 'menu.command') streams.send(event, payload);
  });
  const guard: GuardOptions = { token, port: 0, loopbackOnly };

  const server = createServer((req, res) => {
    handle(req, res, { guard, handlers, streams, root }).catch((err: unknown) => {
      // A bug in a route must cost one request, never the server.
      console.error(`weightlapse: ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
      if (!res.headersSent) sendError(res, 500, { code: 'failed', message: 'internal error' });
      else res.destroy();
    });
  });
  server.on('clientError', onClientError);

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      core.close();
      const message =
        err.code === 'EADDRINUSE'
          ? `port ${options.port} is already in use; choose another with --port`
          : err.code === 'EADDRNOTAVAIL'
            ? `${host} is not an address of this machine`
            : `cannot listen on ${host}:${options.port ?? 0}: ${err.message}`;
      reject(new ServerStartError(message));
    });
    server.listen(options.port ?? 0, host, () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  guard.port = port;

  const shownHost = host === '0.0.0.0' || host === '::' ? hostname() : host.includes(':') ? `[${host}]` : host;
  const origin = `http://${shownHost}:${port}`;
  let closing: Promise<void> | undefined;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    port,
    core,
    close() {
      closing ??= (async () => {
        unsubscribe();
        streams.close();
        await new Promise<void>((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
        await core.close();
      })();
      return closing;
    },
  };
}

interface Route {
  guard: GuardOptions;
  handlers: Handlers;
  streams: EventStreams;
  root: string;
}

async function handle(req: IncomingMessage, res: ServerResponse, route: Route): Promise<void> {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
  const url = new URL(req.url ?? '/', 'http://localhost');
  const isApi = url.pathname === '/api' || url.pathname.startsWith('/api/');
  const reject = (status: number, message: string) =>
    isApi ? sendError(res, status, { code: status === 404 ? 'not-found' : 'bad-input', message }) : sendText(res, status, message);

  const refused = checkOrigin(req, route.guard);
  if (refused) return reject(refused.status, refused.message);
  const auth = checkToken(req, url, route.guard);
  if (!auth.ok) return reject(auth.status, auth.message);

  if (auth.fromQuery && !isApi && (req.method === 'GET' || req.method === 'HEAD')) {
    // Trade the token in the address bar (and history) for a cookie the page's scripts cannot read.
    url.searchParams.delete('token');
    res.writeHead(302, { 'Set-Cookie': tokenCookie(route.guard.port, route.guard.token), Location: url.pathname + url.search });
    return void res.end();
  }

  if (url.pathname === '/api/events') {
    if (req.method !== 'GET') return methodNotAllowed(res, 'GET', isApi);
    return route.streams.open(res);
  }
  if (isApi) {
    if (req.method !== 'POST') return methodNotAllowed(res, 'POST', isApi);
    return callApi(req, res, route.handlers, url.pathname.slice('/api/'.length));
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return methodNotAllowed(res, 'GET, HEAD', isApi);
  if (!isBuilt(route.root)) return sendText(res, 503, 'The app is not built: run `npm run build`, then reload.');
  const result = await serveStatic(route.root, url.pathname, req, res);
  if (result !== 'served') sendText(res, 404, `not found: ${url.pathname}`);
}

async function callApi(req: IncomingMessage, res: ServerResponse, handlers: Handlers, method: string): Promise<void> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    req.resume();
    return sendError(res, 415, { code: 'bad-input', message: 'send the call input as Content-Type: application/json' });
  }
  const body = await readBody(req, MAX_BODY_BYTES);
  if (body === null) {
    res.setHeader('Connection', 'close');
    return sendError(res, 413, { code: 'bad-input', message: `request body over ${MAX_BODY_BYTES} bytes` });
  }
  let input: unknown;
  try {
    input = body.length === 0 ? undefined : JSON.parse(body.toString('utf8'));
  } catch (err) {
    return sendError(res, 400, { code: 'bad-input', message: `${method}: body is not JSON: ${(err as Error).message}` });
  }
  let name: string;
  try {
    name = decodeURIComponent(method);
  } catch {
    name = method;
  }
  const result = await dispatch(handlers, name, input);
  if (!result.ok) return sendError(res, STATUS[result.error.code] ?? 500, result.error);
  const parts = encodeWireParts(result.value);
  const length = parts.reduce((n, p) => n + p.byteLength, 0);
  res.writeHead(200, { 'Content-Type': WIRE_CONTENT_TYPE, 'Content-Length': length, 'Cache-Control': 'no-store' });
  // Corked, the parts leave in one writev.
  res.cork();
  for (const part of parts) res.write(part);
  res.end();
}

/** The body, or null when it is larger than `limit` (then the rest is drained, not stored). */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    req.resume();
    return Promise.resolve(null);
  }
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) over = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolveBody(over ? null : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function methodNotAllowed(res: ServerResponse, allow: string, isApi: boolean): void {
  res.setHeader('Allow', allow);
  const message = `use ${allow}`;
  if (isApi) sendError(res, 405, { code: 'bad-input', message });
  else sendText(res, 405, message);
}

function sendError(res: ServerResponse, status: number, error: ApiErrorData): void {
  const body = JSON.stringify({ ok: false, error });
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(body);
}

function sendText(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${message}\n`);
}
