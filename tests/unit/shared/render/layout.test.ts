import { describe, expect, it } from 'vitest';
import { describeElement, hitTest, layoutFor, layoutsFor, type LayoutKind } from '../../../../src-main/shared/render/layout.ts';

/** tfjs layouts: conv kernel [kh, kw, inC, outC] and dense kernel [in, out]. */
const convIndex = (shape: number[], y: number, x: number, c: number, o: number) =>
  ((y * shape[1]! + x) * shape[2]! + c) * shape[3]! + o;

describe('layouts', () => {
  it('offer what fits the shape', () => {
    expect(layoutsFor([5, 5, 1, 20])).toEqual(['filters', 'kernels']);
    expect(layoutsFor([5, 5, 3, 20])).toEqual(['filters', 'rgb', 'kernels']);
    expect(layoutsFor([800, 500])).toEqual(['matrix', 'units']);
    expect(layoutsFor([500, 10])).toEqual(['matrix']);
    expect(() => layoutFor([5, 5, 1, 20], 'rgb')).toThrow(/'rgb' does not fit a kernel of shape \[5, 5, 1, 20\]/);
  });

  it('size conv1 as 5×4 filters and conv2 as 50 rows × 20 columns of 5×5 kernels, with 1-cell gaps', () => {
    const c1 = layoutFor([5, 5, 1, 20], 'filters');
    expect([c1.width, c1.height]).toEqual([1 + 5 * 6, 1 + 4 * 6]);
    const c2 = layoutFor([5, 5, 20, 50], 'kernels');
    expect([c2.width, c2.height]).toEqual([1 + 20 * 6, 1 + 50 * 6]);
    const fc2 = layoutFor([500, 10], 'matrix');
    expect([fc2.width, fc2.height]).toEqual([502, 12]);
  });

  const cases: [number[], LayoutKind][] = [
    [[5, 5, 1, 20], 'filters'],
    [[5, 5, 3, 20], 'filters'],
    [[5, 5, 3, 20], 'rgb'],
    [[5, 5, 20, 50], 'kernels'],
    [[500, 10], 'matrix'],
    [[800, 500], 'units'],
  ];
  it.each(cases)('%j %s: hit-testing any pixel of an element gives that element back', (shape, kind) => {
    const layout = layoutFor(shape, kind);
    const zoom = 3;
    const size = shape.reduce((a, b) => a * b, 1);
    const seen = new Set<number>();
    for (let e = 0; e < size; e++) {
      const p = layout.pixelOf[e]!;
      const [x, y] = [p % layout.width, Math.floor(p / layout.width)];
      const hit = hitTest(layout, zoom, x * zoom + 2, y * zoom + 1)!;
      expect(hit.indices).toContain(e);
      seen.add(p);
    }
    // Every element has its own cell, except the RGB composite's three channels.
    expect(seen.size).toBe(kind === 'rgb' ? size / 3 : size);
    expect(hitTest(layout, zoom, 0, 0)).toBeNull();
    expect(hitTest(layout, zoom, layout.width * zoom, 0)).toBeNull();
  });

  it('names filter, channel, row and column the way tfjs lays them out', () => {
    const shape = [5, 5, 20, 50];
    const layout = layoutFor(shape, 'kernels');
    const e = convIndex(shape, 3, 1, 7, 42);
    expect(describeElement(layout, e)).toEqual({ index: e, filter: 42, channel: 7, row: 3, col: 1, input: null });
    // conv2's grid: row = output filter, column = input channel.
    const p = layout.pixelOf[e]!;
    expect(p % layout.width).toBe(1 + 7 * 6 + 1);
    expect(Math.floor(p / layout.width)).toBe(1 + 42 * 6 + 3);

    const units = layoutFor([800, 500], 'units');
    // fc1 reads the pooled 4×4×50 volume flattened as (h * 4 + w) * 50 + c.
    const input = (2 * 4 + 3) * 50 + 17;
    expect(describeElement(units, input * 500 + 9)).toEqual({ index: input * 500 + 9, filter: 9, channel: 17, row: 2, col: 3, input });
    const matrix = layoutFor([500, 10], 'matrix');
    expect(describeElement(matrix, 123 * 10 + 4)).toMatchObject({ filter: 4, input: 123, channel: null });
  });

  it('gives the RGB composite all three channels under the pointer', () => {
    const shape = [5, 5, 3, 20];
    const layout = layoutFor(shape, 'rgb');
    const r = convIndex(shape, 2, 4, 0, 11);
    const p = layout.pixelOf[r]!;
    const hit = hitTest(layout, 1, p % layout.width, Math.floor(p / layout.width))!;
    expect(hit.indices).toEqual([r, convIndex(shape, 2, 4, 1, 11), convIndex(shape, 2, 4, 2, 11)]);
    expect(hit).toMatchObject({ filter: 11, row: 2, col: 4, channel: null });
  });
});
