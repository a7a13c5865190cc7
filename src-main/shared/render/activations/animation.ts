/**
 * The activation view of one pinned input over a run's snapshots, as GIF frames: caption, the row
 * (input, maps, probabilities) with titles and each layer's legend, drawn by the same `renderRow` as
 * the screen. The page and `weightlapse export-gif --view activations` both make their GIFs here.
 */
import { MAP_LAYERS, type ActivationMaps, type MapLayer } from '../../../../src-preload/api.ts';
import { formatEpoch } from '../animation.ts';
import { composeFrame, frameWidth, type Frame, type FrameSpec } from '../frame.ts';
import type { MapMode } from './palette.ts';
import { predictedClass, renderRow, rowLayout, type RowData, type RowShape } from './row.ts';

/** Input k of a response, as one row's data. */
export function rowData(maps: ActivationMaps, k: number): RowData {
  const n = maps.indices.length;
  const part = (a: Float32Array) => a.subarray((k * a.length) / n, ((k + 1) * a.length) / n);
  const size = maps.shape[0] * maps.shape[1] * maps.shape[2];
  return {
    image: maps.images.subarray(k * size, (k + 1) * size),
    label: maps.labels[k]!,
    maps: Object.fromEntries(MAP_LAYERS.map((l) => [l, part(maps.maps[l].data)])) as Record<MapLayer, Float32Array>,
    probabilities: part(maps.probabilities),
  };
}

/** The row shape of a response (every input has the same). */
export function rowShape(maps: ActivationMaps): RowShape {
  const shapeOf = (l: MapLayer) => maps.maps[l].shape.slice(1) as [number, number, number];
  return { input: maps.shape, maps: { conv1: shapeOf('conv1'), pool1: shapeOf('pool1'), conv2: shapeOf('conv2') }, classes: maps.classes.length };
}

export interface ActivationAnimationOptions {
  mode: MapMode;
  zoom?: number;
  /** The first part of every caption: the run, the input and its class. */
  title: string;
  /** Planned epochs, for "epoch 7/29". */
  epochs: number;
  classes: readonly string[];
}

/** One frame per step; every response must hold the same input at the same place `k`. */
export function activationFrames(steps: readonly { epoch: number; maps: ActivationMaps }[], k: number, options: ActivationAnimationOptions): Frame[] {
  const first = steps[0];
  if (!first) throw new Error('activationFrames: no snapshots');
  const layout = rowLayout(rowShape(first.maps), { titles: true, legends: true });
  const specs: FrameSpec[] = steps.map(({ epoch, maps }) => {
    const data = rowData(maps, k);
    const row = renderRow(layout, data, { mode: options.mode, scale: maps.scale, zoom: options.zoom ?? 2 });
    const p = predictedClass(data.probabilities);
    const verdict = `${p === data.label ? 'right' : 'wrong'}: ${options.classes[p] ?? p} ${(100 * data.probabilities[p]!).toFixed(0)}%`;
    return { palette: row.palette, panels: [row], caption: `${options.title} · epoch ${formatEpoch(epoch)}/${formatEpoch(options.epochs)} · ${verdict}` };
  });
  const minWidth = Math.max(...specs.map(frameWidth));
  return specs.map((s) => composeFrame({ ...s, minWidth }));
}
