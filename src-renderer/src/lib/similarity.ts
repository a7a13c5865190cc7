/**
 * How the layer analyses are coloured (the run page's heat strip and CKA matrix): CKA runs from 0 to 1,
 * so it takes the positive half of the colour map (0 is the map's zero colour, 1 its end), as a weight of
 * the same sign would; a value not analysed yet is the theme's background.
 */
import { BACKGROUND, indicesToRgba, LEVELS, levelOf, palette, themed, ZERO, type ColormapName, type Theme } from '@render/palette.ts';

/** The palette index of each CKA value (null or NaN: not analysed yet, or a layer constant over the probes). */
export function ckaIndices(values: ArrayLike<number | null>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined || Number.isNaN(v) ? BACKGROUND : levelOf(Math.min(1, Math.max(0, v)), 1);
  }
  return out;
}

/** The legend's bar for these cells: the colour map's positive half, 0 to 1, as a CSS gradient. */
export function ckaGradient(colormap: ColormapName): string {
  const rgba = palette(colormap).rgba;
  const stops = Array.from({ length: 9 }, (_, k) => {
    const i = Math.round(ZERO + (k / 8) * (LEVELS - 1 - ZERO)) * 4;
    return `rgb(${rgba[i]} ${rgba[i + 1]} ${rgba[i + 2]}) ${((k / 8) * 100).toFixed(1)}%`;
  });
  return `linear-gradient(to right, ${stops.join(', ')})`;
}

/** One value's colour as its cell is drawn, as CSS (a swatch beside a number). */
export function ckaColour(value: number | null, colormap: ColormapName, theme: Theme): string {
  const rgba = indicesToRgba(ckaIndices([value]), themed(palette(colormap), theme));
  return `rgb(${rgba[0]} ${rgba[1]} ${rgba[2]})`;
}
