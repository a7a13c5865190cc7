import { describe, expect, it } from 'vitest';
import { hitTest } from '../../../../src-main/shared/render/layout.ts';
import { BACKGROUND, CUBE, OUTLINE, ZERO, cubeBin, levelOf, palette } from '../../../../src-main/shared/render/palette.ts';
import { renderIndices, renderTensor } from '../../../../src-main/shared/render/render.ts';
import { scaleFor } from '../../../../src-main/shared/render/scale.ts';
import { makeSeries } from './series.ts';

const pixel = (rgba: Uint8ClampedArray, width: number, x: number, y: number) => Array.from(rgba.subarray((y * width + x) * 4, (y * width + x) * 4 + 4));

describe('renderTensor', () => {
  const s = makeSeries([5, 5, 20, 50], 4);
  const w = s.data.subarray(25000 * 3);
  const scale = scaleFor(s.shape, s.data, 'layer');

  it('colours each weight by its level on the fixed scale, at every pixel of its zoomed cell', () => {
    const zoom = 3;
    const out = renderTensor(w, s.shape, 'conv2', { colormap: 'diverging', scale, zoom });
    expect([out.width, out.height]).toEqual([121 * 3, 301 * 3]);
    expect(out.rgba.length).toBe(out.width * out.height * 4);
    const pal = palette('diverging');
    for (const e of [0, 1, 777, 12345, 24999]) {
      const p = out.layout.pixelOf[e]!;
      const [cx, cy] = [p % out.layout.width, Math.floor(p / out.layout.width)];
      const want = levelOf(w[e]!, scale.max);
      for (const [dx, dy] of [[0, 0], [2, 2], [1, 0]]) {
        const [x, y] = [cx * zoom + dx!, cy * zoom + dy!];
        expect(out.indices[y * out.width + x]).toBe(want);
        expect(pixel(out.rgba, out.width, x, y)).toEqual([...pal.rgba.subarray(want * 4, want * 4 + 4)]);
        // What the pointer reads there is the weight that was drawn.
        expect(hitTest(out.layout, zoom, x, y)!.index).toBe(e);
      }
    }
    expect(out.indices[0]).toBe(BACKGROUND);
  });

  it('draws the largest weight of the run at the end of the map only when it is on screen', () => {
    const out = renderIndices(s.data.subarray(0, 25000), s.shape, 'conv2', { colormap: 'study', scale, zoom: 1 });
    // Epoch 0 has small weights: on the run's scale they stay away from the ends.
    const levels = Array.from(out.layout.pixelOf, (p) => out.indices[p]!);
    expect(Math.max(...levels.map((k) => Math.abs(k - ZERO)))).toBeLessThan(ZERO);
  });

  it('draws a diff against a reference, and a per-filter scale', () => {
    const ref = s.data.subarray(0, 25000);
    const diff = Float32Array.from(w, (v, i) => v - ref[i]!);
    const dscale = scaleFor(s.shape, diff, 'filter');
    const a = renderIndices(w, s.shape, 'conv2', { colormap: 'grey', scale: dscale, diffRef: ref });
    const b = renderIndices(diff, s.shape, 'conv2', { colormap: 'grey', scale: dscale });
    expect(a.indices).toEqual(b.indices);
    // Per filter, each filter's largest change reaches an end of the map.
    for (const f of [0, 17, 49]) {
      let top = 0;
      for (let i = f; i < 25000; i += 50) top = Math.max(top, Math.abs(a.indices[a.layout.pixelOf[i]!]! - ZERO));
      expect(top).toBe(ZERO);
    }
  });

  it('outlines filters in the gaps, never over a weight', () => {
    const zoom = 4;
    const plain = renderIndices(w, s.shape, 'conv2', { colormap: 'study', scale, zoom });
    const outlined = renderIndices(w, s.shape, 'conv2', { colormap: 'study', scale, zoom, outline: [5] });
    let changed = 0;
    for (let i = 0; i < plain.indices.length; i++) {
      if (plain.indices[i] === outlined.indices[i]) continue;
      changed++;
      expect(plain.indices[i]).toBe(BACKGROUND);
      expect(outlined.indices[i]).toBe(OUTLINE);
    }
    // A ring 2 px thick around row 5 (119 × 5 cells at zoom 4).
    const [W, H] = [119 * zoom + 4, 5 * zoom + 4];
    expect(changed).toBe(W * H - (W - 4) * (H - 4));
  });

  it('draws colour filters as an RGB composite from the colour cube', () => {
    const c = makeSeries([5, 5, 3, 20], 1, 9);
    const cs = scaleFor(c.shape, c.data, 'layer');
    const out = renderTensor(c.data, c.shape, 'conv1', { colormap: 'study', scale: cs, layout: 'rgb' });
    expect(out.palette.name).toBe('rgb');
    const at = (y: number, x: number, ch: number, o: number) => ((y * 5 + x) * 3 + ch) * 20 + o;
    const p = out.layout.pixelOf[at(1, 2, 0, 7)]!;
    const want = [0, 1, 2].map((ch) => cubeBin(c.data[at(1, 2, ch, 7)]!, cs.max));
    expect(out.indices[p]).toBe(want[0]! * CUBE * CUBE + want[1]! * CUBE + want[2]!);
  });

  it('refuses data that does not match the shape, and bad zooms', () => {
    expect(() => renderIndices(new Float32Array(10), [5, 5, 1, 20], 'conv1', { colormap: 'grey', scale })).toThrow(/conv1: 10 values for shape \[5, 5, 1, 20\] \(500\)/);
    expect(() => renderIndices(w, s.shape, 'conv2', { colormap: 'grey', scale, zoom: 1.5 })).toThrow(/zoom must be an integer/);
  });
});
