/**
 * GIF export on the Node side (CLI, and the desktop's main process if it ever needs it): the layer's
 * scale from the stored statistics, each snapshot read from the database when its frame is drawn, and
 * the same render module the page uses.
 */
import { ApiError, type TensorName } from '../../../src-preload/api.ts';
import {
  DEFAULT_ZOOM, animationGif, animationRun, layerView, statsScale, type AnimatedGif, type AnimationOptions, type ViewOptions,
} from '../../shared/render/animation.ts';
import type { GifOptions } from '../../shared/render/gif.ts';
import type { ColormapName } from '../../shared/render/palette.ts';
import type { Db } from '../store/db.ts';
import { getRun } from '../store/runs.ts';
import { readTensor } from '../store/snapshots.ts';
import { readStatsSeries } from '../store/tensor-stats.ts';

export interface ExportGifOptions extends Omit<ViewOptions, 'zoom' | 'colormap'>, AnimationOptions, GifOptions {
  /** One run, or several side by side (compare view). */
  runIds: readonly number[];
  /** Default 'study'. */
  colormap?: ColormapName;
  /** Integer pixel scale; default `DEFAULT_ZOOM[layer]`. */
  zoom?: number;
}

export async function exportRunGif(db: Db, options: ExportGifOptions): Promise<AnimatedGif> {
  if (options.runIds.length === 0) throw new ApiError('bad-input', 'no run to export', 'runIds');
  const tensor: TensorName = `${options.layer}/kernel`;
  const runs = options.runIds.map((id) => {
    const run = getRun(db, id);
    if (!run) throw new ApiError('not-found', `no run with id ${id}`, 'runId');
    const stats = readStatsSeries(db, id, tensor);
    if (!stats) throw new ApiError('not-found', `run ${id} (${run.name}) has no stored ${tensor} yet`, 'runId');
    return { run, stats };
  });
  const weightsAt = (k: number, seq: number) => {
    const t = readTensor(db, options.runIds[k]!, tensor, seq);
    if (!t) throw new ApiError('not-found', `run ${options.runIds[k]} has no snapshot ${seq}`, 'runId');
    return t.data;
  };
  try {
    const viewOptions = { ...options, colormap: options.colormap ?? 'study', zoom: options.zoom ?? DEFAULT_ZOOM[options.layer] };
    const view = layerView(runs.map((r) => r.stats.shape), statsScale(runs.map((r) => r.stats), options.diff), viewOptions);
    return await animationGif(runs.map((r) => animationRun(r.run)), view, options, weightsAt, options);
  } catch (err) {
    if (err instanceof ApiError) throw err;
    // Bad ranges, layouts and GIF settings are the caller's to fix: say so as input errors.
    throw new ApiError('bad-input', err instanceof Error ? err.message : String(err));
  }
}
