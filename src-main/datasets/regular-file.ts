/**
 * Data set files are read only when they are regular files, and never beyond the size they had when
 * opened: a link to `/dev/zero` would grow memory without end, a FIFO would never answer, a folder
 * is no file at all. The file is opened without blocking (O_NONBLOCK: opening a FIFO for reading
 * otherwise waits for a writer, holding one of the few threads Node reads files on) and asked what it
 * is through the open handle, so that what is checked is what is read.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { DatasetError } from './errors.ts';

/** O_NONBLOCK does not exist on Windows, where opening a pipe does not wait either. */
const FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** What a path that is not a regular file is, in words. */
function kindOf(info: Stats): string {
  if (info.isDirectory()) return 'a folder';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The refusal of something that is not a regular file (a folder, where one is no data set either). */
export const notRegular = (file: string, info: Stats) =>
  new DatasetError(file, `is ${kindOf(info)}, not a regular file: a data set is read from regular files only`);

function refuse(file: string, info: Stats, maxBytes: number, what: string): void {
  if (!info.isFile()) throw notRegular(file, info);
  if (info.size > maxBytes) throw new DatasetError(file, `is ${info.size} bytes, more than the ${maxBytes} a ${what} may be`);
}

const cannotOpen = (file: string, err: NodeJS.ErrnoException) =>
  new DatasetError(file, err.code === 'ENOENT' ? 'does not exist' : `cannot be read (${err.code ?? err.message})`);

/**
 * Opens a regular file of at most `maxBytes` (`what` names it in the refusal) and hands `use` the handle
 * and its size; closes it after.
 */
export async function withRegularFile<T>(
  file: string,
  limit: { maxBytes: number; what: string },
  use: (handle: FileHandle, size: number) => Promise<T>,
): Promise<T> {
  const handle = await open(file, FLAGS).catch((err: NodeJS.ErrnoException) => {
    throw cannotOpen(file, err);
  });
  try {
    const info = await handle.stat();
    refuse(file, info, limit.maxBytes, limit.what);
    return await use(handle, info.size);
  } finally {
    await handle.close();
  }
}

/** The first `bytes` bytes of a file (fewer if it is shorter), from `at`. */
export async function readAt(handle: FileHandle, bytes: number, at = 0): Promise<Uint8Array> {
  const out = Buffer.alloc(bytes);
  let filled = 0;
  while (filled < bytes) {
    const { bytesRead } = await handle.read(out, filled, bytes - filled, at + filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return out.subarray(0, filled);
}

/** A whole regular file of at most `maxBytes`: exactly the size it had when opened. */
export function readRegularFile(file: string, limit: { maxBytes: number; what: string }): Promise<Buffer> {
  return withRegularFile(file, limit, async (handle, size) => {
    const bytes = await readAt(handle, size);
    if (bytes.length !== size) throw new DatasetError(file, `changed while it was read (${bytes.length} of ${size} bytes)`);
    return bytes as Buffer;
  });
}

/** The same, synchronously: for many small files (images), where a read through promises costs more than the bytes. */
export function readRegularFileSync(file: string, limit: { maxBytes: number; what: string }): Buffer {
  let fd: number;
  try {
    fd = openSync(file, FLAGS);
  } catch (err) {
    throw cannotOpen(file, err as NodeJS.ErrnoException);
  }
  try {
    const info = fstatSync(fd);
    refuse(file, info, limit.maxBytes, limit.what);
    const out = Buffer.alloc(info.size);
    let filled = 0;
    while (filled < out.length) {
      const n = readSync(fd, out, filled, out.length - filled, filled);
      if (n === 0) throw new DatasetError(file, `changed while it was read (${filled} of ${out.length} bytes)`);
      filled += n;
    }
    return out;
  } finally {
    closeSync(fd);
  }
}

/** Regular text files beside a data set (class lists) are small; a larger one is no list of names. */
export const MAX_TEXT_BYTES = 1 << 20;

/** A small regular text file (a class list), as UTF-8. */
export async function readTextFile(file: string): Promise<string> {
  return (await readRegularFile(file, { maxBytes: MAX_TEXT_BYTES, what: 'list of class names' })).toString('utf8');
}
