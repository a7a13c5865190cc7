/** Per-layer change statistics stored with each snapshot, computed on the layer's kernel. */
import { LAYERS, type LayerChange, type LayerName } from '../../src-preload/api.ts';
import type { Kernels } from './protocol.ts';

function norm(a: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * a[i]!;
  return Math.sqrt(s);
}

/** ‖a − b‖ / ‖b‖, in float64 so that small changes in large layers are not lost to rounding. */
function relativeDistance(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]! - b[i]!;
    d += x * x;
  }
  const base = norm(b);
  return base === 0 ? 0 : Math.sqrt(d) / base;
}

/** Statistics of `current` against the previous stored snapshot and the initial weights. */
export function layerChanges(current: Kernels, previous: Kernels, initial: Kernels): Record<LayerName, LayerChange> {
  const out = {} as Record<LayerName, LayerChange>;
  for (const layer of LAYERS) {
    out[layer] = {
      norm: norm(current[layer]),
      relChangePrev: relativeDistance(current[layer], previous[layer]),
      relChangeInit: relativeDistance(current[layer], initial[layer]),
    };
  }
  return out;
}
