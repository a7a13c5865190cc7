/** The data map's geometry: where images land, which a click or a lasso picks, and the galleries' order. */
import { describe, expect, it } from 'vitest';
import { galleries, MAP_PLOT, nearestPoint, placePoints, pointsInside } from '../../../../src-renderer/src/lib/dataMap.ts';
import { toX, toY } from '../../../../src-renderer/src/lib/mapView.ts';

const table = {
  confidence: Float32Array.from([0.9, 0.1, 0.5, 0.2, 0.7]),
  variability: Float32Array.from([0.05, 0.02, 0.4, 0.1, 0.3]),
  presented: Int32Array.from([3, 3, 3, 0, 3]),
  forgetting: Int32Array.from([0, 0, 2, 0, 1]),
  correctness: Float32Array.from([1, 0, 1 / 3, Number.NaN, 2 / 3]),
  learnedFrom: Int32Array.from([1, -1, 3, -1, 2]),
};

describe('the data map', () => {
  it('places presented images in the view at (variability, confidence), the axes’ ends at the plot’s edges', () => {
    const points = placePoints(MAP_PLOT, table, () => true);
    expect(Array.from(points.indices)).toEqual([0, 1, 2, 4]);
    expect(toX(MAP_PLOT, 0)).toBe(MAP_PLOT.left);
    expect(toY(MAP_PLOT, 0)).toBe(MAP_PLOT.height - MAP_PLOT.bottom);
    expect(toY(MAP_PLOT, 1)).toBe(4);
    expect(points.x[2]).toBeCloseTo(toX(MAP_PLOT, 0.4), 4);
    expect(Array.from(placePoints(MAP_PLOT, table, (i) => i % 2 === 0).indices)).toEqual([0, 2, 4]);
    expect(points.total).toBe(4);
    // A view of the high-variability corner keeps only the images in it, the total all of them.
    const corner = placePoints(MAP_PLOT, table, () => true, { v0: 0.25, v1: 0.5, c0: 0.25, c1: 1 });
    expect(Array.from(corner.indices)).toEqual([2, 4]);
    expect(corner.total).toBe(4);
    expect(corner.x[0]).toBeCloseTo(toX(MAP_PLOT, 0.4, { v0: 0.25, v1: 0.5, c0: 0.25, c1: 1 }), 4);
  });

  it('picks the nearest point within the radius, and the points inside a lasso', () => {
    const points = placePoints(MAP_PLOT, table, () => true);
    const [x, y] = [toX(MAP_PLOT, 0.4), toY(MAP_PLOT, 0.5)];
    expect(nearestPoint(points, x + 3, y - 2, 6)).toBe(2);
    expect(nearestPoint(points, x + 30, y, 6)).toBe(-1);
    // A box around the high-variability half: images 2 and 4.
    const box = [
      { x: toX(MAP_PLOT, 0.25), y: toY(MAP_PLOT, 1) },
      { x: toX(MAP_PLOT, 0.5), y: toY(MAP_PLOT, 1) },
      { x: toX(MAP_PLOT, 0.5), y: toY(MAP_PLOT, 0) },
      { x: toX(MAP_PLOT, 0.25), y: toY(MAP_PLOT, 0) },
    ];
    expect(pointsInside(points, box)).toEqual([2, 4]);
    expect(pointsInside(points, box.slice(0, 2))).toEqual([]);
  });

  it('lists the most forgotten first, the never learned least confident first, the last learned first', () => {
    expect(galleries(table, () => true, 10)).toEqual({ forgotten: [2, 4], neverLearned: [1], learnedLast: [2, 4] });
    expect(galleries(table, () => true, 1).forgotten).toEqual([2]);
  });
});
