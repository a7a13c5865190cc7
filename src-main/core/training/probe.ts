/**
 * Which backend a run would train on, and why, asked of a short-lived trainer process: the answer is
 * exactly what training would get, and tfjs stays out of the app's own process. A backend asked for by
 * name that cannot start is an `unavailable` error here, before anything is stored.
 *
 * `auto` is measured in that process (trainer/probe.ts). In the desktop app the hidden trainer window is
 * asked first: it measures Chromium's WebGPU (or WebGL), and the trainer process chooses among its
 * candidates and the window's, so the answer may be a backend the window trains (its `host` says so). A
 * window that cannot open or fails its probe never fails `auto`: the process chooses among its own, and
 * the answer says why the window's were left out.
 *
 * Each host's measurement is kept in one small JSON file next to the database, one entry per app version,
 * geometry and host; the host reuses its entry while its fingerprint (machine, adapters, drivers, browser)
 * still holds, so measuring is redone only when one of them changed or when asked (`remeasure`). The
 * core's trainers remember answers for their life (core/training/trainers.ts).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError, type BackendChoice, type BackendInfo } from '../../../src-preload/api.ts';
import { appVersion } from '../paths.ts';
import type { TrainerHostKind } from './trainer-host.ts';
import type { BurstGeometry, Findings, FromTrainer, ProbeRecord, ToTrainer, TrainerProcess, TrainerSpawner } from '../../trainer/protocol.ts';

export interface BackendQuery {
  choice: BackendChoice;
  geometry: BurstGeometry;
  /** Measure `auto` again even if the kept measurement still holds. */
  remeasure?: boolean;
}

export interface ProbeContext {
  dbPath: string;
  spawn: TrainerSpawner;
}

/** The geometry the app's header speaks of: Fashion-MNIST-shaped images at the default batch size. */
export const DEFAULT_GEOMETRY: BurstGeometry = { shape: [28, 28, 1], classes: 10, batchSize: 64 };
/** A probe measures a few short bursts; one that takes this long has hung. */
const PROBE_TIMEOUT_MS = 10 * 60_000;
/**
 * The trainer window measures only GPUs (a software adapter is passed over unmeasured), in seconds: one
 * that takes this long has hung, and `auto` goes on without it rather than keep the user waiting.
 */
const WINDOW_PROBE_TIMEOUT_MS = 2 * 60_000;
/** Entries kept in the file: a few geometries across a few app versions, for each host. */
const KEPT = 16;

interface CacheEntry {
  appVersion: string;
  host: TrainerHostKind;
  record: ProbeRecord;
}

/** The file that keeps `auto`'s measurements, beside the database. */
export const probeCacheFile = (dbPath: string) => join(dirname(dbPath), 'backend-probe.json');

export async function probeBackend(ctx: ProbeContext, { choice, geometry, remeasure }: BackendQuery): Promise<BackendInfo> {
  if (choice !== 'auto') return (await ask(() => ctx.spawn(choice), { type: 'probe', choice, geometry }, 'backend')).backend;
  const file = probeCacheFile(ctx.dbPath);
  const window = ctx.spawn.window && (await windowFindings(ctx.spawn.window, file, geometry, remeasure));
  const cached = keptRecord(file, 'process', geometry);
  const message: ToTrainer = { type: 'probe', choice, geometry, ...(cached && { cached }), ...(remeasure && { remeasure }), ...(window && { window }) };
  const answer = await ask(() => ctx.spawn(choice), message, 'backend');
  if (answer.record) keep(file, 'process', answer.record);
  return answer.backend;
}

/**
 * The trainer window's part of `auto`: its backends and their bursts (its record kept as the process's
 * is), or, if it cannot open or fails, why its WebGPU is left out.
 */
async function windowFindings(spawn: () => TrainerProcess, file: string, geometry: BurstGeometry, remeasure?: boolean): Promise<Findings> {
  const cached = keptRecord(file, 'window', geometry);
  try {
    const message: ToTrainer = { type: 'probe', choice: 'auto', geometry, ...(cached && { cached }), ...(remeasure && { remeasure }) };
    const { record, measured } = await ask(spawn, message, 'probed', WINDOW_PROBE_TIMEOUT_MS);
    if (measured) keep(file, 'window', record);
    return { candidates: record.candidates, passedOver: record.passedOver };
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { candidates: [], passedOver: [{ name: 'webgpu', short: 'the trainer window failed', reason: `the hidden trainer window could not probe Chromium's WebGPU: ${why}` }] };
  }
}

/** Sends one probe to a trainer started for it, and waits for its answer of type `type`. */
function ask<T extends 'backend' | 'probed'>(
  spawn: () => TrainerProcess,
  message: ToTrainer,
  type: T,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<Extract<FromTrainer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const trainer = spawn();
    let stderr = '';
    trainer.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
    const timer = setTimeout(() => {
      trainer.kill();
      reject(new ApiError('failed', `the backend probe gave no answer in ${timeoutMs / 60_000} minutes`));
    }, timeoutMs);
    trainer.on('message', (answer) => {
      if (answer.type === type) {
        clearTimeout(timer);
        resolve(answer as Extract<FromTrainer, { type: T }>);
      } else if (answer.type === 'failed') {
        clearTimeout(timer);
        reject(new ApiError('unavailable', answer.message, 'backend'));
      }
    });
    trainer.on('exit', (code) => {
      clearTimeout(timer);
      const said = stderr.trim().split('\n').at(-1);
      reject(new ApiError('failed', `the backend probe exited with code ${code} before answering${said ? ` (${said})` : ''}`));
    });
    trainer.postMessage(message);
  });
}

const sameGeometry = (a: BurstGeometry, b: BurstGeometry) => JSON.stringify(a) === JSON.stringify(b);
const sameEntry = (e: CacheEntry, host: TrainerHostKind, geometry: BurstGeometry) =>
  e.appVersion === appVersion && e.host === host && sameGeometry(e.record.geometry, geometry);

function keptRecord(file: string, host: TrainerHostKind, geometry: BurstGeometry): ProbeRecord | undefined {
  return readCache(file).find((e) => sameEntry(e, host, geometry))?.record;
}

/** The kept entries; a missing or unreadable file is an empty one (it only means measuring again). */
function readCache(file: string): CacheEntry[] {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { entries?: unknown };
    return Array.isArray(parsed.entries) ? (parsed.entries as CacheEntry[]) : [];
  } catch {
    return [];
  }
}

/** Puts the new record first, in place of the one for the same version, geometry and host. */
function keep(file: string, host: TrainerHostKind, record: ProbeRecord): void {
  const others = readCache(file).filter((e) => !sameEntry(e, host, record.geometry));
  const entries = [{ appVersion, host, record }, ...others].slice(0, KEPT);
  try {
    // Written aside and renamed, so a reader never sees half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, `${JSON.stringify({ entries }, null, 1)}\n`);
    renameSync(partial, file);
  } catch {
    // A read-only folder only means measuring again next time.
  }
}
