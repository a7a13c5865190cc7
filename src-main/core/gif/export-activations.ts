/**
 * GIF export of the activation view on the Node side (`weightlapse export-gif --view activations`): one
 * test image's maps and probabilities over a run's snapshots, computed by the activation service and
 * drawn with the same renderer the page uses.
 */
import { ApiError } from '../../../src-preload/api.ts';
import { activationFrames } from '../../shared/render/activations/animation.ts';
import { encodeGif, type GifOptions } from '../../shared/render/gif.ts';
import type { MapDiff } from '../activations/maps.ts';
import type { Activations } from '../activations/service.ts';
import type { Db } from '../store/db.ts';
import { getRun } from '../store/runs.ts';
import type { AnimatedGif } from '../../shared/render/animation.ts';

export interface ExportActivationGifOptions extends GifOptions {
  runId: number;
  /** The test image (its index in the test set); default: the run's first pinned input. */
  input?: number;
  diff?: 'prev' | 'init';
  /** Epoch range, inclusive (default: every stored snapshot). */
  from?: number;
  to?: number;
  /** Integer pixel scale; default 2. */
  zoom?: number;
}

export async function exportActivationGif(db: Db, activations: Activations, options: ExportActivationGifOptions): Promise<AnimatedGif> {
  const run = getRun(db, options.runId);
  if (!run) throw new ApiError('not-found', `no run with id ${options.runId}`, 'runId');
  const input = options.input ?? (await activations.pins(run.id)).indices[0];
  if (input === undefined) throw new ApiError('bad-input', `run ${run.id} has no pinned inputs: say which test image with --input`, 'input');
  const snapshots = run.snapshots.filter((s) => s.epoch >= (options.from ?? -Infinity) && s.epoch <= (options.to ?? Infinity));
  if (snapshots.length === 0) throw new ApiError('bad-input', `run ${run.id} has no snapshots between epochs ${options.from ?? 'start'} and ${options.to ?? 'end'}`, 'from');
  const diff: MapDiff | undefined = options.diff;
  const steps = [];
  for (const s of snapshots) steps.push({ epoch: s.epoch, maps: await activations.mapsAt(run.id, s.seq, { inputs: [input], diff }) });
  const first = steps[0]!.maps;
  const title = `${run.name} · #${input} ${first.classes[first.labels[0]!]}`;
  const frames = activationFrames(steps, 0, { mode: diff ? 'diff' : 'values', zoom: options.zoom ?? 2, title, epochs: run.epochs, classes: first.classes });
  const bytes = encodeGif(frames, options) as Uint8Array<ArrayBuffer>; // gifenc's own buffer, never shared
  return { bytes, width: frames[0]!.width, height: frames[0]!.height, epochs: snapshots.map((s) => s.epoch) };
}
