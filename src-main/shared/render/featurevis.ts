/**
 * A layer's "what it responds to" grid (issue "Filters"): every unit's optimised input at one snapshot
 * (FilterAnalysis.featureVis), tiled ten to a row in unit order, on the data set's pixel scale. Drawn as an
 * indexed picture with the activation view's image levels (125 greys, or a 5×5×5 colour cube for colour
 * inputs: the way that view draws its input images), so the run page's canvas and the GIF — the page's and
 * `weightlapse export-gif --view featurevis` — hold the same pixels.
 */
import type { FilterLayer, LayerName } from '../../../src-preload/api.ts';
import { activationPalette, imageLevel } from './activations/palette.ts';
import { formatEpoch } from './animation.ts';
import { composeFrame, frameWidth, type Frame } from './frame.ts';
import { BACKGROUND } from './palette.ts';
import { upscale, type Picture } from './render.ts';

/** The weights' layer whose units the grid shows: conv1's and conv2's filters, fc2's class units; fc1 has none. */
export function filterLayerOf(layer: LayerName): FilterLayer | null {
  return layer === 'fc1' ? null : layer === 'fc2' ? 'logits' : layer;
}

const COLUMNS = 10;
const GAP = 2;

export interface FeatureVisLayout {
  /** The data set's image shape [H, W, C]. */
  shape: readonly [number, number, number];
  units: number;
  /** At one cell per input pixel (a zoom upscales the whole picture). */
  width: number;
  height: number;
  /** Each unit's image's top-left corner [x, y]. */
  corners: [number, number][];
}

export function featureVisLayout(shape: readonly [number, number, number], units: number): FeatureVisLayout {
  const [h, w] = shape;
  const columns = Math.min(COLUMNS, units);
  const corners = Array.from({ length: units }, (_, u): [number, number] => [GAP + (u % columns) * (w + GAP), GAP + Math.floor(u / columns) * (h + GAP)]);
  return { shape, units, width: GAP + columns * (w + GAP), height: GAP + Math.ceil(units / columns) * (h + GAP), corners };
}

/** The unit under a point of the picture at one cell per pixel (null: a gap). */
export function featureVisHit(layout: FeatureVisLayout, x: number, y: number): number | null {
  const [h, w] = layout.shape;
  const u = layout.corners.findIndex(([cx, cy]) => x >= cx && x < cx + w && y >= cy && y < cy + h);
  return u < 0 ? null : u;
}

/** One snapshot's grid: `images` one HWC byte image per unit, in unit order. */
export function renderFeatureVis(layout: FeatureVisLayout, images: readonly Uint8Array[], zoom = 1): Picture {
  const [h, w, c] = layout.shape;
  const input = c === 1 ? 'grey' : 'rgb';
  const img = new Uint8Array(layout.width * layout.height).fill(BACKGROUND);
  images.forEach((image, u) => {
    const [cx, cy] = layout.corners[u]!;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) img[(cy + y) * layout.width + cx + x] = imageLevel(image, (y * w + x) * c, input);
  });
  return { width: layout.width * zoom, height: layout.height * zoom, indices: upscale(img, layout.width, layout.height, zoom), palette: activationPalette('values', input) };
}

/** The GIF's caption before the epoch, the page's and the command line's alike. */
export const featureVisTitle = (runName: string, layer: LayerName, steps: number): string => `${runName} · ${layer}: what it responds to (${steps} steps)`;

export interface FeatureVisAnimationOptions {
  zoom: number;
  /** The first part of every caption: the run and the layer (null: no caption). */
  title: string | null;
  /** Planned epochs, for "epoch 7/29". */
  epochs: number;
}

/** One GIF frame per snapshot: the caption (title, epoch) over the grid. */
export function featureVisFrames(steps: readonly { epoch: number; images: readonly Uint8Array[] }[], layout: FeatureVisLayout, options: FeatureVisAnimationOptions): Frame[] {
  if (steps.length === 0) throw new Error('featureVisFrames: no snapshots');
  const specs = steps.map(({ epoch, images }) => {
    const grid = renderFeatureVis(layout, images, options.zoom);
    return { palette: grid.palette, panels: [grid], caption: options.title === null ? undefined : `${options.title} · epoch ${formatEpoch(epoch)}/${formatEpoch(options.epochs)}` };
  });
  const minWidth = Math.max(...specs.map(frameWidth));
  return specs.map((s) => composeFrame({ ...s, minWidth }));
}
