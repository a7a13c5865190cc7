/** Serves the built renderer, and nothing outside its folder. */
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

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

export type StaticResult = 'served' | 'not-found' | 'bad-path';

/** True when `root` holds a built renderer. */
export function isBuilt(root: string): boolean {
  return existsSync(join(root, 'index.html'));
}

/**
 * Resolves a URL path (already normalised by `new URL`, still percent-encoded) to a file under
 * `root`, or null. Decoding can produce `..`, `/` or `\` again (`%2e%2e%2f`), so the resolved path is
 * checked to stay inside the root.
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
  if (file !== rootDir && !file.startsWith(rootDir + sep)) return null;
  return file;
}

export function serveStatic(root: string, pathname: string, res: ServerResponse, head: boolean): StaticResult {
  const file = resolveStatic(root, pathname);
  if (file === null) return 'bad-path';
  let size: number;
  try {
    const stat = statSync(file);
    if (!stat.isFile()) return 'not-found';
    size = stat.size;
  } catch {
    return 'not-found';
  }
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': size,
    // Vite puts a content hash in every asset's name; the page itself must always be fresh.
    'Cache-Control': pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache',
  });
  if (head) res.end();
  else createReadStream(file).pipe(res);
  return 'served';
}
