/**
 * The activation view's palettes: one 256-entry table per (what the maps show, what the inputs are),
 * used by the canvas and as the GIF's colour table, like the weights' (../palette.ts), so an exported
 * frame holds exactly the colours that were on screen.
 *
 *   0 … MAP_LEVELS−1        the maps: 'values' (ReLU outputs, ≥ 0) black → bright (magma);
 *                           'diff' (changes, signed) blue → white → red, zero in the middle
 *   IMAGE … IMAGE+124       the input image: 125 greys, or a 5×5×5 colour cube for colour inputs
 *   BACKGROUND, TEXT, OUTLINE, MUTED   as in the weights' palette (the font and frames use them)
 *   RIGHT, WRONG            the probability bars: the predicted class, right or wrong
 */
import { interpolateMagma, schemeRdBu } from 'd3-scale-chromatic';
import { BACKGROUND, MUTED, OUTLINE, TEXT, UI_COLOURS, type Palette } from '../palette.ts';

export const MAP_LEVELS = 121;
export const MAP_ZERO = (MAP_LEVELS - 1) / 2;
export const IMAGE = MAP_LEVELS;
export const IMAGE_LEVELS = 125;
const CUBE = 5;
export const RIGHT = 251;
export const WRONG = 252;

export type MapMode = 'values' | 'diff';
export type InputKind = 'grey' | 'rgb';

type Rgb = [number, number, number];
const hex = (s: string): Rgb => [1, 3, 5].map((k) => parseInt(s.slice(k, k + 2), 16)) as Rgb;
const rgbOf = (css: string): Rgb => (css.startsWith('#') ? hex(css) : (css.match(/\d+/g)!.slice(0, 3).map(Number) as Rgb));

/** ColorBrewer's RdBu, negative blue, zero white (#f7f7f7), positive red, joined linearly. */
const RDBU = [...schemeRdBu[11]!].reverse().map(hex);
function diverging(t: number): Rgb {
  const x = t * (RDBU.length - 1);
  const i = Math.min(Math.floor(x), RDBU.length - 2);
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(RDBU[i]![k]! + (RDBU[i + 1]![k]! - RDBU[i]![k]!) * f)) as Rgb;
}

const UI: [number, Rgb][] = [
  // The weights' interface colours, at the same indices, so `themed` gives either theme's.
  ...([BACKGROUND, TEXT, OUTLINE, MUTED].map((i, k) => [i, [...UI_COLOURS.dark[k]!]]) as [number, Rgb][]),
  [RIGHT, [0x4c, 0xb8, 0x6a]],
  [WRONG, [0xe0, 0x52, 0x48]],
];

const cache = new Map<string, Palette>();

export function activationPalette(mode: MapMode, input: InputKind): Palette {
  const key = `${mode}/${input}`;
  let p = cache.get(key);
  if (!p) cache.set(key, (p = bake(mode, input)));
  return p;
}

function bake(mode: MapMode, input: InputKind): Palette {
  const rgb: Rgb[] = Array.from({ length: 256 }, () => [0, 0, 0]);
  for (let i = 0; i < MAP_LEVELS; i++) {
    const t = i / (MAP_LEVELS - 1);
    rgb[i] = mode === 'values' ? rgbOf(interpolateMagma(t)) : diverging(t);
  }
  for (let i = 0; i < IMAGE_LEVELS; i++) {
    if (input === 'grey') {
      const v = Math.round((i / (IMAGE_LEVELS - 1)) * 255);
      rgb[IMAGE + i] = [v, v, v];
    } else {
      const level = (k: number) => Math.round((k / (CUBE - 1)) * 255);
      rgb[IMAGE + i] = [level(Math.floor(i / (CUBE * CUBE))), level(Math.floor(i / CUBE) % CUBE), level(i % CUBE)];
    }
  }
  for (const [i, colour] of UI) rgb[i] = colour;
  const rgba = new Uint8Array(256 * 4);
  rgb.forEach(([r, g, b], i) => rgba.set([r, g, b, 255], i * 4));
  // (`name` only tells the weights' legend which map to draw; activation frames draw their own legends.)
  return { name: mode === 'values' ? 'grey' : 'diverging', rgba, packed: new Int32Array(rgba.slice().buffer), rgb };
}

/**
 * Writes the palette index of each map value at its pixel: on the layer's fixed scale, 0 … max for
 * values, ±max for differences (zero in the middle). The hot loop of an epoch step: no calls inside.
 */
export function drawMapLevels(img: Uint8Array, pixelOf: Int32Array, values: Float32Array, max: number, mode: MapMode): void {
  const top = MAP_LEVELS - 1;
  if (mode === 'values') {
    // ReLU outputs are never negative: rounding is adding a half and truncating.
    const gain = max > 0 ? top / max : 0;
    for (let i = 0; i < values.length; i++) {
      const k = (values[i]! * gain + 0.5) | 0;
      img[pixelOf[i]!] = k < 0 ? 0 : k > top ? top : k;
    }
  } else {
    const gain = max > 0 ? MAP_ZERO / max : 0;
    for (let i = 0; i < values.length; i++) {
      const k = MAP_ZERO + Math.round(values[i]! * gain);
      img[pixelOf[i]!] = k < 0 ? 0 : k > top ? top : k;
    }
  }
}

/** Palette index of an input pixel: its grey level, or the nearest of the colour cube. */
export function imageLevel(bytes: Uint8Array, at: number, input: InputKind): number {
  if (input === 'grey') return IMAGE + Math.round((bytes[at]! / 255) * (IMAGE_LEVELS - 1));
  const q = (v: number) => Math.round((v / 255) * (CUBE - 1));
  return IMAGE + q(bytes[at]!) * CUBE * CUBE + q(bytes[at + 1]!) * CUBE + q(bytes[at + 2]!);
}
