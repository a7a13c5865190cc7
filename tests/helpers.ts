/** What many tests need: temporary folders, an API call's value, and LeNet's tensor shapes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dispatch, type ApiResult, type Handlers, type Input, type MethodName, type Output, type TensorName } from '../src-preload/api.ts';

const made: string[] = [];
/** A new empty folder, removed by `removeTempDirs` (call it in `afterAll`). */
export function tempDir(prefix = 'weightlapse-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * An API call's value, as the type the caller names (as JSON.parse's callers do); its error, code and message,
 * thrown, so that a test fails saying what was refused.
 */
export function unwrap<T = unknown>(result: ApiResult<unknown>): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value as T;
}

/** One API method through `dispatch`, as IPC and HTTP call it, answered with its value. */
export async function callValue<M extends MethodName>(handlers: Handlers, method: M, input: Input<M>): Promise<Output<M>> {
  return unwrap<Output<M>>(await dispatch(handlers, method, input));
}

/** LeNet's tensors for 28×28×1 images and 10 classes. */
export const LENET_SHAPES: Record<TensorName, number[]> = {
  'conv1/kernel': [5, 5, 1, 20], 'conv1/bias': [20],
  'conv2/kernel': [5, 5, 20, 50], 'conv2/bias': [50],
  'fc1/kernel': [800, 500], 'fc1/bias': [500],
  'fc2/kernel': [500, 10], 'fc2/bias': [10],
};

/**
 * Waits until `look` answers something truthy, looking again every `everyMs`: for state that another
 * process changes, where there is no event to await. It sets no deadline of its own (the test's timeout
 * bounds it), so a loaded machine makes it slower, never wrong; past a minute it says what it waits for.
 */
export async function until<T>(what: string, look: () => T | undefined | null | false | Promise<T | undefined | null | false>, everyMs = 100): Promise<T> {
  const started = performance.now();
  let said = false;
  for (;;) {
    const value = await look();
    if (value) return value;
    if (!said && performance.now() - started > 60_000) {
      said = true;
      process.stderr.write(`still waiting for ${what}\n`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}
