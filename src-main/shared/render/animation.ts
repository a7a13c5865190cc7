/**
 * A layer of one or more runs over time, drawn the same way on screen and in a GIF. The page builds a
 * `LayerView` once per (runs, layer, options) and draws snapshot i with `renderStep`; every GIF (the run
 * page's, the compare view's, `weightlapse export-gif`) comes from `animationGif`, whose frames
 * (`animationFrames`) are drawn with the same `renderStep`, with caption and legend added.
 */
import type { LayerName, RunDetail, SnapshotInfo, TensorSeries } from '../../../src-preload/api.ts';
import { diffSeries, filterChange, refIndex, tensorAt, topFilters, type DiffRef } from './diff.ts';
import { composeFrame, frameWidth, type Frame, type FrameSpec } from './frame.ts';
import { encodeGif, type GifOptions } from './gif.ts';
import { defaultLayout, layoutsFor, type LayoutKind } from './layout.ts';
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
  /** Per run: the stored weights and what is drawn (the weights, or their differences). */
  runs: { series: TensorSeries; drawn: TensorSeries; layout: LayoutKind }[];
  /** One scale for the whole animation and every run. */
  scale: Scale;
}

export function layerView(series: readonly TensorSeries[], options: ViewOptions): LayerView {
  if (series.length === 0) throw new Error('layerView: no runs');
  const diff = options.diff ?? 'none';
  const mode = options.scaleMode ?? 'layer';
  const { layout } = options;
  if (layout && !series.some((s) => layoutsFor(s.shape).includes(layout))) {
    const s = series[0]!;
    throw new Error(`layout '${layout}' does not fit ${options.layer} of shape [${s.shape.join(', ')}] (fits: ${layoutsFor(s.shape).join(', ')})`);
  }
  // In a comparison, a run whose shape does not take the layout gets its usual one (an RGB composite, though,
  // cannot share a palette with colour-mapped runs: refused below).
  const runs = series.map((s) => {
    const fits = options.layout && layoutsFor(s.shape).includes(options.layout);
    return {
      series: s,
      drawn: diff === 'none' ? s : diffSeries(s, diff),
      layout: fits ? options.layout! : defaultLayout(options.layer, s.shape),
    };
  });
  if (new Set(runs.map((r) => r.layout === 'rgb')).size > 1) {
    throw new Error('the RGB composite needs colour inputs in every run compared; choose another layout');
  }
  const scale = mergeScales(runs.map((r) => scaleFor(r.drawn.shape, r.drawn.data, mode)));
  return { options, runs, scale };
}

/** The filters to outline at position i of a run (diff mode with outlineTop only). */
export function changedFilters(view: LayerView, run: number, i: number): number[] {
  const { diff = 'none', outlineTop = 0 } = view.options;
  if (diff === 'none' || outlineTop <= 0) return [];
  const { series } = view.runs[run]!;
  const change = filterChange(series.shape, tensorAt(series, i), tensorAt(series, refIndex(series, i, diff)));
  return topFilters(change, outlineTop);
}

/** Snapshot at position i of run `run`, as drawn on screen and in the GIF. */
export function renderStep(view: LayerView, run: number, i: number): RenderedTensor {
  const r = view.runs[run]!;
  return renderIndices(tensorAt(r.drawn, i), r.drawn.shape, view.options.layer, {
    colormap: view.options.colormap,
    scale: view.scale,
    layout: r.layout,
    columns: view.options.columns,
    zoom: view.options.zoom,
    outline: changedFilters(view, run, i),
  });
}

export interface AnimationRun {
  series: TensorSeries;
  /** The run's snapshots (at least those in the series), for epochs and accuracy. */
  snapshots: readonly Pick<SnapshotInfo, 'seq' | 'epoch' | 'metrics'>[];
  /** Planned epochs, for "epoch 7/29" (default: the last stored epoch). */
  epochs?: number;
  /** Shown above the run's column when several runs are exported together. */
  name?: string;
}

/** What an animation needs of a stored run, with the layer's series. */
export function animationRun(run: Pick<RunDetail, 'snapshots' | 'epochs' | 'name'>, series: TensorSeries): AnimationRun {
  return { series, snapshots: run.snapshots, epochs: run.epochs, name: run.name };
}

export interface AnimationOptions extends ViewOptions {
  /** Epoch range, inclusive (default: every stored snapshot). */
  from?: number;
  to?: number;
  caption?: boolean;
  legend?: boolean;
  textScale?: number;
}

