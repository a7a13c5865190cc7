/**
 * Animated GIF from indexed pictures, with gifenc (small, fast, isomorphic). The pictures already hold
 * palette indices and the palette is the GIF's global colour table, so no quantization happens and the
 * colours are exact. Frames are written one at a time as they are drawn, so an export never holds more
 * than one frame's picture besides the file. Runs in Node (CLI) and in the page (export of what is on screen).
 */
import gifenc from 'gifenc';
import { themed, type Theme } from './palette.ts';
import type { Picture } from './render.ts';

const GIFEncoder = typeof gifenc === 'function' ? gifenc : gifenc.GIFEncoder;

export interface GifOptions {
  /** Frames per second, 1..50 (GIF delays are in hundredths of a second; browsers slow down faster ones). */
  fps?: number;
  /** Extra time on the last frame, in ms, before the loop starts again. */
  holdMs?: number;
  /** 0 = loop forever (default), n = play n + 1 times. */
  repeat?: number;
  /** The interface colours (background, labels) to write the frames with: dark (default) or light. */
  theme?: Theme;
  onProgress?: (done: number, total: number) => void;
}

export interface GifWriter {
  add(frame: Picture): void;
  /** The file, once all `frames` were added. */
  finish(): Uint8Array<ArrayBuffer>;
}

/** A GIF of `frames` frames of one size and palette, written as they are added. */
export function gifWriter(frames: number, options: GifOptions = {}): GifWriter {
  if (!(frames >= 1)) throw new Error('encodeGif: no frames to encode');
  const fps = options.fps ?? 4;
  if (!(fps >= 1 && fps <= 50)) throw new Error(`fps must be from 1 to 50, got ${fps}`);
  const holdMs = options.holdMs ?? 1000;
  if (!(holdMs >= 0 && holdMs <= 60_000)) throw new Error(`hold must be from 0 to 60000 ms, got ${holdMs}`);
  const delay = 1000 / fps;
  let first: Picture | undefined;
  let gif: ReturnType<typeof GIFEncoder> | undefined;
  let added = 0;
  return {
    add(f) {
      const i = added;
      if (i >= frames) throw new Error(`encodeGif: more than the ${frames} frames announced`);
      if (!first || !gif) {
        first = f;
        gif = GIFEncoder({ initialCapacity: f.width * f.height * Math.min(frames, 8) });
      } else if (f.width !== first.width || f.height !== first.height) {
        throw new Error(`encodeGif: frame ${i} is ${f.width}×${f.height}, the first is ${first.width}×${first.height}`);
      } else if (f.palette !== first.palette) {
        throw new Error(`encodeGif: frame ${i} uses another palette`);
      }
      const last = i === frames - 1;
      gif.writeFrame(f.indices, f.width, f.height, {
        palette: i === 0 ? themed(first.palette, options.theme ?? 'dark').rgb : undefined,
        delay: last ? delay + holdMs : delay,
        repeat: options.repeat ?? 0,
      });
      added++;
      options.onProgress?.(added, frames);
    },
    finish() {
      if (!gif || added !== frames) throw new Error(`encodeGif: ${added} of ${frames} frames were added`);
      gif.finish();
      // gifenc hands back a fresh array over its own ArrayBuffer (never a shared one).
      return gif.bytes() as Uint8Array<ArrayBuffer>;
    },
  };
}

/** A GIF of frames already drawn. */
export function encodeGif(frames: readonly Picture[], options: GifOptions = {}): Uint8Array<ArrayBuffer> {
  const writer = gifWriter(frames.length, options);
  for (const f of frames) writer.add(f);
  return writer.finish();
}
