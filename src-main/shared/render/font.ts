/**
 * A 5×7 pixel font for captions and legends, so text is drawn the same way in Node (GIF export) and in
 * the page, without a canvas. Each glyph is 7 rows of 5 bits (bit 4 = leftmost column), after the
 * classic HD44780 character ROM. Characters it lacks are drawn as '?'.
 */
const GLYPHS: Record<string, string> = {
  ' ': '00000000000000',
  '0': '0e11131519110e', '1': '040c040404040e', '2': '0e11010204081f', '3': '1f02040201110e',
  '4': '02060a121f0202', '5': '1f101e0101110e', '6': '0608101e11110e', '7': '1f010204080808',
  '8': '0e11110e11110e', '9': '0e11110f01020c',
  A: '0e1111111f1111', B: '1e11111e11111e', C: '0e11101010110e', D: '1c12111111121c',
  E: '1f10101e10101f', F: '1f10101e101010', G: '0e11101711110f', H: '1111111f111111',
  I: '0e04040404040e', J: '0702020202120c', K: '11121418141211', L: '1010101010101f',
  M: '111b1515111111', N: '11111915131111', O: '0e11111111110e', P: '1e11111e101010',
  Q: '0e11111115120d', R: '1e11111e141211', S: '0f10100e01011e', T: '1f040404040404',
  U: '1111111111110e', V: '11111111110a04', W: '1111111515150a', X: '11110a040a1111',
  Y: '1111110a040404', Z: '1f01020408101f',
  a: '00000e010f110f', b: '1010161911111e', c: '00000e1010110e', d: '01010d1311110f',
  e: '00000e111f100e', f: '0609081c080808', g: '000f11110f010e', h: '10101619111111',
  i: '04000c0404040e', j: '0200060202120c', k: '10101214181412', l: '0c04040404040e',
  m: '00001a15151111', n: '00001619111111', o: '00000e1111110e', p: '00001e111e1010',
  q: '00000d130f0101', r: '00001619101010', s: '00000e100e011e', t: '08081c08080906',
  u: '0000111111130d', v: '00001111110a04', w: '0000111115150a', x: '0000110a040a11',
  y: '000011110f010e', z: '00001f0204081f',
  '.': '00000000000c0c', ',': '000000000c0408', ':': '000c0c000c0c00', ';': '000c0c000c0408',
  '-': '0000001f000000', '−': '0000001f000000', '+': '0004041f040400', '=': '00001f001f0000',
  '%': '18190204081303', '/': '00010204081000', '(': '02040808080402', ')': '08040202020408',
  '[': '0e08080808080e', ']': '0e02020202020e', _: '0000000000001f', '#': '0a0a1f0a1f0a0a',
  '!': '04040404000004', '?': '0e110102040004', "'": '0c040800000000', '"': '0a0a0a00000000',
  '<': '02040810080402', '>': '08040201020408', '*': '0004150e150400', '|': '04040404040404',
  '·': '00000004000000', '×': '00110a040a1100', 'Δ': '0004040a0a111f', '±': '04041f0404001f',
};

export const GLYPH_W = 5;
export const GLYPH_H = 7;
/** Horizontal advance: the glyph and one column of space. */
export const ADVANCE = GLYPH_W + 1;

const rows = new Map<string, Uint8Array>(
  Object.entries(GLYPHS).map(([ch, hex]) => [ch, Uint8Array.from(hex.match(/../g)!, (h) => parseInt(h, 16))]),
);

/** Width in pixels of `text` drawn at integer `scale`. */
export const textWidth = (text: string, scale = 1): number =>
  text.length === 0 ? 0 : ([...text].length * ADVANCE - 1) * scale;

/** Draws `text` into an index image (one palette index per pixel), clipped to the image. */
export function drawText(
  img: Uint8Array,
  width: number,
  x0: number,
  y0: number,
  text: string,
  colour: number,
  scale = 1,
): void {
  const height = img.length / width;
  let x = x0;
  for (const ch of text) {
    const glyph = rows.get(ch) ?? rows.get('?')!;
    for (let r = 0; r < GLYPH_H; r++) {
      const bits = glyph[r]!;
      for (let c = 0; c < GLYPH_W; c++) {
        if (!(bits & (0x10 >> c))) continue;
        for (let dy = 0; dy < scale; dy++) {
          const py = y0 + r * scale + dy;
          if (py < 0 || py >= height) continue;
          for (let dx = 0; dx < scale; dx++) {
            const px = x + c * scale + dx;
            if (px >= 0 && px < width) img[py * width + px] = colour;
          }
        }
      }
    }
    x += ADVANCE * scale;
  }
}
