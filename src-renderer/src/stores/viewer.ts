/**
 * The run page: which run, layer and snapshot are shown, how (colour map, scale, layout, zoom, diff),
 * playback, and each layer's whole weight series. A layer's series is fetched once and sliced, so
 * scrubbing and playing never wait on the disk; a running run's new snapshots are appended as they come.
 */
import type { LayerName, RunDetail, SnapshotInfo, TensorName, TensorSeries } from '@contract/api.ts';
import { layerView, renderStep, type LayerView } from '@render/animation.ts';
import type { DiffRef } from '@render/diff.ts';
import type { LayoutKind } from '@render/layout.ts';
import type { ColormapName } from '@render/palette.ts';
import type { ScaleMode } from '@render/scale.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { useApi } from '../lib/context.ts';
import { clampIndex, nextIndex } from '../lib/playback.ts';

export type DiffMode = 'none' | 'prev' | 'init' | 'seq';

/** Zoom that shows each layer whole on a laptop screen: 20 small filters large, fc1's 800×500 matrix 1:1. */
export const DEFAULT_ZOOM: Record<LayerName, number> = { conv1: 12, conv2: 4, fc1: 1, fc2: 2 };
export const ZOOMS = [1, 2, 3, 4, 6, 8, 12, 16, 24] as const;

export const kernelOf = (layer: LayerName): TensorName => `${layer}/kernel`;

/** Appends the snapshots in `more` that `have` lacks (a running run's new epochs). */
export function appendSeries(have: TensorSeries, more: TensorSeries): TensorSeries {
  const size = have.shape.reduce((a, b) => a * b, 1);
  const known = new Set(have.seqs);
  const keep = more.seqs.map((s, i) => [s, i] as const).filter(([s]) => !known.has(s));
  if (keep.length === 0) return have;
  const data = new Float32Array(have.data.length + keep.length * size);
  data.set(have.data);
  keep.forEach(([, i], k) => data.set(more.data.subarray(i * size, (i + 1) * size), have.data.length + k * size));
  return { shape: have.shape, seqs: [...have.seqs, ...keep.map(([s]) => s)], data };
}

