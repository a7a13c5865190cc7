/**
 * Colour maps as 256-entry palettes. The same table colours the canvas (index → RGBA) and is the GIF's
 * global colour table, so a GIF frame holds exactly the colours that were on screen — no quantization.
 *
 * Indices 0..LEVELS-1 are the colour map, symmetric around ZERO (an odd count, so zero has its own
 * colour: white in 'diverging'). The last few indices are the interface colours (background, text,
 * outline). The 'rgb' palette, used by the RGB composite of colour filters, holds a 6×6×6 colour
 * cube in place of the map.
 *
 * Baked at run time on first use (from d3-scale-chromatic's tables, isomorphic and tiny), then cached.
 */
import { schemeRdBu } from 'd3-scale-chromatic';

export const COLORMAPS = ['study', 'diverging', 'grey'] as const;
export type ColormapName = (typeof COLORMAPS)[number];
/** A colour map, or the RGB cube that composite colour filters are drawn with. */
export type PaletteName = ColormapName | 'rgb';

export const LEVELS = 247;
export const ZERO = (LEVELS - 1) / 2;
export const BACKGROUND = 247;
export const TEXT = 248;
export const OUTLINE = 249;
export const MUTED = 250;

/** Levels per channel of the RGB cube (6³ = 216 ≤ LEVELS). */
export const CUBE = 6;

export type Rgb = [number, number, number];

/** The interface's two looks: the page follows the system's (or the person's choice), and so do its pictures. */
export const THEMES = ['dark', 'light'] as const;
export type Theme = (typeof THEMES)[number];

/**
 * The interface colours at BACKGROUND, TEXT, OUTLINE and MUTED, per theme (each the page's own --bg,
 * --text, --highlight and --muted, so a canvas sits flush with the page). Only these change with the
 * theme: the colour maps are the same in both, so a weight has one colour in every picture.
 */
export const UI_COLOURS: Record<Theme, readonly Rgb[]> = {
  dark: [
    [0x1d, 0x20, 0x26], // BACKGROUND: dark slate, distinct from every map's zero colour
    [0xe8, 0xea, 0xed], // TEXT
    [0xff, 0xc4, 0x00], // OUTLINE: amber, drawn in the gaps, so it never hides a weight
    [0x8a, 0x90, 0x99], // MUTED: secondary text
  ],
  light: [
    [0xe4, 0xe7, 0xeb], // BACKGROUND: a cool light grey, distinct from the diverging map's white zero
    [0x1d, 0x20, 0x26], // TEXT
    [0xb0, 0x46, 0x00], // OUTLINE: burnt orange, visible on the light background
    [0x55, 0x5c, 0x66], // MUTED
  ],
};

/** A theme's BACKGROUND as CSS writes it (`#1d2026`): the desktop window's colour before the page paints. */
export const backgroundHex = (theme: Theme): string => `#${UI_COLOURS[theme][0]!.map((v) => v.toString(16).padStart(2, '0')).join('')}`;

/** The study's map: blue for negative, green near zero, red for positive (jet-like stops, no dark ends). */
const STUDY_STOPS: Rgb[] = [
  [30, 60, 220],
  [40, 160, 235],
  [40, 175, 70],
  [235, 200, 40],
  [215, 40, 35],
];

function piecewise(stops: Rgb[], t: number): Rgb {
  const x = t * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  const a = stops[i]!;
  const b = stops[i + 1]!;
  return [0, 1, 2].map((k) => Math.round(a[k]! + (b[k]! - a[k]!) * f)) as Rgb;
}

/**
 * ColorBrewer's 11-class RdBu (from d3-scale-chromatic), reversed so negative is blue and positive red,
 * joined linearly. Its middle class is #f7f7f7, so zero is white; d3's smooth `interpolateRdBu` would
 * give a warm grey (242, 239, 238) there instead.
 */
const RDBU_STOPS: Rgb[] = [...schemeRdBu[11]!]
  .reverse()
  .map((hex) => [1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)) as Rgb);

/** Colour at t ∈ [0, 1], 0 = most negative. */
const mapColour: Record<ColormapName, (t: number) => Rgb> = {
  study: (t) => piecewise(STUDY_STOPS, t),
  diverging: (t) => piecewise(RDBU_STOPS, t),
  grey: (t) => {
    const v = Math.round(t * 255);
    return [v, v, v];
  },
};

