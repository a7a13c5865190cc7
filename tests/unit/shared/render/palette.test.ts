import { schemeRdBu } from 'd3-scale-chromatic';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appRoot } from '../../../../src-main/core/paths.ts';
import {
  BACKGROUND,
  COLORMAPS,
  LEVELS,
  OUTLINE,
  TEXT,
  THEMES,
  UI_COLOURS,
  ZERO,
  backgroundHex,
  indicesToRgba,
  levelOf,
  palette,
  themed,
} from '../../../../src-main/shared/render/palette.ts';

const rgbAt = (name: Parameters<typeof palette>[0], i: number) => Array.from(palette(name).rgba.subarray(i * 4, i * 4 + 3));

describe('palettes', () => {
  it('are 256 opaque colours, the same table as RGBA, packed pixels and gifenc triples', () => {
    for (const name of [...COLORMAPS, 'rgb'] as const) {
      const p = palette(name);
      expect(p.rgba.length).toBe(1024);
      expect(p.rgb.length).toBe(256);
      for (let i = 0; i < 256; i++) {
        expect(p.rgba[i * 4 + 3]).toBe(255);
        expect(p.rgb[i]).toEqual(rgbAt(name, i));
      }
      const idx = Uint8Array.from({ length: 256 }, (_, i) => i);
      expect(Array.from(indicesToRgba(idx, p))).toEqual(Array.from(p.rgba));
    }
  });

  it("diverging is RdBu reversed: blue for negative, the scheme's white midpoint at zero, red for positive", () => {
    expect(schemeRdBu[11]![5]).toBe('#f7f7f7');
    expect(rgbAt('diverging', ZERO)).toEqual([0xf7, 0xf7, 0xf7]);
    const [r0, , b0] = rgbAt('diverging', 0);
    const [r1, , b1] = rgbAt('diverging', LEVELS - 1);
    expect(b0).toBeGreaterThan(r0! + 50);
    expect(r1).toBeGreaterThan(b1! + 50);
  });

  it("study: blue negative, green near zero, red positive", () => {
    const dominant = (rgb: number[]) => rgb.indexOf(Math.max(...rgb));
    expect(dominant(rgbAt('study', 0))).toBe(2);
    expect(dominant(rgbAt('study', ZERO))).toBe(1);
    expect(dominant(rgbAt('study', LEVELS - 1))).toBe(0);
  });

  it('grey runs from black to white; interface colours are distinct from every map colour', () => {
    expect(rgbAt('grey', 0)).toEqual([0, 0, 0]);
    expect(rgbAt('grey', LEVELS - 1)).toEqual([255, 255, 255]);
    for (const name of COLORMAPS) {
      const map = new Set(Array.from({ length: LEVELS }, (_, i) => rgbAt(name, i).join()));
      for (const ui of [BACKGROUND, TEXT, OUTLINE]) expect(map.has(rgbAt(name, ui).join())).toBe(false);
    }
  });

  it('in the light theme, only the interface colours change, still distinct from every map colour', () => {
    for (const name of [...COLORMAPS, 'rgb'] as const) {
      const dark = palette(name);
      const light = themed(dark, 'light');
      expect(themed(dark, 'dark')).toBe(dark);
      expect(themed(dark, 'light')).toBe(light);
      light.rgb.forEach((c, i) => expect(c).toEqual(i >= BACKGROUND && i < BACKGROUND + 4 ? UI_COLOURS.light[i - BACKGROUND] : dark.rgb[i]));
      expect(Array.from(light.rgba.subarray(BACKGROUND * 4, BACKGROUND * 4 + 3))).toEqual([0xe4, 0xe7, 0xeb]);
      if (name === 'rgb') continue;
      const map = new Set(dark.rgb.slice(0, LEVELS).map((c) => c.join()));
      for (const ui of [BACKGROUND, TEXT, OUTLINE]) expect(map.has(light.rgb[ui]!.join())).toBe(false);
    }
  });

  it("paints the page's background in each theme, before its script and after (index.html, styles.css)", () => {
    const html = readFileSync(join(appRoot, 'src-renderer/index.html'), 'utf8');
    const css = readFileSync(join(appRoot, 'src-renderer/src/styles.css'), 'utf8');
    const block = (selector: string) => css.slice(css.indexOf(`${selector} {`)).split('}')[0]!;
    for (const theme of THEMES) {
      const hex = backgroundHex(theme);
      expect(block(theme === 'dark' ? ':root' : ":root[data-theme='light']")).toContain(`--bg: ${hex};`);
      // The first paint's, from the system's colour scheme.
      expect(html).toMatch(theme === 'dark' ? new RegExp(`^\\s*html { background: ${hex}; }`, 'm') : new RegExp(`prefers-color-scheme: light\\) { html { background: ${hex}; } }`));
    }
  });

  it('levelOf is symmetric around zero and clamps beyond the scale', () => {
    expect(levelOf(0, 1)).toBe(ZERO);
    expect(levelOf(1, 1)).toBe(LEVELS - 1);
    expect(levelOf(-1, 1)).toBe(0);
    expect(levelOf(5, 1)).toBe(LEVELS - 1);
    expect(levelOf(0.3, 0)).toBe(ZERO);
    for (const v of [0.01, 0.37, 0.5, 0.93]) expect(levelOf(v, 1) + levelOf(-v, 1)).toBe(2 * ZERO);
    // Rounded as Math.round rounds |v|, halves away from zero, all the way across the scale; ±Infinity at the ends.
    for (let k = -130; k <= 130; k += 0.25) {
      const x = (k / ZERO) * (ZERO / 1);
      const want = Math.min(LEVELS - 1, Math.max(0, x < 0 ? ZERO - Math.round(-x) : ZERO + Math.round(x)));
      expect(levelOf(k / ZERO, 1), `at ${k}`).toBe(want);
    }
    expect([levelOf(Infinity, 1), levelOf(-Infinity, 1), levelOf(NaN, 1)]).toEqual([LEVELS - 1, 0, ZERO]);
  });
});
