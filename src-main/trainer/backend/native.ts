/**
 * The TensorFlow (libtensorflow) backends: @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node.
 * Both are optional dependencies whose install script downloads libtensorflow; where that fails npm
 * drops the package, so they are imported dynamically and every failure becomes a one-line reason.
 *
 * tfjs-node-gpu 4.x is frozen on libtensorflow 2.9.1, built against CUDA 11.2 and cuDNN 8.1. Where those
 * libraries are missing (a machine with only CUDA 12, a Mac) it is passed over before it is loaded, with
 * what to install, instead of a loader error.
 */
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { delimiter, join } from 'node:path';
import { importOptional } from './optional.ts';

export type NativePackage = '@tensorflow/tfjs-node-gpu' | '@tensorflow/tfjs-node';

/** `short` is a few words for the one-line summary, `reason` the whole story. */
export type NativeResult = { ok: true } | { ok: false; short: string; reason: string };

/** Checks that the package is there (and, for the GPU one, its CUDA libraries), imports it and switches to it. */
export async function tryNative(pkg: NativePackage): Promise<NativeResult> {
  const fail = (short: string, reason: string): NativeResult => ({ ok: false, short, reason: `${pkg}: ${reason}` });
  const name = pkg.slice('@tensorflow/'.length);
  if (!isInstalled(pkg)) return fail(`${name} not installed`, NOT_INSTALLED);
  if (pkg === '@tensorflow/tfjs-node-gpu') {
    const problem = cudaProblem(systemLibraries());
    if (problem) return fail(problem.short, problem.reason);
  }
  try {
    await importOptional(pkg);
  } catch (err) {
    const reason = explainLoadError(pkg, err);
    return fail(`${name} did not load`, reason);
  }
  if (tf.findBackendFactory('tensorflow') == null) {
    return fail(
      `${name} did not register`,
      `loaded, but it registered its backend on another copy of @tensorflow/tfjs-core (versions differ from @tensorflow/tfjs ${tf.version.tfjs})`,
    );
  }
  try {
    if (!(await tf.setBackend('tensorflow'))) return fail(`${name} did not start`, "the 'tensorflow' backend failed to start");
  } catch (err) {
    return fail(`${name} did not start`, firstLine(err));
  }
  return { ok: true };
}

const NOT_INSTALLED = 'not installed (an optional dependency: npm leaves it out when its libtensorflow download fails at install)';

function isInstalled(pkg: NativePackage): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Where shared libraries are looked for, as the dynamic loader would; a fake one in tests. */
export interface LibrarySearch {
  platform: NodeJS.Platform;
  /** `ldconfig -p` output (Linux), if it ran. */
  ldconfig?: string;
  /** Folders to look in: LD_LIBRARY_PATH or PATH first, then the usual CUDA folders. */
  dirs: string[];
  exists(path: string): boolean;
}

/** What libtensorflow 2.9.1's GPU build opens, by platform: the NVIDIA driver, CUDA 11 and cuDNN 8. */
const CUDA_LIBRARIES: Partial<Record<NodeJS.Platform, { what: string; files: string[] }[]>> = {
  linux: [
    { what: 'NVIDIA driver', files: ['libcuda.so.1'] },
    { what: 'CUDA 11.2 runtime', files: ['libcudart.so.11.0', 'libcublas.so.11', 'libcublasLt.so.11'] },
    { what: 'cuDNN 8.1', files: ['libcudnn.so.8'] },
  ],
  win32: [
    { what: 'NVIDIA driver', files: ['nvcuda.dll'] },
    { what: 'CUDA 11.2 runtime', files: ['cudart64_110.dll', 'cublas64_11.dll', 'cublasLt64_11.dll'] },
    { what: 'cuDNN 8.1', files: ['cudnn64_8.dll'] },
  ],
};

