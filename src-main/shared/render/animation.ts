/**
 * A layer of one or more runs over time, drawn the same way on screen and in a GIF. A `LayerView` holds
 * what does not change with the snapshot: each run's kernel shape and picture, and one scale fixed over
 * the whole animation (from the stored statistics, never from a scan of the weights). `renderFrame`
 * draws one snapshot's weights with it. Every GIF — the run page's, the compare view's, `weightlapse
 * export-gif` — comes from `animationGif`, which fetches the snapshots from a `WeightSource` one frame
 * at a time (never every frame's tensors at once), draws each with `renderFrame` and adds caption and legend.
 */
import type { LayerName, RunDetail, SnapshotInfo, TensorStats } from '../../../src-preload/api.ts';
import { filterChange, refSeq, topFilters, type DiffRef } from './diff.ts';
import { composeFrame, frameWidth, type Frame, type FrameSpec } from './frame.ts';
import { gifWriter, type GifOptions } from './gif.ts';
import { defaultLayout, layoutFor, layoutsFor, type LayoutKind } from './layout.ts';
import type { ColormapName } from './palette.ts';
import { renderIndices, type RenderedTensor } from './render.ts';
import { mergeScales, scaleFor, type Scale, type ScaleMode } from './scale.ts';

/**
 * The zoom each layer is first shown at, on screen and in an exported GIF: conv1's 20 small filters
 * large, conv2's grid of 5×5 kernels smaller, fc1's 800×500 matrix at one pixel per weight.
 */
export const DEFAULT_ZOOM: Record<LayerName, number> = { conv1: 12, conv2: 4, fc1: 1, fc2: 2 };

export interface ViewOptions {
  layer: LayerName;
  colormap: ColormapName;
  /** Default 'layer'. */
  scaleMode?: ScaleMode;
  /** Default: the layer's usual picture; a layout that does not fit a run's shape falls back to it. */
  layout?: LayoutKind;
  columns?: number;
  zoom?: number;
  /** Draw W_e − W_ref on its own scale. Default 'none'. */
  diff?: 'none' | DiffRef;
  /** In diff mode, outline the k filters with the largest relative change ‖ΔW_f‖/‖W_ref_f‖. */
  outlineTop?: number;
}

export interface LayerView {
  options: ViewOptions;
  /** Per run: its kernel's shape and the picture it is drawn as. */
  runs: { shape: readonly number[]; layout: LayoutKind }[];
  /** One scale for the whole animation and every run. */
  scale: Scale;
}

/** The view of runs whose kernels have these shapes, on `scale` (`statsScale`, or a difference's from `weights.diffScale`). */
export function layerView(shapes: readonly (readonly number[])[], scale: Scale, options: ViewOptions): LayerView {
  if (shapes.length === 0) throw new Error('layerView: no runs');
  const { layout } = options;
  if (layout && !shapes.some((s) => layoutsFor(s).includes(layout))) {
    const s = shapes[0]!;
    throw new Error(`layout '${layout}' does not fit ${options.layer} of shape [${s.join(', ')}] (fits: ${layoutsFor(s).join(', ')})`);
  }
  // In a comparison, a run whose shape does not take the layout gets its usual one (an RGB composite, though,
  // cannot share a palette with colour-mapped runs: refused below).
  const runs = shapes.map((shape) => ({
    shape,
    layout: layout && layoutsFor(shape).includes(layout) ? layout : defaultLayout(options.layer, shape),
  }));
  if (new Set(runs.map((r) => r.layout === 'rgb')).size > 1) {
    throw new Error('the RGB composite needs colour inputs in every run compared; choose another layout');
  }
  return { options, runs, scale: { ...scale, mode: options.scaleMode ?? 'layer' } };
}

/**
 * The fixed scale of runs from their stored statistics: over every snapshot, the largest |w| (or, in
 * diff mode, the largest change since the previous or the first snapshot) per filter. A chosen
 * reference snapshot is not in the statistics: its scale comes from `weights.diffScale`.
 */
export function statsScale(stats: readonly Pick<TensorStats, 'shape' | 'filterMaxAbs' | 'prevMaxAbs' | 'initMaxAbs'>[], diff: ViewOptions['diff'] = 'none'): Scale {
  if (typeof diff === 'object') throw new Error(`the scale of a difference to snapshot ${diff.seq} is not in the statistics`);
  const key = diff === 'prev' ? 'prevMaxAbs' : diff === 'init' ? 'initMaxAbs' : 'filterMaxAbs';
  return mergeScales(stats.map((s) => scaleFor(s.shape, s[key], 'layer')));
}

