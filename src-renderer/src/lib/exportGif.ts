/**
 * "Export GIF" from the run page: the same render module draws the frames (so the file shows what the
 * screen showed), gifenc encodes them, and the host delivers the file: the desktop app asks where to
 * save it, a browser downloads it.
 */
import type { ApiClient, AppInfo, RunDetail, TensorSeries } from '@contract/api.ts';
import { animationFrames, type ViewOptions } from '@render/animation.ts';
import { encodeGif } from '@render/gif.ts';

export interface GifRequest {
  run: RunDetail;
  series: TensorSeries;
  view: ViewOptions;
  fps: number;
}

export function gifName(run: Pick<RunDetail, 'id' | 'name'>, view: Pick<ViewOptions, 'layer' | 'diff'>): string {
  const slug = run.name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || `run-${run.id}`;
  const diff = !view.diff || view.diff === 'none' ? '' : typeof view.diff === 'string' ? `-diff-${view.diff}` : `-diff-${view.diff.seq}`;
  return `${slug}-${view.layer}${diff}.gif`;
}

export function makeGif(req: GifRequest): Uint8Array<ArrayBuffer> {
  const animation = animationFrames([{ series: req.series, snapshots: req.run.snapshots, epochs: req.run.epochs, name: req.run.name }], req.view);
  // gifenc hands back a fresh array over its own ArrayBuffer (never a shared one).
  return encodeGif(animation.frames, { fps: req.fps }) as Uint8Array<ArrayBuffer>;
}

/** Saves or downloads the GIF; returns where it went (a path, the file name, or null when cancelled). */
export async function exportGif(api: ApiClient, host: AppInfo['host'], req: GifRequest): Promise<string | null> {
  return deliverGif(api, host, gifName(req.run, req.view), makeGif(req));
}

/** Hands encoded GIF bytes to the host (also used by the compare view); returns where they went. */
export async function deliverGif(api: ApiClient, host: AppInfo['host'], name: string, bytes: Uint8Array<ArrayBuffer>): Promise<string | null> {
  if (host === 'desktop') return (await api.call('files.saveGif', { suggestedName: name, bytes }))?.path ?? null;
  const url = URL.createObjectURL(new Blob([bytes], { type: 'image/gif' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}
