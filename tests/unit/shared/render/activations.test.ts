/** The activation view's renderer: where each value goes, its colour on the fixed scale, bars, outlines, hit-testing. */
import { describe, expect, it } from 'vitest';
import { MAP_LAYERS, type MapLayer } from '../../../../src-preload/api.ts';
import { mapShape } from '../../../../src-preload/api.ts';
import { IMAGE, MAP_LEVELS, MAP_ZERO, RIGHT, WRONG } from '../../../../src-main/shared/render/activations/palette.ts';
import { hitRow, renderRow, rowLayout, type RowData, type RowShape } from '../../../../src-main/shared/render/activations/row.ts';
import { MUTED, OUTLINE, TEXT } from '../../../../src-main/shared/render/palette.ts';

const shapeOf = (input: [number, number, number], classes = 10): RowShape => ({
  input,
  maps: { conv1: mapShape(input, 'conv1'), pool1: mapShape(input, 'pool1'), conv2: mapShape(input, 'conv2') },
  classes,
});
const MNIST = shapeOf([28, 28, 1]);
const CIFAR = shapeOf([32, 32, 3]);

/** Map values that say where they are: value = (channel + 1) / 100 at every position. */
function rowData(shape: RowShape, probabilities: number[], label = 0): RowData {
  const maps = Object.fromEntries(
    MAP_LAYERS.map((l) => {
      const [h, w, c] = shape.maps[l];
      return [l, Float32Array.from({ length: h * w * c }, (_, i) => ((i % c) + 1) / 100)];
    }),
  ) as Record<MapLayer, Float32Array>;
  const [h, w, c] = shape.input;
  return { image: Uint8Array.from({ length: h * w * c }, (_, i) => i % 256), label, maps, probabilities: Float32Array.from(probabilities) };
}
const scale = { conv1: 0.2, pool1: 0.2, conv2: 0.5 };
const uniform = Array.from({ length: 10 }, () => 0.1);

