/**
 * A data set's content checksum: SHA-256 over its files' names and bytes. Remembered per (file list,
 * sizes, modification times) for the life of the process, so listing data sets hashes each one once,
 * and again only after a file changed.
 */
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { withRegularFile } from './regular-file.ts';

/** The largest file a data set is read from (a CIFAR-10 archive, a prepared folder of images). */
const MAX_FILE = { maxBytes: 4 * 2 ** 30, what: 'data set file' };

const cache = new Map<string, string>();

export async function checksumFiles(files: string[]): Promise<string> {
  const stats = await Promise.all(files.map((f) => stat(f)));
  const key = files.map((f, i) => `${f}\0${stats[i]!.size}\0${stats[i]!.mtimeMs}`).join('\n');
  const known = cache.get(key);
  if (known) return known;
  const hash = createHash('sha256');
  for (const file of files) {
    // The name too: swapping two files' contents is a change.
    hash.update(`${basename(file)}\0`);
    // Only a regular file, and only the bytes it had when opened: a FIFO or a device would never end.
    await withRegularFile(file, MAX_FILE, async (handle, size) => {
      if (size > 0) await pipeline(handle.createReadStream({ start: 0, end: size - 1, autoClose: false }), hash, { end: false });
    });
  }
  const digest = `sha256:${hash.digest('hex')}`;
  cache.set(key, digest);
  return digest;
}
