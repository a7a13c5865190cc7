/**
 * tfjs-backend-wasm's multi-threaded (threaded-simd) build, started in Node.
 *
 * tfjs 4.22 keeps it off in Node (tfjs issue #3830): it hands emscripten's pthread workers blob: URLs,
 * which worker_threads cannot load. So the module is started here with plain file paths instead:
 *  - the worker script (tfjs ships it as a string) is written once, verbatim, to a file in the temp
 *    folder named by its hash, and the workers load the module factory by its path in node_modules;
 *  - the C++ side sizes its thread pool as min(asked, logical cores / 2), assuming two hyper-threads per
 *    core; emscripten reads the core count from `os.cpus()`, so the factory is evaluated with its own
 *    `require` that reports twice the threads asked for. Nothing global is patched;
 *  - emscripten starts a fixed pool of 8 pthread workers before the first line runs, whatever the
 *    threads asked for (XNNPACK's pool uses threads − 1 of them); each one boots a Node worker and
 *    instantiates the module, about a second of CPU for the seven idle ones at every trainer start
 *    (measured: starting the backend took 4.7 s of CPU with 8, 3.1 s with 2). The factory's source is
 *    evaluated with the pool sized to the threads asked for.
 * The caller falls back to the single-threaded build if any of this fails.
 */
import { BackendWasm, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import { dirname, join } from 'node:path';
import { wasmBinaryDir } from './wasm-paths.ts';

// Not named `require`: electron-vite's ESM shim declares that name in the bundled main/worker files.
const requireHere = createRequire(import.meta.url);
const WASM_OUT = '@tensorflow/tfjs-backend-wasm/wasm-out';
const FACTORY_NAME = 'WasmBackendModuleThreadedSimd';
/** How the factory of tfjs-backend-wasm 4.22 sizes emscripten's pthread pool (PTHREAD_POOL_SIZE=8). */
const POOL_SIZE = 'var pthreadPoolSize=8;';

/** What tfjs-backend-wasm's own init() adds to the emscripten module (see its backend_wasm.js). */
interface EmscriptenModule {
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  tfjs?: unknown;
  PThread: { runningWorkers: { unref(): void }[] };
}
type Factory = (config: Record<string, unknown>) => Promise<EmscriptenModule>;

export async function createThreadedWasmBackend(threads: number): Promise<BackendWasm> {
  const factoryPath = requireHere.resolve(`${WASM_OUT}/tfjs-backend-wasm-threaded-simd.js`);
  const workerFile = writeWorkerScript();
  const factory = loadFactory(factoryPath, threads);
  const module = await factory({
    locateFile: (path: string, prefix: string) => {
      if (path.endsWith('.worker.js')) return workerFile;
      if (path.endsWith('.wasm')) return join(wasmBinaryDir(), 'tfjs-backend-wasm-threaded-simd.wasm');
      return prefix + path;
    },
    // The workers evaluate the factory from this path (their importScripts reads files in Node).
    mainScriptUrlOrBlob: factoryPath,
  });
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  setThreadsCount(threads);
  const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
  // The thread pool's workers wait for work forever; emscripten keeps them referenced while they run,
  // which would keep the process alive after its last line.
  for (const worker of module.PThread.runningWorkers) worker.unref();
  return backend;
}

/** The pthread worker script as a file; tfjs escapes its newlines the same way before making a Blob. */
function writeWorkerScript(): string {
  const { wasmWorkerContents } = requireHere(`${WASM_OUT}/tfjs-backend-wasm-threaded-simd.worker.js`) as {
    wasmWorkerContents: string;
  };
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const file = join(os.tmpdir(), `weightlapse-tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(file)) {
    // Written aside and renamed, so a process starting at the same moment never reads half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, script);
    renameSync(partial, file);
  }
  return file;
}

/** Evaluates the emscripten factory with a `require` whose `os.cpus()` allows `threads` threads. */
function loadFactory(factoryPath: string, threads: number): Factory {
  const source = readFileSync(factoryPath, 'utf8').replace(POOL_SIZE, `var pthreadPoolSize=${threads};`);
  const cpus = os.cpus();
  const wantedCpus = Array.from({ length: Math.max(2 * threads, cpus.length) }, (_, i) => cpus[i % cpus.length]);
  const osForFactory = { ...os, cpus: () => wantedCpus };
  const scopedRequire = (id: string) => (id === 'os' || id === 'node:os' ? osForFactory : requireHere(id));
  const module = { exports: {} as unknown };
  new Function('require', 'module', 'exports', '__filename', '__dirname', source)(
    scopedRequire, module, module.exports, factoryPath, dirname(factoryPath));
  if (typeof module.exports !== 'function') throw new Error(`${factoryPath} did not export the ${FACTORY_NAME} factory`);
  return module.exports as Factory;
}
