/**
 * GIF export on the Node side (CLI, and the desktop's main process if it ever needs it): reads a layer's
 * stored series from the database and draws it with the same render module the page uses.
 */
import { ApiError, type LayerName, type TensorName } from '../../../src-preload/api.ts';
import { DEFAULT_ZOOM, animationGif, animationRun, type AnimatedGif, type AnimationOptions, type AnimationRun } from '../../shared/render/animation.ts';
import type { GifOptions } from '../../shared/render/gif.ts';
import type { ColormapName } from '../../shared/render/palette.ts';
import type { Db } from '../store/db.ts';
import { getRun } from '../store/runs.ts';
import { readTensorSeries } from '../store/snapshots.ts';

export interface ExportGifOptions extends Omit<AnimationOptions, 'zoom' | 'colormap'>, GifOptions {
  /** One run, or several side by side (compare view). */
  runIds: readonly number[];
  /** Default 'study'. */
  colormap?: ColormapName;
  /** Integer pixel scale; default `DEFAULT_ZOOM[layer]`. */
  zoom?: number;
}

/** Loads what an animation of `layer` needs from one stored run. */
export function loadAnimationRun(db: Db, runId: number, layer: LayerName): AnimationRun {
  const run = getRun(db, runId);
  if (!run) throw new ApiError('not-found', `no run with id ${runId}`, 'runId');
  const tensor: TensorName = `${layer}/kernel`;
  const series = readTensorSeries(db, runId, tensor);
  if (!series) throw new ApiError('not-found', `run ${runId} (${run.name}) has no stored ${tensor} yet`, 'runId');
  return animationRun(run, series);
}

export function exportRunGif(db: Db, options: ExportGifOptions): AnimatedGif {
  if (options.runIds.length === 0) throw new ApiError('bad-input', 'no run to export', 'runIds');
  const runs = options.runIds.map((id) => loadAnimationRun(db, id, options.layer));
  try {
    return animationGif(runs, { ...options, colormap: options.colormap ?? 'study', zoom: options.zoom ?? DEFAULT_ZOOM[options.layer] }, options);
  } catch (err) {
    // Bad ranges, layouts and GIF settings are the caller's to fix: say so as input errors.
    throw new ApiError('bad-input', err instanceof Error ? err.message : String(err));
  }
}
