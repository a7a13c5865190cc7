/**
 * Files built to hurt a reader, made the way an attacker (or an accident) would: decompression bombs
 * streamed through zlib so that the test itself never holds what they inflate to, tar archives written
 * header by header (members of any size, twice over, in two folders), and PNGs whose data says more than
 * their header.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createDeflate, createGzip, crc32 } from 'node:zlib';
import { Header } from 'tar';

const ZEROS = Buffer.alloc(1 << 20);

/** `bytes` bytes of `fill` (zeros by default), as a stream of 1 MB chunks. */
function* filled(bytes: number, fill: Buffer = ZEROS): Generator<Buffer> {
  for (let left = bytes; left > 0; left -= fill.length) yield left >= fill.length ? fill : fill.subarray(0, left);
}

/** zlib data that inflates to `bytes` zeros, made without holding them. */
export async function zlibBomb(bytes: number): Promise<Buffer> {
  const out: Buffer[] = [];
  const deflate = createDeflate({ level: 1 });
  deflate.on('data', (c: Buffer) => out.push(c));
  await pipeline(Readable.from(filled(bytes)), deflate);
  return Buffer.concat(out);
}

/** One PNG chunk: length, type, data and its CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), 8 + data.length);
  return out;
}

/** A grey 8-bit PNG of `side`×`side` whose pixel data is `idat` (zlib): a valid header over any data. */
export function pngWithData(side: number, idat: Buffer, interlaced: boolean): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(side, 0);
  ihdr.writeUInt32BE(side, 4);
  ihdr.set([8, 0, 0, 0, interlaced ? 1 : 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', idat), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A tar member: its path, and its bytes or a size of zeros (or of a repeated `fill`). */
export type Member = { name: string; bytes: Uint8Array } | { name: string; size: number; fill?: Buffer };

function* tarBlocks(members: Member[]): Generator<Buffer> {
  for (const m of members) {
    const size = 'bytes' in m ? m.bytes.length : m.size;
    const header = Buffer.alloc(512);
    new Header({ path: m.name, mode: 0o644, size, mtime: new Date(0), type: 'File', uid: 0, gid: 0 }).encode(header, 0);
    yield header;
    if ('bytes' in m) yield Buffer.from(m.bytes);
    else yield* filled(size, m.fill);
    if (size % 512) yield Buffer.alloc(512 - (size % 512));
  }
  yield Buffer.alloc(1024);
}

/** A `.tar.gz` of `members`, in order (a path may come twice, as `tar -r` appends it), streamed to `file`. */
export async function writeTarGz(file: string, members: Member[]): Promise<string> {
  await pipeline(Readable.from(tarBlocks(members)), createGzip({ level: 1 }), createWriteStream(file));
  return file;
}

/** A gzip file of `head` then `zeros` zero bytes, streamed. */
export async function writeGzip(file: string, head: Uint8Array, zeros: number): Promise<void> {
  const parts = function* () {
    yield Buffer.from(head);
    yield* filled(zeros);
  };
  await pipeline(Readable.from(parts()), createGzip({ level: 1 }), createWriteStream(file));
}