export const useViewerStore = defineStore('viewer', () => {
  const api = useApi();

  const run = shallowRef<RunDetail | null>(null);
  const error = ref<string | null>(null);
  const layer = ref<LayerName>('conv1');
  /** Position in the layer's series (= in `run.snapshots`, which hold the same seqs in order). */
  const index = ref(0);
  const colormap = ref<ColormapName>('study');
  const scaleMode = ref<ScaleMode>('layer');
  /** undefined: the layer's usual picture. */
  const layout = ref<LayoutKind | undefined>(undefined);
  const zoom = ref(DEFAULT_ZOOM.conv1);
  const diff = ref<DiffMode>('none');
  /** The chosen reference snapshot when `diff` is 'seq'. */
  const diffSeq = ref(0);
  /** In diff mode, how many of the most-changed filters are outlined. */
  const outlineTop = ref(5);
  const playing = ref(false);
  const loop = ref(true);
  const fps = ref(4);
  /** Per tensor: the whole series; raw (never deep-reactive: megabytes of floats). */
  const series = shallowRef<Partial<Record<TensorName, TensorSeries>>>({});
  const loading = ref<TensorName | null>(null);

  const snapshots = computed<SnapshotInfo[]>(() => run.value?.snapshots ?? []);
  const current = computed(() => series.value[kernelOf(layer.value)] ?? null);
  const count = computed(() => current.value?.seqs.length ?? snapshots.value.length);
  const snapshot = computed(() => {
    const seq = current.value?.seqs[index.value];
    return snapshots.value.find((s) => s.seq === seq) ?? snapshots.value[index.value] ?? null;
  });
  const diffRef = computed<DiffRef | null>(() =>
    diff.value === 'none' ? null : diff.value === 'seq' ? { seq: diffSeq.value } : diff.value,
  );

  /** Everything that does not change with the epoch: the drawn series and the fixed scale. */
  const view = computed<LayerView | null>(() => {
    const s = current.value;
    if (!s || s.seqs.length === 0) return null;
    const ref = diffRef.value;
    if (ref && typeof ref === 'object' && !s.seqs.includes(ref.seq)) return null;
    return markRaw(
      layerView([s], {
        layer: layer.value,
        colormap: colormap.value,
        scaleMode: scaleMode.value,
        layout: layout.value,
        // Drawn at 1 cell per weight and enlarged by the canvas's CSS (nearest-neighbour, so just as
        // sharp): upscaling 36,000 conv2 cells to 580,000 pixels per epoch step cost most of a frame.
        zoom: 1,
        diff: ref ?? 'none',
        outlineTop: ref ? outlineTop.value : 0,
      }),
    );
  });
  const picture = computed(() => (view.value ? markRaw(renderStep(view.value, 0, clampIndex(index.value, count.value))) : null));

  async function open(id: number): Promise<void> {
    if (run.value?.id !== id) {
      series.value = {};
      run.value = null;
    }
    error.value = null;
    try {
      run.value = markRaw(await api.call('runs.get', { id }));
      await loadLayer(layer.value);
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /** Fetches the layer's series once; later calls only fetch snapshots stored since. */
  async function loadLayer(l: LayerName): Promise<void> {
    const r = run.value;
    if (!r) return;
    const tensor = kernelOf(l);
    const have = series.value[tensor];
    const stored = r.snapshots.map((s) => s.seq);
    const missing = have ? stored.filter((s) => !have.seqs.includes(s)) : stored;
    if (have && missing.length === 0) return;
    loading.value = tensor;
    try {
      const got = await api.call('weights.series', have ? { runId: r.id, tensor, seqs: missing } : { runId: r.id, tensor });
      if (run.value?.id !== r.id) return;
      const before = series.value[tensor];
      series.value = { ...series.value, [tensor]: markRaw(before ? appendSeries(before, got) : got) };
    } finally {
      if (loading.value === tensor) loading.value = null;
    }
  }

  /** A running run stored a snapshot or changed status: fetch its details and the shown layer's new weights. */
  async function refresh(): Promise<void> {
    const r = run.value;
    if (!r) return;
    const atEnd = index.value >= count.value - 1;
    run.value = markRaw(await api.call('runs.get', { id: r.id }));
    await loadLayer(layer.value);
    // Following the newest epoch while training is the natural thing; a person scrubbing back is left alone.
    if (atEnd && !playing.value) index.value = count.value - 1;
  }

  function setLayer(l: LayerName): void {
    layer.value = l;
    layout.value = undefined;
    zoom.value = DEFAULT_ZOOM[l];
    void loadLayer(l).catch((err: Error) => (error.value = err.message));
  }

  function seek(i: number): void {
    index.value = clampIndex(i, count.value);
  }

  let timer: ReturnType<typeof setInterval> | null = null;
  function stopTimer(): void {
    if (timer) clearInterval(timer);
    timer = null;
  }
  function tick(): void {
    const next = nextIndex(index.value, count.value, loop.value);
    if (next === null) playing.value = false;
    else index.value = next;
  }
  watch([playing, fps], ([on, rate]) => {
    stopTimer();
    if (!on) return;
    // Pressing play at the last frame starts over, as every video player does.
    if (index.value >= count.value - 1) index.value = 0;
    timer = setInterval(tick, 1000 / rate);
  });
  const toggle = () => (playing.value = !playing.value);

  function close(): void {
    playing.value = false;
    stopTimer();
  }

  return {
    run, error, layer, index, colormap, scaleMode, layout, zoom, diff, diffSeq, outlineTop, playing, loop, fps,
    series, loading, snapshots, current, count, snapshot, diffRef, view, picture,
    open, loadLayer, refresh, setLayer, seek, toggle, close,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useViewerStore, import.meta.hot));