/** The filters to outline (diff mode with outlineTop only): those that changed most relative to the reference. */
export function changedFilters(view: LayerView, run: number, weights: Float32Array, ref: Float32Array): number[] {
  const { diff = 'none', outlineTop = 0 } = view.options;
  if (diff === 'none' || outlineTop <= 0) return [];
  return topFilters(filterChange(view.runs[run]!.shape, weights, ref), outlineTop);
}

/** One snapshot's weights of run `run` as drawn on screen and in the GIF; in diff mode, `ref` is the reference snapshot's. */
export function renderFrame(view: LayerView, run: number, weights: Float32Array, ref?: Float32Array): RenderedTensor {
  const r = view.runs[run]!;
  const diff = (view.options.diff ?? 'none') !== 'none';
  if (diff && !ref) throw new Error(`${view.options.layer}: a difference needs its reference snapshot's weights`);
  return renderIndices(weights, r.shape, view.options.layer, {
    colormap: view.options.colormap,
    scale: view.scale,
    layout: r.layout,
    columns: view.options.columns,
    zoom: view.options.zoom,
    diffRef: diff ? ref : undefined,
    outline: diff ? changedFilters(view, run, weights, ref!) : [],
  });
}

export interface AnimationRun {
  /** The run's snapshots, each with the layer's weights: their seqs, epochs and accuracy. */
  snapshots: readonly Pick<SnapshotInfo, 'seq' | 'epoch' | 'metrics'>[];
  /** Planned epochs, for "epoch 7/29" (default: the last stored epoch). */
  epochs?: number;
  /** Shown above the run's column when several runs are exported together. */
  name?: string;
}

/** What an animation needs of a stored run. */
export function animationRun(run: Pick<RunDetail, 'snapshots' | 'epochs' | 'name'>): AnimationRun {
  return { snapshots: run.snapshots, epochs: run.epochs, name: run.name };
}

/** The layer's weights of run `run` (an index into the animation's runs) at snapshot `seq`. */
export type WeightSource = (run: number, seq: number) => Float32Array | Promise<Float32Array>;

export interface AnimationOptions {
  /** Epoch range, inclusive (default: every stored snapshot). */
  from?: number;
  to?: number;
  caption?: boolean;
  legend?: boolean;
  textScale?: number;
}

export const formatEpoch = (e: number): string => (Number.isInteger(e) ? String(e) : String(Number(e.toFixed(2))));
const formatAccuracy = (a: number | null | undefined) => (a == null ? null : `${(a * 100).toFixed(1)}%`);

/** The frame at each epoch: per run, which snapshot it shows and its reference, and the texts around the pictures. */
interface FramePlan {
  epoch: number;
  shown: { seq: number; ref?: number }[];
  spec: Omit<FrameSpec, 'panels' | 'palette'>;
}

/**
 * One frame per stored epoch in range (across runs, the union of their epochs; a run that has ended
 * holds its last snapshot), each with caption, run labels and legend, all of one size.
 */
