/**
 * What every canvas that shows a rendered picture does (the weights, an activation row): paint its palette
 * indices at one cell per value, CSS enlarging it (nearest-neighbour, so it stays sharp), and map the
 * pointer back to the canvas's own pixels for hit-testing.
 */
import { indicesToRgba, themed, type Palette } from '@render/palette.ts';
import { theme } from './theme.ts';

export interface IndexedPicture {
  width: number;
  height: number;
  indices: Uint8Array;
  palette: Palette;
}

/**
 * Paints `p` onto the canvas, sized to it, in the theme in use (a caller repaints when `theme` changes). `image` is the previous frame's buffer, reused when the size is
 * the same (a new 1.6 MB buffer per fc1 epoch step would only feed the garbage collector); returns the one
 * to pass next time.
 */
export function paintIndexed(canvas: HTMLCanvasElement, p: IndexedPicture, image: ImageData | null): ImageData | null {
  const ctx = canvas.getContext('2d');
  if (!ctx) return image;
  if (canvas.width !== p.width || canvas.height !== p.height) {
    canvas.width = p.width;
    canvas.height = p.height;
  }
  const frame = image && image.width === p.width && image.height === p.height ? image : new ImageData(p.width, p.height);
  indicesToRgba(p.indices, themed(p.palette, theme.value), frame.data);
  ctx.putImageData(frame, 0, 0);
  return frame;
}

/** Where the pointer is in the canvas's own pixels: it is shown enlarged (zoom), or smaller (a wide fc1 matrix). */
export function canvasPoint(canvas: HTMLCanvasElement, e: MouseEvent): { x: number; y: number } {
  const r = canvas.getBoundingClientRect();
  return { x: ((e.clientX - r.left) * canvas.width) / r.width, y: ((e.clientY - r.top) * canvas.height) / r.height };
}
