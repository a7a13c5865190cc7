import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The folder holding tfjs-backend-wasm's .wasm files. Resolved through the package (not relative to
 * this file) so that it still works once electron-vite has bundled this module somewhere else.
 */
export function wasmBinaryDir(): string {
  const pkgJson = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json');
  return join(dirname(pkgJson), 'dist');
}
