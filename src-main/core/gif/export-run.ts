/**
 * GIF export on the Node side (CLI, and the desktop's main process if it ever needs it): reads a layer's
 * stored series from the database and draws it with the same render module the page uses.
 */
import { ApiError, type LayerName, type TensorName } from '../../../src-preload/api.ts';
import { animationFrames, type AnimationOptions, type AnimationRun } from '../../shared/render/animation.ts';
import { encodeGif, type GifOptions } from '../../shared/render/gif.ts';
import type { ColormapName } from '../../shared/render/palette.ts';
import type { Db } from '../store/db.ts';
import { getRun } from '../store/runs.ts';
import { readTensorSeries } from '../store/snapshots.ts';

/** A sensible first zoom per layer: small kernels large, the big fc1 matrix at 1:1. */
export const DEFAULT_ZOOM: Record<LayerName, number> = { conv1: 8, conv2: 3, fc1: 1, fc2: 2 };

export interface ExportGifOptions extends Omit<AnimationOptions, 'zoom' | 'colormap'>, GifOptions {
  /** One run, or several side by side (compare view). */
  runIds: readonly number[];
  /** Default 'study'. */
  colormap?: ColormapName;
  /** Integer pixel scale; default `DEFAULT_ZOOM[layer]`. */
  zoom?: number;
}

export interface ExportedGif {
  bytes: Uint8Array;
  width: number;
  height: number;
  /** The epoch of each frame. */
  epochs: number[];
}

/** Loads what an animation of `layer` needs from one stored run. */
export function loadAnimationRun(db: Db, runId: number, layer: LayerName): AnimationRun {
  const run = getRun(db, runId);
  if (!run) throw new ApiError('not-found', `no run with id ${runId}`, 'runId');
  const tensor: TensorName = `${layer}/kernel`;
  const series = readTensorSeries(db, runId, tensor);
  if (!series) throw new ApiError('not-found', `run ${runId} (${run.name}) has no stored ${tensor} yet`, 'runId');
  return { series, snapshots: run.snapshots, epochs: run.config.epochs, name: run.name };
}

export function exportRunGif(db: Db, options: ExportGifOptions): ExportedGif {
  if (options.runIds.length === 0) throw new ApiError('bad-input', 'no run to export', 'runIds');
  const runs = options.runIds.map((id) => loadAnimationRun(db, id, options.layer));
  let animation;
  try {
    animation = animationFrames(runs, {
      ...options,
      colormap: options.colormap ?? 'study',
      zoom: options.zoom ?? DEFAULT_ZOOM[options.layer],
    });
  } catch (err) {
    // Bad ranges and layouts are the caller's to fix: say so as input errors.
    throw new ApiError('bad-input', err instanceof Error ? err.message : String(err));
  }
  const bytes = encodeGif(animation.frames, options);
  const first = animation.frames[0]!;
  return { bytes, width: first.width, height: first.height, epochs: animation.epochs };
}
