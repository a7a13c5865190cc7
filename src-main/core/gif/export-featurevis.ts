/**
 * GIF export of a layer's "what it responds to" grid on the Node side (`weightlapse export-gif --view
 * featurevis`): every unit's optimised input at each snapshot, computed first where not stored yet (the
 * filters' own pipeline), drawn by the same grid renderer as the run page.
 */
import { ApiError, TOP9_SETTLED, type LayerName } from '../../../src-preload/api.ts';
import type { AnimatedGif } from '../../shared/render/animation.ts';
import { featureVisFrames, featureVisLayout, featureVisTitle, filterLayerOf } from '../../shared/render/featurevis.ts';
import { encodeGif, type GifOptions } from '../../shared/render/gif.ts';
import type { FilterAnalyses } from '../analysis/filters.ts';
import type { Db } from '../store/db.ts';
import { getRun } from '../store/runs.ts';

export interface ExportFeatureVisGifOptions extends GifOptions {
  runId: number;
  layer: LayerName;
  /** Feature visualization's optimisation steps (which stored results to show). */
  steps: number;
  from?: number;
  to?: number;
  /** Integer pixel scale; default 2, as on the run page. */
  zoom?: number;
  caption?: boolean;
}

export async function exportFeatureVisGif(db: Db, filters: FilterAnalyses, options: ExportFeatureVisGifOptions): Promise<AnimatedGif> {
  const run = getRun(db, options.runId);
  if (!run) throw new ApiError('not-found', `no run with id ${options.runId}`, 'runId');
  const layer = filterLayerOf(options.layer);
  if (!layer) throw new ApiError('bad-input', `${options.layer} has no units to optimise inputs for: choose conv1, conv2 or fc2`, 'layer');
  const chosen = run.snapshots.filter((s) => s.epoch >= (options.from ?? -Infinity) && s.epoch <= (options.to ?? Infinity));
  if (chosen.length === 0) throw new ApiError('bad-input', `run ${run.id} has no snapshots between epochs ${options.from ?? 'start'} and ${options.to ?? 'end'}`, 'from');
  await filters.compute(run.id, { kinds: ['featurevis'], steps: options.steps });
  const a = await filters.layer(run.id, { layer, what: [], steps: options.steps, threshold: TOP9_SETTLED });
  const steps = chosen.map((s) => {
    const units = a.featureVis[a.seqs.indexOf(s.seq)];
    if (!units) throw new ApiError('bad-input', `run ${run.id} lost its snapshot at epoch ${s.epoch} while exporting`, 'runId');
    return { epoch: s.epoch, images: units.map((u) => u.image) };
  });
  const title = options.caption === false ? null : featureVisTitle(run.name, options.layer, options.steps);
  const frames = featureVisFrames(steps, featureVisLayout(run.inputShape, a.units), { zoom: options.zoom ?? 2, title, epochs: run.epochs });
  const bytes = encodeGif(frames, options);
  return { bytes, width: frames[0]!.width, height: frames[0]!.height, epochs: steps.map((s) => s.epoch) };
}