describe('the activation row', () => {
  it.each([['28×28×1', MNIST], ['32×32×3', CIFAR]] as const)('places every map value of a %s input once, inside its channel’s rectangle', (_, shape) => {
    const layout = rowLayout(shape);
    const seen = new Set<number>();
    const outside: string[] = [];
    for (const layer of MAP_LAYERS) {
      const [h, w, channels] = shape.maps[layer];
      expect(layout.maps[layer]).toHaveLength(channels);
      layout.pixelOf[layer].forEach((p, i) => {
        const r = layout.maps[layer][i % channels]!;
        const [x, y] = [p % layout.width, Math.floor(p / layout.width)];
        if (!(x >= r.x && x < r.x + w && y >= r.y && y < r.y + h)) outside.push(`${layer} ${i}`);
        seen.add(p);
      });
    }
    expect(outside).toEqual([]);
    expect(seen.size).toBe(MAP_LAYERS.reduce((n, l) => n + shape.maps[l].reduce((a, b) => a * b, 1), 0));
  });

  it('draws each value on the layer’s fixed scale: 0 … max for values, ±max around the middle for differences', () => {
    const layout = rowLayout(MNIST);
    const data = rowData(MNIST, uniform);
    const values = renderRow(layout, data, { mode: 'values', scale });
    const at = (picture: { indices: Uint8Array }, layer: MapLayer, channel: number) => {
      const r = layout.maps[layer][channel]!;
      return picture.indices[(r.y + 3) * layout.width + r.x + 2]!;
    };
    expect(at(values, 'conv1', 0)).toBe(Math.round((0.01 / 0.2) * (MAP_LEVELS - 1)));
    expect(at(values, 'conv1', 19)).toBe(MAP_LEVELS - 1); // 0.2 = max
    expect(at(values, 'conv2', 49)).toBe(MAP_LEVELS - 1); // 0.5 = max
    const negative = { ...data, maps: { ...data.maps, pool1: data.maps.pool1.map((v) => -v) } };
    const diff = renderRow(layout, negative, { mode: 'diff', scale });
    expect(at(diff, 'conv1', 0)).toBe(MAP_ZERO + Math.round((0.01 / 0.2) * MAP_ZERO));
    expect(at(diff, 'pool1', 19)).toBe(0); // −max
    // Twice the scale clips at the top instead of wrapping.
    expect(at(renderRow(layout, data, { mode: 'values', scale: { ...scale, conv2: 0.25 } }), 'conv2', 49)).toBe(MAP_LEVELS - 1);
  });

  it('draws the input in greys or, for colour inputs, from the colour cube', () => {
    const grey = renderRow(rowLayout(MNIST), rowData(MNIST, uniform), { mode: 'values', scale });
    const colour = renderRow(rowLayout(CIFAR), rowData(CIFAR, uniform), { mode: 'values', scale });
    for (const p of [grey, colour]) {
      const { input, width } = p.layout;
      const pixel = p.indices[(input.y + 5) * width + input.x + 7]!;
      expect(pixel).toBeGreaterThanOrEqual(IMAGE);
      expect(pixel).toBeLessThan(IMAGE + 125);
    }
    // Pixel (0, 1) of the colour input is R=3, G=4, B=5: almost black in the cube.
    expect(colour.indices[colour.layout.input.y * colour.layout.width + colour.layout.input.x + 1]).toBe(IMAGE);
    expect(colour.palette.rgb[IMAGE]).toEqual([0, 0, 0]);
  });

  it('draws one bar per class, the predicted one green when right and red when wrong, and marks the true class', () => {
    const layout = rowLayout(MNIST);
    const probabilities = [0.05, 0.05, 0.6, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025];
    const barTop = (picture: { indices: Uint8Array }, k: number) => {
      const bar = layout.bars[k]!;
      return picture.indices[(bar.y + bar.h - 1) * layout.width + bar.x]!;
    };
    const right = renderRow(layout, rowData(MNIST, probabilities, 2), { mode: 'values', scale });
    const wrong = renderRow(layout, rowData(MNIST, probabilities, 7), { mode: 'values', scale });
    expect(barTop(right, 2)).toBe(RIGHT);
    expect(barTop(wrong, 2)).toBe(WRONG);
    expect(barTop(wrong, 7)).toBe(MUTED);
    const bar = layout.bars[7]!;
    expect(wrong.indices[(bar.y + bar.h + 2) * layout.width + bar.x]).toBe(TEXT);
    // 60 % of the bar's height is filled, no more.
    const filled = Array.from({ length: bar.h }, (_, y) => right.indices[(bar.y + y) * layout.width + layout.bars[2]!.x]).filter((i) => i === RIGHT).length;
    expect(filled).toBe(Math.round(0.6 * bar.h));
  });

  it('outlines the chosen channels in the gap around their maps, never over a value', () => {
    const layout = rowLayout(MNIST);
    const plain = renderRow(layout, rowData(MNIST, uniform), { mode: 'values', scale });
    const chosen = renderRow(layout, rowData(MNIST, uniform), { mode: 'values', scale, outline: { conv1: [4], pool1: [4] } });
    const r = layout.maps.conv1[4]!;
    expect(chosen.indices[(r.y + 2) * layout.width + r.x - 1]).toBe(OUTLINE);
    expect(chosen.indices[(r.y - 1) * layout.width + r.x + 2]).toBe(OUTLINE);
    const changed = chosen.indices.reduce((n, v, i) => n + (v !== plain.indices[i] ? 1 : 0), 0);
    expect(changed).toBeGreaterThan(0);
    const overValues = MAP_LAYERS.flatMap((layer) => Array.from(layout.pixelOf[layer]).filter((p) => chosen.indices[p] !== plain.indices[p]));
    expect(overValues).toEqual([]);
  });

  it('finds the map, channel and position, the class, or the input under a point, at any zoom', () => {
    const layout = rowLayout(CIFAR);
    for (const zoom of [1, 3]) {
      const r = layout.maps.conv2[37]!;
      expect(hitRow(layout, zoom, (r.x + 4.5) * zoom, (r.y + 6.5) * zoom)).toEqual({ kind: 'map', layer: 'conv2', channel: 37, row: 6, col: 4 });
      const bar = layout.bars[9]!;
      expect(hitRow(layout, zoom, (bar.x + 1) * zoom, (bar.y + 2) * zoom)).toEqual({ kind: 'class', class: 9 });
      expect(hitRow(layout, zoom, (layout.input.x + 1) * zoom, (layout.input.y + 31) * zoom)).toEqual({ kind: 'input', row: 31, col: 1 });
      expect(hitRow(layout, zoom, 0, 0)).toBeNull();
    }
  });
});