/** What to do about it; the README's backends section says the same. */
const CUDA_ADVICE =
  'tfjs-node-gpu needs the CUDA 11.2 runtime and cuDNN 8.1, which can sit beside a newer CUDA: install them ' +
  "(NVIDIA's cuda-cudart-11-2, libcublas-11-2 and libcudnn8 packages) or put their folders on LD_LIBRARY_PATH (PATH on Windows)";

/** Why tfjs-node-gpu cannot load here, or undefined when every library it needs can be found. */
export function cudaProblem(search: LibrarySearch): { short: string; reason: string } | undefined {
  const needed = CUDA_LIBRARIES[search.platform];
  if (!needed) {
    return search.platform === 'darwin'
      ? { short: 'no CUDA on macOS', reason: 'has no macOS build (CUDA only): on a Mac the GPU trains through WebGPU (Metal)' }
      : { short: `no CUDA build for ${search.platform}`, reason: `has no build for ${search.platform}` };
  }
  const cached = new Set([...(search.ldconfig ?? '').matchAll(/^\s*(\S+) \(/gm)].map((m) => m[1]));
  const found = (file: string) => cached.has(file) || search.dirs.some((dir) => search.exists(join(dir, file)));
  const missing = needed
    .map(({ what, files }) => ({ what, files: files.filter((f) => !found(f)) }))
    .filter((m) => m.files.length > 0);
  if (missing.length === 0) return undefined;
  return {
    short: missing.map((m) => `${m.what} not found`).join('; '),
    reason: `${missing.map((m) => `${m.what} not found (${m.files.join(', ')})`).join('; ')}. ${CUDA_ADVICE}`,
  };
}

/** This machine's library search: the loader's cache, the library path, and where CUDA installs itself. */
export function systemLibraries(): LibrarySearch {
  const env = process.platform === 'win32' ? process.env.PATH : process.env.LD_LIBRARY_PATH;
  const dirs = (env ?? '').split(delimiter).filter(Boolean);
  if (process.platform === 'win32') {
    if (process.env.CUDA_PATH) dirs.push(join(process.env.CUDA_PATH, 'bin'));
  } else {
    dirs.push(...cudaFolders('/usr/local'), '/usr/lib/x86_64-linux-gnu', '/usr/lib64', '/usr/lib');
  }
  return { platform: process.platform, ldconfig: ldconfigCache(), dirs, exists: existsSync };
}

/** /usr/local/cuda/lib64 and every /usr/local/cuda-<version>/lib64. */
function cudaFolders(root: string): string[] {
  try {
    return readdirSync(root).filter((d) => /^cuda(-[\d.]+)?$/.test(d)).map((d) => join(root, d, 'lib64'));
  } catch {
    return [];
  }
}

function ldconfigCache(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  for (const ldconfig of ['/sbin/ldconfig', 'ldconfig']) {
    try {
      return execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    } catch {
      // not there: try the next
    }
  }
  return undefined;
}

/** Turns a failed import into what the user can act on. Exported for its tests. */
export function explainLoadError(pkg: NativePackage, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const message = firstLine(err);
  if (/tfjs_binding\.node/.test(message)) {
    return 'installed without its native binding (its libtensorflow download failed at install)';
  }
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && message.includes(pkg)) return NOT_INSTALLED;
  const lib = /([\w.+-]+\.(?:so[\w.]*|dll|dylib))\b.*(?:cannot open shared object|not found|could not be found|image not found)/i.exec(
    message,
  )?.[1];
  if (lib != null) {
    // tfjs-node-gpu 4.x is built against CUDA 11.2 and cuDNN 8.1; a newer CUDA does not provide the .so.11 names.
    if (/^lib(cudart|cublas|cublasLt|cufft|curand|cusolver|cusparse)\b/.test(lib)) return `CUDA 11 runtime missing: ${lib}`;
    if (/^libcudnn\b/.test(lib)) return `cuDNN 8 runtime missing: ${lib}`;
    return `a native library is missing: ${lib}`;
  }
  return message;
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0].trim();
}