function planFrames(runs: readonly AnimationRun[], view: LayerView, options: AnimationOptions): { plans: FramePlan[]; width: number } {
  if (runs.some((r) => r.snapshots.length === 0)) throw new Error('a run to animate has no snapshots');
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const stored = runs.flatMap((r) => r.snapshots.map((s) => s.epoch));
  const epochs = [...new Set(stored)].filter((e) => e >= from && e <= to).sort((a, b) => a - b);
  if (epochs.length === 0) {
    throw new Error(
      `no snapshots between epochs ${options.from ?? 'start'} and ${options.to ?? 'end'} (stored: ${formatEpoch(Math.min(...stored))}–${formatEpoch(Math.max(...stored))})`,
    );
  }
  const total = Math.max(...runs.map((r) => r.epochs ?? r.snapshots.at(-1)!.epoch));
  const compare = runs.length > 1;
  const mayHold = new Set(runs.map((r) => r.snapshots.at(-1)!.epoch)).size > 1;
  const diff = view.options.diff ?? 'none';
  const title = `${view.options.layer}${diff === 'none' ? '' : ` Δ vs ${typeof diff === 'string' ? diff : `snapshot ${diff.seq}`}`}`;
  const zoom = view.options.zoom ?? 1;
  const panels = view.runs.map((r) => {
    const l = layoutFor(r.shape, r.layout, { columns: view.options.columns });
    return { width: l.width * zoom, height: l.height * zoom };
  });

  const plans = epochs.map((t): FramePlan => {
    const labels: string[] = [];
    let accuracy: string | null = null;
    const shown = runs.map((r, j) => {
      // The last snapshot at or before t: a run that has ended holds its last frame.
      const snaps = r.snapshots;
      let at = 0;
      while (at + 1 < snaps.length && snaps[at + 1]!.epoch <= t) at++;
      const acc = formatAccuracy(snaps[at]!.metrics.testAccuracy);
      accuracy = acc;
      const held = snaps[at]!.epoch < t ? `ended at ${formatEpoch(snaps[at]!.epoch)}` : null;
      // A run that ends early gets a third line, in every frame, so that all frames have one size.
      labels.push([r.name ?? `run ${j + 1}`, acc ?? '', ...(mayHold ? [held ?? ''] : [])].join('\n'));
      const seqs = snaps.map((s) => s.seq);
      return { seq: seqs[at]!, ref: diff === 'none' ? undefined : refSeq(seqs, at, diff) };
    });
    const caption = [title, `epoch ${formatEpoch(t)}/${formatEpoch(total)}`, !compare && accuracy ? `test acc ${accuracy}` : null]
      .filter(Boolean)
      .join(' · ');
    return {
      epoch: t,
      shown,
      spec: {
        labels: compare ? labels : undefined,
        caption: options.caption === false ? undefined : caption,
        legend: options.legend === false ? undefined : { max: view.scale.max, mode: view.scale.mode },
        textScale: options.textScale,
      },
    };
  });
  // Captions differ in length from frame to frame; every frame takes the widest one's size.
  const width = Math.max(...plans.map((p) => frameWidth({ ...p.spec, panels })));
  return { plans, width };
}

export interface Animation {
  /** The epoch of each frame. */
  epochs: number[];
  /**
   * The frames, drawn one at a time as they are asked for, each snapshot fetched from `source` when
   * its frame is drawn; per run only the snapshot shown last and its reference are kept.
   */
  frames: AsyncGenerator<Frame>;
}

/** The animation of `runs` in `view`: its frames in order (checked and planned now, drawn as they are read). */
export function animationFrames(runs: readonly AnimationRun[], view: LayerView, options: AnimationOptions, source: WeightSource): Animation {
  if (runs.length !== view.runs.length) throw new Error(`animationFrames: ${runs.length} runs for a view of ${view.runs.length}`);
  const { plans, width } = planFrames(runs, view, options);
  async function* frames(): AsyncGenerator<Frame> {
    const held = runs.map(() => new Map<number, Float32Array>());
    const weightsAt = async (run: number, seq: number) => held[run]!.get(seq) ?? (await source(run, seq));
    for (const plan of plans) {
      const panels: RenderedTensor[] = [];
      for (const [run, { seq, ref }] of plan.shown.entries()) {
        const weights = await weightsAt(run, seq);
        const refWeights = ref === undefined ? undefined : await weightsAt(run, ref);
        panels.push(renderFrame(view, run, weights, refWeights));
        held[run] = new Map(ref === undefined ? [[seq, weights]] : [[seq, weights], [ref, refWeights!]]);
      }
      yield composeFrame({ ...plan.spec, panels, palette: panels[0]!.palette, minWidth: width });
    }
  }
  return { epochs: plans.map((p) => p.epoch), frames: frames() };
}

export interface AnimatedGif {
  bytes: Uint8Array<ArrayBuffer>;
  width: number;
  height: number;
  /** The epoch of each frame. */
  epochs: number[];
}

/** The animation as an animated GIF, each frame encoded as soon as it is drawn: the one function behind every GIF export. */
export async function animationGif(
  runs: readonly AnimationRun[],
  view: LayerView,
  options: AnimationOptions,
  source: WeightSource,
  gif: GifOptions = {},
): Promise<AnimatedGif> {
  const { epochs, frames } = animationFrames(runs, view, options, source);
  const writer = gifWriter(epochs.length, gif);
  let size = { width: 0, height: 0 };
  for await (const frame of frames) {
    writer.add(frame);
    size = { width: frame.width, height: frame.height };
  }
  return { bytes: writer.finish(), ...size, epochs };
}
