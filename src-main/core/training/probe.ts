/**
 * Which backend a run would train on, and why, asked of a short-lived trainer process: the answer is
 * exactly what training would get, and tfjs stays out of the app's own process. A backend asked for by
 * name that cannot start is an `unavailable` error here, before anything is stored.
 *
 * `auto` is measured in that process (trainer/probe.ts). Its measurement is kept in one small JSON file
 * next to the database, one entry per app version and geometry; the trainer reuses an entry while its
 * fingerprint of the machine, adapters and drivers still holds, so measuring is redone only when one of
 * them changed or when asked (`remeasure`). The core's trainers remember answers for their life
 * (core/training/trainers.ts).
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ApiError, type BackendChoice, type BackendInfo } from '../../../src-preload/api.ts';
import { appVersion } from '../paths.ts';
import type { Geometry, ProbeRecord, TrainerSpawner } from '../../trainer/protocol.ts';

export interface BackendQuery {
  choice: BackendChoice;
  geometry: Geometry;
  /** Measure `auto` again even if the kept measurement still holds. */
  remeasure?: boolean;
}

export interface ProbeContext {
  dbPath: string;
  spawn: TrainerSpawner;
}

/** The geometry the app's header speaks of: Fashion-MNIST-shaped images at the default batch size. */
export const DEFAULT_GEOMETRY: Geometry = { shape: [28, 28, 1], classes: 10, batchSize: 64 };
/** A probe measures a few short bursts; one that takes this long has hung. */
const PROBE_TIMEOUT_MS = 10 * 60_000;
/** Entries kept in the file: a few geometries across a few app versions. */
const KEPT = 16;

interface CacheEntry {
  appVersion: string;
  record: ProbeRecord;
}

/** The file that keeps `auto`'s measurements, beside the database. */
export const probeCacheFile = (dbPath: string) => join(dirname(dbPath), 'backend-probe.json');

export function probeBackend(ctx: ProbeContext, { choice, geometry, remeasure }: BackendQuery): Promise<BackendInfo> {
  const file = probeCacheFile(ctx.dbPath);
  const cached = choice === 'auto' ? findEntry(readCache(file), geometry)?.record : undefined;
  return new Promise<BackendInfo>((resolve, reject) => {
    const trainer = ctx.spawn(choice);
    const timer = setTimeout(() => {
      trainer.kill();
      reject(new ApiError('failed', `the backend probe gave no answer in ${PROBE_TIMEOUT_MS / 60_000} minutes`));
    }, PROBE_TIMEOUT_MS);
    trainer.on('message', (message) => {
      if (message.type === 'backend') {
        clearTimeout(timer);
        if (message.record) keep(file, message.record);
        resolve(message.backend);
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        reject(new ApiError('unavailable', message.message, 'backend'));
      }
    });
    trainer.on('exit', (code) => {
      clearTimeout(timer);
      reject(new ApiError('failed', `the backend probe exited with code ${code} before answering`));
    });
    trainer.postMessage({ type: 'probe', choice, geometry, ...(cached && { cached }), ...(remeasure && { remeasure }) });
  });
}

const sameGeometry = (a: Geometry, b: Geometry) => JSON.stringify(a) === JSON.stringify(b);

function findEntry(entries: CacheEntry[], geometry: Geometry): CacheEntry | undefined {
  return entries.find((e) => e.appVersion === appVersion && sameGeometry(e.record.geometry, geometry));
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

/** Puts the new record first, in place of the one for the same version and geometry. */
function keep(file: string, record: ProbeRecord): void {
  const others = readCache(file).filter((e) => !(e.appVersion === appVersion && sameGeometry(e.record.geometry, record.geometry)));
  const entries = [{ appVersion, record }, ...others].slice(0, KEPT);
  try {
    // Written aside and renamed, so a reader never sees half a file.
    const partial = `${file}.${process.pid}.partial`;
    writeFileSync(partial, `${JSON.stringify({ entries }, null, 1)}\n`);
    renameSync(partial, file);
  } catch {
    // A read-only folder only means measuring again next time.
  }
}
