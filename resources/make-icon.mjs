#!/usr/bin/env node
// Draws resources/icon.png (512×512, what electron-builder turns into every platform's icon sizes):
// a 5×5 "filter" in a diverging blue–white–red map on a calm slate tile, the way the app shows
// weights. Pure Node (zlib for PNG's deflate), so it is reproducible anywhere: node resources/make-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 512;
const px = new Uint8Array(SIZE * SIZE * 4);

// ColorBrewer RdBu end and mid points (the app's map), interpolated linearly.
const BLUE = [33, 102, 172];
const WHITE = [247, 247, 247];
const RED = [178, 24, 43];
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
const diverging = (w) => (w < 0 ? mix(WHITE, BLUE, Math.min(1, -w)) : mix(WHITE, RED, Math.min(1, w)));

/** Signed distance-ish test for a rounded rectangle. */
function inRoundedRect(x, y, x0, y0, size, r) {
  const cx = Math.min(Math.max(x, x0 + r), x0 + size - r);
  const cy = Math.min(Math.max(y, y0 + r), y0 + size - r);
  return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
}

const tile = { x: 32, size: 448, r: 96 };
const grid = 5;
const cell = 64;
const gap = 8;
const start = (SIZE - (grid * cell + (grid - 1) * gap)) / 2;
// An edge detector's weights: what a trained conv1 filter often looks like.
const weight = (i, j) => Math.tanh(1.6 * Math.cos((i - 2) * 0.9 + 0.4) * ((j - 2) / 2));

for (let y = 0; y < SIZE; y++) {
  for (let x = 0; x < SIZE; x++) {
    const o = (y * SIZE + x) * 4;
    // 4×4 supersampling for smooth rounded edges.
    let cover = 0;
    let rgb = [36, 49, 63];
    for (let s = 0; s < 16; s++) {
      const sx = x + ((s % 4) + 0.5) / 4;
      const sy = y + (Math.floor(s / 4) + 0.5) / 4;
      if (inRoundedRect(sx, sy, tile.x, tile.x, tile.size, tile.r)) cover++;
    }
    const i = Math.floor((y - start) / (cell + gap));
    const j = Math.floor((x - start) / (cell + gap));
    const inCell =
      i >= 0 && j >= 0 && i < grid && j < grid && inRoundedRect(x + 0.5, y + 0.5, start + j * (cell + gap), start + i * (cell + gap), cell, 10);
    if (inCell) rgb = diverging(weight(i, j));
    px.set([...rgb, Math.round((cover / 16) * 255)], o);
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
};
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8-bit RGBA, no interlace
const raw = Buffer.alloc(SIZE * (SIZE * 4 + 1));
for (let y = 0; y < SIZE; y++) Buffer.from(px.buffer, y * SIZE * 4, SIZE * 4).copy(raw, y * (SIZE * 4 + 1) + 1);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(raw, { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
const target = new URL('./icon.png', import.meta.url);
writeFileSync(target, png);
console.log(`wrote ${target.pathname} (${png.length} bytes)`);
