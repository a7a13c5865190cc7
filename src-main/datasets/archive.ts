/**
 * The wanted members of a (gzipped) tar archive, read into memory without unpacking anything to disk,
 * within two budgets: what the whole archive may inflate to (members not wanted included: they cost time
 * if not memory), and what the wanted members may hold (the data set's `ByteBudget`, taken from each
 * member's tar header before its bytes are allocated). A member that appears twice is read as `tar x`
 * leaves it on disk: the last copy wins (that is how `tar -r` updates a file).
 */
import { posix } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { Parser, type ReadEntry } from 'tar';
import type { ByteBudget } from './budget.ts';
import { DatasetError } from './errors.ts';
import { looksGzipped } from './gzip.ts';
import { readAt, withRegularFile } from './regular-file.ts';

/** What the whole tar stream may inflate to: the CIFAR-10 archive's is 185 MB. */
export const MAX_ARCHIVE_BYTES = 1 << 30;
/** The archive file itself cannot be larger than what it inflates to, give or take gzip's framing. */
const MAX_FILE = { maxBytes: MAX_ARCHIVE_BYTES, what: 'data set archive' };
const CHUNK_BYTES = 1 << 20;

/** Counts what passes, and fails the stream once it passes `limit`. */
function counter(limit: number, onOver: () => Error): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      seen += chunk.length;
      done(seen > limit ? onOver() : null, chunk);
    },
  });
}

/**
 * The wanted regular files, keyed by their normalised path inside the archive. `wanted` sees each file's
 * path and may throw a `DatasetError` to refuse the archive there. Errors name `archive` and the member.
 * Node's zlib inflates in large chunks on its own thread while `tar` parses here: about twice as quick as
 * letting `tar` inflate in small chunks itself.
 */
export function readTarMembers(archive: string, wanted: (name: string) => boolean, budget: ByteBudget): Promise<Map<string, Uint8Array>> {
  return withRegularFile(archive, MAX_FILE, async (handle) => {
    const members = new Map<string, Uint8Array>();
    let problem: DatasetError | undefined;
    const source = handle.createReadStream({ start: 0, highWaterMark: CHUNK_BYTES, autoClose: false });
    const stop = (err: DatasetError) => {
      problem ??= err;
      source.destroy();
    };
    const take = (entry: ReadEntry) => {
      const name = posix.normalize(entry.path);
      try {
        if (entry.type !== 'File' || !wanted(name)) return entry.resume();
        const earlier = members.get(name);
        if (earlier) budget.give(earlier.length);
        budget.take(`${archive}:${name}`, entry.size);
      } catch (err) {
        stop(err as DatasetError);
        return entry.resume();
      }
      // Sized from the tar header, filled in place: one copy of each member in memory, not two.
      const bytes = new Uint8Array(entry.size);
      let filled = 0;
      entry.on('data', (chunk: Buffer) => {
        bytes.set(chunk.subarray(0, Math.max(0, bytes.length - filled)), filled);
        filled += chunk.length;
      });
      entry.on('end', () => {
        if (filled !== entry.size) stop(new DatasetError(archive, `${name} inside is cut short (${filled} of ${entry.size} bytes)`));
        else members.set(name, bytes);
      });
    };
    const gzipped = looksGzipped(await readAt(handle, 2));
    const tooLarge = () => new DatasetError(archive, `inflates to more than ${MAX_ARCHIVE_BYTES >> 20} MB: not a data set archive this app reads`);
    const parser = new Parser({ strict: true, onReadEntry: take });
    try {
      const limit = counter(MAX_ARCHIVE_BYTES, tooLarge);
      await pipeline(gzipped ? [source, createGunzip({ chunkSize: CHUNK_BYTES }), limit, parser] : [source, limit, parser]);
    } catch (err) {
      if (problem) throw problem;
      if (err instanceof DatasetError) throw err;
      const { code = '', message } = err as NodeJS.ErrnoException;
      if (code.startsWith('Z_')) throw new DatasetError(archive, `damaged or incomplete gzip data (${message}); download it again`);
      if (code.startsWith('TAR_')) throw new DatasetError(archive, `not a readable tar archive (${message})`);
      throw new DatasetError(archive, `cannot be read (${message})`);
    }
    if (problem) throw problem;
    return members;
  });
}
