/** Gzip reading with the checks a data set file needs: integrity, and a bound on what it expands to. */
import { promisify } from 'node:util';
import { constants, gunzip, gunzipSync } from 'node:zlib';
import { DatasetError } from './errors.ts';

const gunzipAsync = promisify(gunzip);
const MAX_CHUNK_BYTES = 64 << 20;

export const isGzipName = (file: string) => /\.gz$/i.test(file);
export const looksGzipped = (bytes: Uint8Array) => bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

/** The first bytes a gzip file decompresses to, without expanding the rest (to read a header first). */
export function gunzipHead(file: string, compressed: Uint8Array, compressedBytes = 1024): Buffer {
  try {
    return gunzipSync(compressed.subarray(0, compressedBytes), { finishFlush: constants.Z_SYNC_FLUSH });
  } catch (err) {
    throw gzipError(file, err);
  }
}

/**
 * Decompresses a whole file that must expand to exactly `expectedBytes` (what its header promises).
 * Refuses more without allocating it, and names a damaged or cut-off file as such.
 */
export async function gunzipExactly(file: string, compressed: Uint8Array, expectedBytes: number): Promise<Buffer> {
  let out: Buffer;
  try {
    // One output chunk of the promised size (capped, in case the header lies): no growing and joining
    // of 16 KiB pieces, which costs about as much again as inflating.
    const chunkSize = Math.min(Math.max(expectedBytes, 64), MAX_CHUNK_BYTES);
    out = await gunzipAsync(compressed, { maxOutputLength: Math.max(expectedBytes, 1), chunkSize });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DatasetError(file, `decompresses to more than the ${expectedBytes} bytes its header describes`);
    }
    throw gzipError(file, err);
  }
  if (out.length !== expectedBytes) {
    throw new DatasetError(file, `decompresses to ${out.length} bytes but its header describes ${expectedBytes}`);
  }
  return out;
}

function gzipError(file: string, err: unknown): DatasetError {
  const reason = err instanceof Error ? err.message : String(err);
  return new DatasetError(file, `damaged or incomplete gzip data (${reason}); download it again`);
}
