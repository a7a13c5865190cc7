/**
 * How the layer analyses are coloured (the run page's heat strip and CKA matrix): CKA runs from 0 to 1,
 * so it takes the positive half of the colour map (0 is the map's zero colour, 1 its end), as a weight of
 * the same sign would; a value not analysed yet is the theme's background.
 */
import { BACKGROUND, levelOf } from '@render/palette.ts';

/** The palette index of each CKA value (null or NaN: not analysed yet, or a layer constant over the probes). */
export function ckaIndices(values: ArrayLike<number | null>): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = v === null || v === undefined || Number.isNaN(v) ? BACKGROUND : levelOf(Math.min(1, Math.max(0, v)), 1);
  }
  return out;
}
