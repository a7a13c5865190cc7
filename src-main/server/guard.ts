/**
 * Who may talk to the local server (Jupyter's model): a request needs the token (from `?token=` once,
 * then an HttpOnly SameSite=Strict cookie, or an `Authorization: Bearer` header for scripts); while
 * bound to loopback the Host header must name loopback (a DNS-rebinding page sends its own name); and
 * cross-origin requests are refused outright (no CORS headers are ever sent).
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

export interface Rejection {
  status: number;
  message: string;
}

/** 32 random bytes, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** A token chosen by the person (`serve --token`), so that a bookmarked URL survives a restart. */
export const MIN_TOKEN_LENGTH = 32;
const MAX_TOKEN_LENGTH = 512;

/** Why `token` cannot be used (too short to be guessed at, or characters a URL or cookie would mangle), or null. */
export function tokenProblem(token: string): string | null {
  if (token.length < MIN_TOKEN_LENGTH) {
    return `is ${token.length} characters; a token needs at least ${MIN_TOKEN_LENGTH}, so that it cannot be guessed (\`openssl rand -hex 32\` makes one)`;
  }
  if (token.length > MAX_TOKEN_LENGTH) return `is ${token.length} characters; at most ${MAX_TOKEN_LENGTH}`;
  if (!/^[A-Za-z0-9._~-]+$/.test(token)) return 'may hold only letters, digits and . _ ~ - (it goes into a URL and a cookie as it is)';
  return null;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Constant-time comparison; hashing first gives both sides the same length. */
export function tokenMatches(expected: string, given: string): boolean {
  return timingSafeEqual(digest(expected), digest(given));
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

export function isLoopback(host: string): boolean {
  return LOOPBACK_NAMES.has(host) || (isIP(host) === 4 && host.startsWith('127.'));
}

/** The hostname part of a Host header (`[::1]:8080` → `[::1]`, `localhost:80` → `localhost`). */
function hostnameOf(hostHeader: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(hostHeader);
  return (m?.[1] ?? '').toLowerCase();
}

/** Cookies are not scoped by port: name ours by port so two servers on one machine do not collide. */
export const cookieName = (port: number) => `weightlapse-${port}`;

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function tokenCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

export interface GuardOptions {
  token: string;
  port: number;
  /** True when bound to a loopback address: then only loopback Host names are served. */
  loopbackOnly: boolean;
}

/** Host and origin checks, which come before the token: a foreign page gets nothing at all. */
export function checkOrigin(req: IncomingMessage, opts: GuardOptions): Rejection | null {
  const host = req.headers.host;
  if (!host) return { status: 400, message: 'missing Host header' };
  if (opts.loopbackOnly && !isLoopback(hostnameOf(host))) {
    return { status: 403, message: `Host ${JSON.stringify(host)} is not this machine; open http://127.0.0.1:${opts.port}/` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    return { status: 403, message: `cross-origin request from ${JSON.stringify(origin)} refused` };
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    return { status: 403, message: 'cross-site request refused' };
  }
  return null;
}

export type TokenCheck = { ok: true; fromQuery: boolean } | ({ ok: false } & Rejection);

/** Where the token may come from, in order: the query (first visit), the cookie, a bearer header. */
export function checkToken(req: IncomingMessage, url: URL, opts: GuardOptions): TokenCheck {
  const fromQuery = url.searchParams.get('token');
  const auth = req.headers.authorization;
  const bearer = auth?.startsWith('Bearer ') ? auth.slice('Bearer '.length).trim() : undefined;
  const given = fromQuery ?? readCookie(req, cookieName(opts.port)) ?? bearer;
  if (given === undefined || given === '') {
    return {
      ok: false,
      status: 401,
      message: 'this server needs its token: open the URL with ?token=… that `weightlapse serve` printed',
    };
  }
  if (!tokenMatches(opts.token, given)) return { ok: false, status: 403, message: 'wrong token' };
  return { ok: true, fromQuery: fromQuery !== null };
}
