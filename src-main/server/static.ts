/**
 * Serves the built renderer, and nothing outside its folder: the path is checked as written (`..`, encoded
 * slashes) and again as the file system resolves it (a link inside the folder may point anywhere).
 *
 * Text files go gzipped to a client that accepts it (compressed once per file version, kept in memory: the
 * built renderer is a few MB), and every file carries an ETag, so that a reload asks "still this?" and gets
 * 304 instead of the file again.
 */
import { createReadStream, existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.txt': 'text/plain; charset=utf-8',
};

/** Worth compressing: text and wasm (PNG and woff2 are compressed already). */
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.wasm', '.txt']);

export type StaticResult = 'served' | 'not-found' | 'bad-path';

/** True when `root` holds a built renderer. */
export function isBuilt(root: string): boolean {
  return existsSync(join(root, 'index.html'));
}

/**
 * Resolves a URL path (already normalised by `new URL`, still percent-encoded) to a file under `root`, or
 * null. Decoding can produce `..`, `/` or `\` again (`%2e%2e%2f`), so the resolved path is checked to stay
 * inside the root; then links are followed (realpath) and the real path is checked the same way.
 */
export function resolveStatic(root: string, pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const rootDir = resolve(root);
  const file = resolve(rootDir, `.${decoded.endsWith('/') ? `${decoded}index.html` : decoded}`);
  if (!inside(rootDir, file)) return null;
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return file; // missing: a 404 either way
  }
  return inside(realpathSync(rootDir), real) ? real : null;
}

const inside = (dir: string, file: string) => file === dir || file.startsWith(dir + sep);

/** Gzipped bodies by real path, for the file version (size and mtime) they were made from. */
const gzipped = new Map<string, { version: string; body: Buffer }>();
const gzipAsync = promisify(gzip);

/** True when the client takes gzip (`Accept-Encoding: gzip`, or `*`, without `q=0`). */
function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return (coding === 'gzip' || coding === '*') && (q === undefined || Number(q) > 0);
  });
}

/** True when the request's If-None-Match names this ETag (or `*`); weak and strong compare alike here. */
function notModified(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((tag) => {
    const t = tag.trim().replace(/^W\//, '');
    return t === '*' || t === etag;
  });
}

export async function serveStatic(root: string, pathname: string, req: IncomingMessage, res: ServerResponse): Promise<StaticResult> {
  const file = resolveStatic(root, pathname);
  if (file === null) return 'bad-path';
  let stat;
  try {
    stat = statSync(file);
  } catch {
    return 'not-found';
  }
  if (!stat.isFile()) return 'not-found';
  const ext = extname(file).toLowerCase();
  const compress = COMPRESSIBLE.has(ext);
  const useGzip = compress && acceptsGzip(req);
  const version = `${stat.size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}`;
  // Each representation has its own tag: a cache must not answer a gzip-less client with gzipped bytes.
  const etag = `"${version}${useGzip ? '-gz' : ''}"`;
  const headers: Record<string, string | number> = {
    'Content-Type': TYPES[ext] ?? 'application/octet-stream',
    // Vite puts a content hash in every asset's name; the page itself must always be checked.
    'Cache-Control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    ETag: etag,
    ...(compress ? { Vary: 'Accept-Encoding' } : {}),
  };
  if (notModified(req, etag)) {
    res.writeHead(304, headers);
    res.end();
    return 'served';
  }
  const head = req.method === 'HEAD';
  if (!useGzip) {
    res.writeHead(200, { ...headers, 'Content-Length': stat.size });
    if (head) res.end();
    else createReadStream(file).pipe(res);
    return 'served';
  }
  let cached = gzipped.get(file);
  if (cached?.version !== version) {
    cached = { version, body: await gzipAsync(readFileSync(file)) };
    gzipped.set(file, cached);
  }
  res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': cached.body.length });
  res.end(head ? undefined : cached.body);
  return 'served';
}
