/**
 * Room on the disk before a snapshot is written. SQLite refuses a write that does not fit (SQLITE_FULL)
 * and rolls it back whole, but on a disk that is full to the last byte even the small write that records
 * why the run stopped would not fit. So a snapshot is refused while there is still room: it needs its own
 * size in the write-ahead log, the same again when the log is folded into the database, and a margin.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import { databasePath, type Db } from './db.ts';
import { DiskFullError } from './errors.ts';

const MARGIN_BYTES = 1024 * 1024;

const megabytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Free bytes for this process on the disk holding the database; undefined where the file system does not say. */
export function freeSpace(db: Db): number | undefined {
  if (db.memory) return undefined;
  const stats = statfsSync(dirname(databasePath(db)));
  // Some virtual and network file systems report no blocks at all: they tell nothing about room.
  return stats.blocks > 0 ? stats.bavail * stats.bsize : undefined;
}

/** Throws a `DiskFullError` naming the database unless `bytes` can be written with room to spare. */
export function ensureRoom(db: Db, bytes: number): void {
  const free = freeSpace(db);
  const needed = 2 * bytes + MARGIN_BYTES;
  if (free === undefined || free >= needed) return;
  throw new DiskFullError(
    `disk full: the disk holding ${databasePath(db)} has ${megabytes(free)} free, and storing a snapshot safely needs ${megabytes(needed)}`,
  );
}