export interface Animation {
  frames: Frame[];
  /** The epoch each frame shows. */
  epochs: number[];
  scale: Scale;
}

export const formatEpoch = (e: number): string => (Number.isInteger(e) ? String(e) : String(Number(e.toFixed(2))));
const formatAccuracy = (a: number | null | undefined) => (a == null ? null : `${(a * 100).toFixed(1)}%`);

/**
 * Every frame of an animation: one per stored epoch in range (across runs, the union of their epochs;
 * a run that has ended holds its last snapshot), each with caption, run labels and legend.
 */
export function animationFrames(runs: readonly AnimationRun[], options: AnimationOptions): Animation {
  const view = layerView(
    runs.map((r) => r.series),
    options,
  );
  const epochOf = runs.map((r) => {
    const bySeq = new Map(r.snapshots.map((s) => [s.seq, s]));
    return r.series.seqs.map((seq) => {
      const snap = bySeq.get(seq);
      if (!snap) throw new Error(`snapshot ${seq} has weights but no metrics`);
      return snap;
    });
  });
  const from = options.from ?? -Infinity;
  const to = options.to ?? Infinity;
  const epochs = [...new Set(epochOf.flat().map((s) => s.epoch))].filter((e) => e >= from && e <= to).sort((a, b) => a - b);
  if (epochs.length === 0) {
    const stored = epochOf.flat().map((s) => s.epoch);
    throw new Error(
      `no snapshots between epochs ${options.from ?? 'start'} and ${options.to ?? 'end'} (stored: ${formatEpoch(Math.min(...stored))}–${formatEpoch(Math.max(...stored))})`,
    );
  }
  const total = Math.max(...runs.map((r, j) => r.epochs ?? Math.max(...epochOf[j]!.map((s) => s.epoch))));
  const compare = runs.length > 1;
  const mayHold = new Set(epochOf.map((snaps) => snaps.at(-1)!.epoch)).size > 1;
  const diff = options.diff ?? 'none';
  const title = `${options.layer}${diff === 'none' ? '' : ` Δ vs ${typeof diff === 'string' ? diff : `snapshot ${diff.seq}`}`}`;

  const specs: FrameSpec[] = epochs.map((t) => {
    const panels: RenderedTensor[] = [];
    const labels: string[] = [];
    let accuracy: string | null = null;
    runs.forEach((r, j) => {
      // The last snapshot at or before t: a run that has ended holds its last frame.
      const snaps = epochOf[j]!;
      let i = 0;
      while (i + 1 < snaps.length && snaps[i + 1]!.epoch <= t) i++;
      panels.push(renderStep(view, j, i));
      const acc = formatAccuracy(snaps[i]!.metrics.testAccuracy);
      accuracy = acc;
      const held = snaps[i]!.epoch < t ? `ended at ${formatEpoch(snaps[i]!.epoch)}` : null;
      // A run that ends early gets a third line, in every frame, so that all frames have one size.
      labels.push([r.name ?? `run ${j + 1}`, acc ?? '', ...(mayHold ? [held ?? ''] : [])].join('\n'));
    });
    const caption = [title, `epoch ${formatEpoch(t)}/${formatEpoch(total)}`, !compare && accuracy ? `test acc ${accuracy}` : null]
      .filter(Boolean)
      .join(' · ');
    return {
      palette: panels[0]!.palette,
      panels,
      labels: compare ? labels : undefined,
      caption: options.caption === false ? undefined : caption,
      legend: options.legend === false ? undefined : { max: view.scale.max, mode: view.scale.mode },
      textScale: options.textScale,
    };
  });
  // Captions differ in length from frame to frame; every frame takes the widest one's size.
  const minWidth = Math.max(...specs.map(frameWidth));
  return { frames: specs.map((s) => composeFrame({ ...s, minWidth })), epochs, scale: view.scale };
}

export interface AnimatedGif {
  bytes: Uint8Array<ArrayBuffer>;
  width: number;
  height: number;
  /** The epoch of each frame. */
  epochs: number[];
}

/** The animation as an animated GIF: the one function behind every GIF export. */
export function animationGif(runs: readonly AnimationRun[], options: AnimationOptions, gif: GifOptions = {}): AnimatedGif {
  const animation = animationFrames(runs, options);
  const first = animation.frames[0]!;
  // gifenc hands back a fresh array over its own ArrayBuffer (never a shared one).
  const bytes = encodeGif(animation.frames, gif) as Uint8Array<ArrayBuffer>;
  return { bytes, width: first.width, height: first.height, epochs: animation.epochs };
}
