/**
 * Symmetric colour scales. A scale is fixed for a whole animation — the largest |w| over every epoch
 * of the run — so that a change of colour on screen is a change in the weights, not in the scale.
 *
 * A "filter" is the last axis of a kernel (tfjs layout): conv [kh, kw, inC, outC] and dense [in, out]
 * alike, so element i of a tensor (or of a series of them, concatenated) belongs to filter i % outC.
 */
export type ScaleMode = 'layer' | 'filter';

export interface Scale {
  mode: ScaleMode;
  /** Largest |w| over the layer (always set; the legend's number in 'layer' mode). */
  max: number;
  /** Largest |w| per filter; used when mode is 'filter'. */
  filterMax: Float32Array;
}

/**
 * The scale of one tensor, or of a series: `data` is one array holding whole tensors, or several. Fed
 * the per-filter maxima of stored statistics (snapshots × filters), it gives the run's scale without
 * its weights.
 */
export function scaleFor(shape: readonly number[], data: Float32Array | readonly Float32Array[], mode: ScaleMode): Scale {
  const filters = shape.at(-1) ?? 1;
  const filterMax = new Float32Array(filters);
  for (const a of Array.isArray(data) ? data : [data as Float32Array]) {
    if (a.length % filters !== 0) throw new Error(`scaleFor: ${a.length} values do not fill tensors of shape [${shape.join(', ')}]`);
    for (let i = 0; i < a.length; ) {
      for (let f = 0; f < filters; f++, i++) {
        const v = Math.abs(a[i]!);
        if (v > filterMax[f]!) filterMax[f] = v;
      }
    }
  }
  return { mode, max: filterMax.reduce((m, v) => (v > m ? v : m), 0), filterMax };
}

/** One scale over several runs (the compare view): the largest of each. */
export function mergeScales(scales: readonly Scale[]): Scale {
  const first = scales[0];
  if (!first) throw new Error('mergeScales: no scales');
  const filterMax = new Float32Array(first.filterMax.length);
  for (const s of scales) {
    if (s.filterMax.length !== filterMax.length) {
      throw new Error(`mergeScales: ${s.filterMax.length} filters against ${filterMax.length}: not the same layer`);
    }
    for (let f = 0; f < filterMax.length; f++) filterMax[f] = Math.max(filterMax[f]!, s.filterMax[f]!);
  }
  return { mode: first.mode, max: Math.max(...scales.map((s) => s.max)), filterMax };
}

/** The ±max used for filter `f`. */
export const maxFor = (scale: Scale, f: number): number => (scale.mode === 'filter' ? scale.filterMax[f]! : scale.max);
