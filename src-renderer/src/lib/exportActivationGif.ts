/**
 * "Export GIF" of the activation view: one pinned input over every snapshot (input, maps,
 * probabilities), drawn by the same row renderer as the screen, encoded with the palette as the colour
 * table, and delivered as the weights' GIFs are (saved in the desktop app, downloaded in a browser).
 */
import type { ActivationMaps, ApiClient, AppInfo, RunDetail } from '@contract/api.ts';
import { activationFrames } from '@render/activations/animation.ts';
import type { MapMode } from '@render/activations/palette.ts';
import { encodeGif } from '@render/gif.ts';
import { deliverGif } from './exportGif.ts';
import { theme } from './theme.ts';

export interface ActivationGifRequest {
  run: Pick<RunDetail, 'id' | 'name' | 'epochs'>;
  /** Every snapshot's maps (one response per snapshot, in order), each holding the input. */
  steps: { epoch: number; maps: ActivationMaps }[];
  /** The input's test-set index. */
  input: number;
  mode: MapMode;
  fps: number;
}

export function activationGifName(run: Pick<RunDetail, 'id' | 'name'>, input: number, mode: MapMode): string {
  const slug = run.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || `run-${run.id}`;
  return `${slug}-activations-${input}${mode === 'diff' ? '-diff' : ''}.gif`;
}

export function makeActivationGif(req: ActivationGifRequest): Uint8Array<ArrayBuffer> {
  const first = req.steps[0]?.maps;
  const k = first ? first.indices.indexOf(req.input) : -1;
  if (!first || k < 0) throw new Error(`test image ${req.input} is not among the maps to export`);
  const title = `${req.run.name} · #${req.input} ${first.classes[first.labels[k]!]}`;
  const frames = activationFrames(req.steps, k, { mode: req.mode, title, epochs: req.run.epochs, classes: first.classes });
  return encodeGif(frames, { fps: req.fps, theme: theme.value }) as Uint8Array<ArrayBuffer>;
}

/** Makes the GIF and hands it to the shell; returns where it went (null: cancelled). */
export function exportActivationGif(api: ApiClient, shell: AppInfo['shell'], req: ActivationGifRequest): Promise<string | null> {
  return deliverGif(api, shell, activationGifName(req.run, req.input, req.mode), makeActivationGif(req));
}
