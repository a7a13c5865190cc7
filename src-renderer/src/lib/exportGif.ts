/**
 * "Export GIF" from the run page and the compare view: the shared `animationGif` draws the frames with
 * the render module the screen uses (so the file shows what the screen showed), fetching each snapshot
 * as its frame is drawn, and the shell delivers the file: the desktop app asks where to save it, a
 * browser downloads it.
 */
import type { ApiClient, AppInfo, LayerName, RunDetail } from '@contract/api.ts';
import { animationGif, animationRun, type LayerView, type ViewOptions, type WeightSource } from '@render/animation.ts';
import { theme } from './theme.ts';

export function gifName(run: Pick<RunDetail, 'id' | 'name'>, view: Pick<ViewOptions, 'layer' | 'diff'>): string {
  const slug = run.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || `run-${run.id}`;
  const diff = !view.diff || view.diff === 'none' ? '' : typeof view.diff === 'string' ? `-diff-${view.diff}` : `-diff-${view.diff.seq}`;
  return `${slug}-${view.layer}${diff}.gif`;
}

export const compareGifName = (runs: readonly Pick<RunDetail, 'id'>[], layer: LayerName): string =>
  `compare-${runs.map((r) => r.id).join('-')}-${layer}.gif`;

/** The GIF of one run, or of the compared runs side by side, as `view` draws them with the weights from `source`. */
export async function makeGif(runs: readonly RunDetail[], view: LayerView, source: WeightSource, fps: number): Promise<Uint8Array<ArrayBuffer>> {
  return (await animationGif(runs.map(animationRun), view, {}, source, { fps, theme: theme.value })).bytes;
}

/** Makes the GIF and saves or downloads it; returns where it went (a path, the file name, or null when cancelled). */
export async function exportGif(api: ApiClient, shell: AppInfo['shell'], runs: readonly RunDetail[], view: LayerView, source: WeightSource, fps: number): Promise<string | null> {
  const name = runs.length === 1 ? gifName(runs[0]!, view.options) : compareGifName(runs, view.options.layer);
  return deliverGif(api, shell, name, await makeGif(runs, view, source, fps));
}

/** Hands encoded GIF bytes to the shell (the weights' GIFs and the activation view's); returns where they went. */
export async function deliverGif(api: ApiClient, shell: AppInfo['shell'], name: string, bytes: Uint8Array<ArrayBuffer>): Promise<string | null> {
  if (shell === 'desktop') return (await api.call('files.saveGif', { suggestedName: name, bytes }))?.path ?? null;
  const url = URL.createObjectURL(new Blob([bytes], { type: 'image/gif' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
