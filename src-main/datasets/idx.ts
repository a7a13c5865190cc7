/**
 * MNIST-family IDX files (`*-idx3-ubyte` images, `*-idx1-ubyte` labels), raw or gzipped. The header
 * is read and checked before anything the size of the data is allocated.
 * Format: http://yann.lecun.com/exdb/mnist/ (big-endian: 0x00 0x00, type 0x08 = ubyte, dimension count,
 * then one uint32 per dimension).
 */
import { ByteBudget, DATA_BUDGET_BYTES } from './budget.ts';
import { DatasetError } from './errors.ts';
import { gunzipExactly, gunzipHead, isGzipName, looksGzipped } from './gzip.ts';
import { readAt, withRegularFile } from './regular-file.ts';

/** Beyond these a header is damaged or not an image data set this app could train on. */
export const MAX_IMAGES = 10_000_000;
export const MAX_SIDE = 1024;
/** An IDX file's own size: its data can be no more than a data set's budget, and gzip barely grows what it cannot shrink. */
const MAX_FILE = { maxBytes: DATA_BUDGET_BYTES + (1 << 20), what: 'IDX file' };

type Kind = 'images' | 'labels';
const DIMENSIONS: Record<Kind, number> = { images: 3, labels: 1 };

interface IdxHeader {
  dims: number[];
  headerBytes: number;
  dataBytes: number;
}

export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  data: Uint8Array;
}

function parseHeader(file: string, bytes: Uint8Array, kind: Kind): IdxHeader {
  const ndims = DIMENSIONS[kind];
  const headerBytes = 4 + 4 * ndims;
  if (bytes.length < 4) throw new DatasetError(file, `too short for an IDX header (${bytes.length} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  const expected = 0x0800 | ndims;
  if (magic !== expected) {
    const hint = looksGzipped(bytes) ? ' (it is gzip-compressed: name it .gz)' : '';
    throw new DatasetError(
      file,
      `not an IDX ${kind} file: magic number 0x${hex(magic)}, expected 0x${hex(expected)} ` +
        `(unsigned bytes, ${ndims} dimension${ndims > 1 ? 's' : ''})${hint}`,
    );
  }
  if (bytes.length < headerBytes) throw new DatasetError(file, `header cut short (${bytes.length} of ${headerBytes} bytes)`);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const [count, rows = 1, cols = 1] = dims;
  if (count! > MAX_IMAGES) {
    throw new DatasetError(file, `header claims ${count} ${kind}, more than the ${MAX_IMAGES} this app accepts`);
  }
  if (kind === 'images' && (rows < 1 || cols < 1 || rows > MAX_SIDE || cols > MAX_SIDE)) {
    throw new DatasetError(file, `header claims images of ${rows}×${cols} pixels; each side must be 1 to ${MAX_SIDE}`);
  }
  const dataBytes = count! * rows * cols;
  return { dims, headerBytes, dataBytes };
}

const hex = (n: number) => n.toString(16).padStart(8, '0');

/**
 * The data part of an IDX file, checked against its header. What the header promises is taken from
 * `budget` before it is read or inflated.
 */
function readIdx(file: string, kind: Kind, budget: ByteBudget): Promise<{ dims: number[]; data: Uint8Array }> {
  return withRegularFile(file, MAX_FILE, async (handle, size) => {
    if (isGzipName(file)) {
      const compressed = await readAt(handle, size);
      const header = parseHeader(file, gunzipHead(file, compressed), kind);
      budget.take(file, header.dataBytes);
      const all = await gunzipExactly(file, compressed, header.headerBytes + header.dataBytes);
      return { dims: header.dims, data: dataPart(all, header) };
    }
    const header = parseHeader(file, await readAt(handle, 16), kind);
    const expected = header.headerBytes + header.dataBytes;
    if (size !== expected) {
      const what = size < expected ? 'cut short' : 'longer than its header says';
      throw new DatasetError(file, `${what}: ${size} bytes, but its header (${header.dims.join('×')}) needs ${expected}`);
    }
    budget.take(file, header.dataBytes);
    const all = await readAt(handle, size);
    if (all.length !== size) throw new DatasetError(file, `changed while it was read (${all.length} of ${size} bytes)`);
    return { dims: header.dims, data: dataPart(all as Buffer, header) };
  });
}

/** A plain `Uint8Array` view (not a `Buffer`) of the bytes after the header: no copy. */
const dataPart = (all: Buffer, header: IdxHeader) =>
  new Uint8Array(all.buffer, all.byteOffset + header.headerBytes, header.dataBytes);

export async function readIdxImages(file: string, budget = new ByteBudget()): Promise<IdxImages> {
  const { dims, data } = await readIdx(file, 'images', budget);
  return { count: dims[0]!, rows: dims[1]!, cols: dims[2]!, data };
}

export async function readIdxLabels(file: string, budget = new ByteBudget()): Promise<Uint8Array> {
  return (await readIdx(file, 'labels', budget)).data;
}

/** An IDX file of unsigned bytes: the header for `dims`, then `data` (for the sample maker and tests). */
export function encodeIdx(dims: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 | dims.length);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(data, 4 + 4 * dims.length);
  return out;
}
