/**
 * Animated GIF from indexed pictures, with gifenc (small, fast, isomorphic). The pictures already hold
 * palette indices and the palette is the GIF's global colour table, so no quantization happens and the
 * colours are exact. Runs in Node (CLI) and in the page (export of what is on screen).
 */
import gifenc from 'gifenc';
import type { Picture } from './render.ts';

const GIFEncoder = typeof gifenc === 'function' ? gifenc : gifenc.GIFEncoder;

export interface GifOptions {
  /** Frames per second, 1..50 (GIF delays are in hundredths of a second; browsers slow down faster ones). */
  fps?: number;
  /** Extra time on the last frame, in ms, before the loop starts again. */
  holdMs?: number;
  /** 0 = loop forever (default), n = play n + 1 times. */
  repeat?: number;
  onProgress?: (done: number, total: number) => void;
}

export function encodeGif(frames: readonly Picture[], options: GifOptions = {}): Uint8Array {
  const first = frames[0];
  if (!first) throw new Error('encodeGif: no frames to encode');
  const fps = options.fps ?? 4;
  if (!(fps >= 1 && fps <= 50)) throw new Error(`fps must be from 1 to 50, got ${fps}`);
  const holdMs = options.holdMs ?? 1000;
  if (!(holdMs >= 0 && holdMs <= 60_000)) throw new Error(`hold must be from 0 to 60000 ms, got ${holdMs}`);
  const delay = 1000 / fps;
  const gif = GIFEncoder({ initialCapacity: first.width * first.height * frames.length });
  frames.forEach((f, i) => {
    if (f.width !== first.width || f.height !== first.height) {
      throw new Error(`encodeGif: frame ${i} is ${f.width}×${f.height}, the first is ${first.width}×${first.height}`);
    }
    if (f.palette !== first.palette) throw new Error(`encodeGif: frame ${i} uses another palette`);
    const last = i === frames.length - 1;
    gif.writeFrame(f.indices, f.width, f.height, {
      palette: i === 0 ? first.palette.rgb : undefined,
      delay: last ? delay + holdMs : delay,
      repeat: options.repeat ?? 0,
    });
    options.onProgress?.(i + 1, frames.length);
  });
  gif.finish();
  return gif.bytes();
}