/** Value of cube level k (bin centre), 0..255. */
export const cubeLevel = (k: number) => Math.round(((k + 0.5) / CUBE) * 255);

export interface Palette {
  name: PaletteName;
  /** 256 × RGBA. */
  rgba: Uint8Array;
  /**
   * The same colours packed as the platform's 32-bit pixel, for writing ImageData fast (signed, so V8
   * keeps them as small integers instead of boxing values above 2³¹).
   */
  packed: Int32Array;
  /** [r, g, b] triples, the form gifenc takes. */
  rgb: Rgb[];
}

const cache = new Map<PaletteName, Palette>();

export function palette(name: PaletteName): Palette {
  let p = cache.get(name);
  if (!p) {
    p = bake(name);
    cache.set(name, p);
  }
  return p;
}

function bake(name: PaletteName): Palette {
  const rgb: Rgb[] = [];
  for (let i = 0; i < LEVELS; i++) {
    if (name === 'rgb') {
      rgb.push(
        i < CUBE ** 3
          ? [cubeLevel(Math.floor(i / (CUBE * CUBE))), cubeLevel(Math.floor(i / CUBE) % CUBE), cubeLevel(i % CUBE)]
          : [0, 0, 0],
      );
    } else {
      rgb.push(mapColour[name](i / (LEVELS - 1)));
    }
  }
  rgb.push(...UI_COLOURS.dark);
  while (rgb.length < 256) rgb.push([0, 0, 0]);
  return fromRgb(name, rgb);
}

/** A palette from its 256 colours. */
export function fromRgb(name: PaletteName, rgb: Rgb[]): Palette {
  const rgba = new Uint8Array(256 * 4);
  rgb.forEach(([r, g, b], i) => rgba.set([r, g, b, 255], i * 4));
  // Copying the bytes (not computing the integers) makes the packing right on either endianness.
  const packed = new Int32Array(rgba.slice().buffer);
  return { name, rgba, packed, rgb };
}

const lightCache = new WeakMap<Palette, Palette>();

/**
 * `p` (baked with the dark interface colours) with those of `theme`: the same indices, so a picture is
 * drawn once and shown or exported in either theme. The dark one is `p` itself.
 */
export function themed(p: Palette, theme: Theme): Palette {
  if (theme === 'dark') return p;
  let light = lightCache.get(p);
  if (!light) {
    const ui = UI_COLOURS.light;
    light = fromRgb(p.name, p.rgb.map((c, i) => (i >= BACKGROUND && i < BACKGROUND + ui.length ? [...ui[i - BACKGROUND]!] : c)));
    lightCache.set(p, light);
  }
  return light;
}

/**
 * Palette index of v·gain, where gain = ZERO / max: rounded away from zero at halves, so ±v mirror;
 * beyond the scale (±Infinity too) the end of the map; NaN at zero. Rounded by integer truncation of
 * |x| + 0.5 (the same as Math.round there): this runs once per weight per frame, and fc1 has 400,000.
 */
export function levelAt(v: number, gain: number): number {
  const x = v * gain;
  if (x >= 0) return x >= ZERO ? LEVELS - 1 : ZERO + ((x + 0.5) | 0);
  return x <= -ZERO ? 0 : ZERO - ((0.5 - x) | 0);
}

/** Palette index of value `v` on a symmetric scale ±max; zero maps to ZERO. */
export const levelOf = (v: number, max: number): number => (max > 0 ? levelAt(v, ZERO / max) : ZERO);

/** Cube level 0..CUBE-1 of `v` on ±max: equal-width bins. */
export function cubeBin(v: number, max: number): number {
  if (!(max > 0)) return CUBE / 2;
  const k = Math.floor(((v / max + 1) / 2) * CUBE);
  return k < 0 ? 0 : k > CUBE - 1 ? CUBE - 1 : k;
}

/** Fills `out` with the RGBA of each palette index. */
export function indicesToRgba(indices: Uint8Array, pal: Palette, out = new Uint8ClampedArray(indices.length * 4)): Uint8ClampedArray<ArrayBuffer> {
  const px = new Int32Array(out.buffer, out.byteOffset, indices.length);
  const packed = pal.packed;
  for (let i = 0; i < indices.length; i++) px[i] = packed[indices[i]!]!;
  return out;
}
