/**
 * The run page: which run, layer and snapshot are shown, how (colour map, scale, layout, zoom, diff),
 * and the player with the weights it plays (`useSeriesPlayer`). The fixed scale and the legend come
 * from the layer's stored statistics; a layer switch fetches the snapshot on screen first and draws it,
 * and the rest of the series follows in the background. A running run's new snapshots join as they come.
 */
import { LAYERS, type LayerName, type RunDetail, type SnapshotInfo, type TensorName } from '@contract/api.ts';
import { DEFAULT_ZOOM, layerView, renderFrame, statsScale, type LayerView } from '@render/animation.ts';
import { refSeq, type DiffRef } from '@render/diff.ts';
import { defaultLayout, layoutFor, type LayoutKind } from '@render/layout.ts';
import type { ColormapName } from '@render/palette.ts';
import { scaleFor, type Scale, type ScaleMode } from '@render/scale.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { useApi } from '../lib/context.ts';
import { useSeriesPlayer } from '../lib/useSeriesPlayer.ts';
import { cacheKey, type Focus } from '../lib/weightCache.ts';

export type DiffMode = 'none' | 'prev' | 'init' | 'seq';

export const ZOOMS = [1, 2, 3, 4, 6, 8, 12, 16, 24] as const;

export const kernelOf = (layer: LayerName): TensorName => `${layer}/kernel`;
/** Bytes of one snapshot of a tensor of this shape. */
export const tensorBytes = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1) * 4;

export const useViewerStore = defineStore('viewer', () => {
  const api = useApi();

  const run = shallowRef<RunDetail | null>(null);
  const error = ref<string | null>(null);
  const layer = ref<LayerName>('conv1');
  const colormap = ref<ColormapName>('study');
  const scaleMode = ref<ScaleMode>('layer');
  /** undefined: the layer's usual picture. */
  const layout = ref<LayoutKind | undefined>(undefined);
  /** Blocks of kernel rows side by side (conv2's grid), set by the page to fill its width. */
  const columns = ref<number | undefined>(undefined);
  const zoom = ref(DEFAULT_ZOOM.conv1);
  const diff = ref<DiffMode>('none');
  /** The chosen reference snapshot when `diff` is 'seq'. */
  const diffSeq = ref(0);
  /** In diff mode, how many of the most-changed filters are outlined. */
  const outlineTop = ref(5);

  const snapshots = computed<SnapshotInfo[]>(() => run.value?.snapshots ?? []);
  const seqs = computed(() => snapshots.value.map((s) => s.seq));
  const tensor = computed(() => kernelOf(layer.value));
  const shape = computed(() => run.value?.tensors.find((t) => t.name === tensor.value)?.shape ?? null);
  const diffRef = computed<DiffRef | null>(() =>
    diff.value === 'none' ? null : diff.value === 'seq' ? { seq: diffSeq.value } : diff.value,
  );
  /** The snapshots position i draws: its own, and its diff reference's. */
  const needed = (i: number): number[] => {
    const s = seqs.value;
    if (i < 0 || i >= s.length) return [];
    const ref = diffRef.value && s.includes(diffSeq.value) ? refSeq(s, i, diffRef.value) : undefined;
    return ref === undefined || ref === s[i] ? [s[i]!] : [s[i]!, ref];
  };
  const weightsAt = (seq: number | undefined) => (run.value && seq !== undefined ? player.tensorAt(run.value.id, tensor.value, seq) : undefined);

  const player = useSeriesPlayer({
    count: () => snapshots.value.length,
    ready: (i) => needed(i).every((seq) => weightsAt(seq) !== undefined),
  });
  player.follow((at) => {
    const r = run.value;
    if (!r || !shape.value || r.snapshots.length === 0) return [];
    const shown: Focus = { key: cacheKey(r.id, tensor.value), seqs: seqs.value, at, bytes: tensorBytes(shape.value), urgent: needed(at) };
    // While nothing plays, the other layers' snapshot at the position too, right after the one on screen
    // and before the rest of its series (about 1.8 MB in all): a switch to them then only draws.
    const others: Focus[] = player.playing.value
      ? []
      : r.tensors
          .filter((t) => t.name !== tensor.value && LAYERS.some((l) => kernelOf(l) === t.name))
          .map((t) => ({ key: cacheKey(r.id, t.name), seqs: [seqs.value[at]!], at: 0, bytes: tensorBytes(t.shape), urgent: [seqs.value[at]!], soon: true }));
    return [shown, ...others];
  });
  const { index, playing, loop, fps, waiting, busy } = player;

  /** The snapshot on the scrubber. */
  const snapshot = computed(() => snapshots.value[index.value] ?? null);
  const stats = computed(() => (run.value ? (player.statsOf(run.value.id, tensor.value) ?? null) : null));

  /** "− epoch": its scale is not in the statistics; the main side works it out (for the reference it was asked for). */
  const seqScale = shallowRef<{ key: string; scale: Scale } | null>(null);
  const seqScaleKey = computed(() => (run.value && diff.value === 'seq' ? `${run.value.id}|${tensor.value}|${diffSeq.value}|${seqs.value.length}` : null));
  watch(seqScaleKey, async (key) => {
    const r = run.value;
    if (!key || !r || !seqs.value.includes(diffSeq.value)) return;
    try {
      const { filterMaxAbs } = await api.call('weights.diffScale', {
        tensor: tensor.value, a: { runId: r.id, seqs: seqs.value }, b: { runId: r.id, seqs: seqs.value.map(() => diffSeq.value) },
      });
      if (seqScaleKey.value === key) seqScale.value = markRaw({ key, scale: scaleFor([filterMaxAbs.length], filterMaxAbs, 'layer') });
    } catch (err) {
      error.value = (err as Error).message;
    }
  });

  /** Everything that does not change with the epoch: the layer's picture and its fixed scale. */
  const view = computed<LayerView | null>(() => {
    const s = stats.value;
    const ref = diffRef.value;
    if (!s || (ref && typeof ref === 'object' && !s.seqs.includes(ref.seq))) return null;
    const scale = ref && typeof ref === 'object' ? (seqScale.value?.key === seqScaleKey.value ? seqScale.value?.scale : null) : statsScale([s], ref ?? 'none');
    if (!scale) return null;
    return markRaw(
      layerView([s.shape], scale, {
        layer: layer.value,
        colormap: colormap.value,
        scaleMode: scaleMode.value,
        layout: layout.value,
        columns: columns.value,
        // Drawn at 1 cell per weight and enlarged by the canvas's CSS (nearest-neighbour, so just as
        // sharp): upscaling conv2's 36,000 cells to 580,000 pixels per epoch step cost most of a frame.
        zoom: 1,
        diff: ref ?? 'none',
        outlineTop: ref ? outlineTop.value : 0,
      }),
    );
  });
  /** The shown snapshot's weights and its reference's, when both are in memory. */
  const weights = computed(() => weightsAt(seqs.value[index.value]));
  const refWeights = computed(() => {
    const [, ref] = needed(index.value);
    return ref === undefined ? weights.value : weightsAt(ref);
  });
  /** The picture of the snapshot on the scrubber; null while its weights are on the way (never another snapshot's). */
  const picture = computed(() => {
    const v = view.value;
    const w = weights.value;
    if (!v || !w || (diffRef.value && !refWeights.value)) return null;
    return markRaw(renderFrame(v, 0, w, refWeights.value));
  });
  /** Per position: whether its weights are in memory (the scrubber shows it). */
  const loaded = computed(() => {
    const have = run.value ? player.loadedSeqs(run.value.id, tensor.value) : new Set<number>();
    return seqs.value.map((s) => have.has(s));
  });

  /** Opens a run at snapshot `seq` (default: its last), so that the first fetch is the snapshot shown. */
  async function open(id: number, seq?: number): Promise<void> {
    if (run.value?.id !== id) {
      player.keepRuns([]);
      run.value = null;
    }
    error.value = null;
    try {
      run.value = markRaw(await api.call('runs.get', { id }));
      const at = seq === undefined ? -1 : seqs.value.indexOf(seq);
      player.seek(at >= 0 ? at : snapshots.value.length - 1);
      prepareLayouts(run.value);
      await loadLayer(layer.value);
      // The other layers' statistics too (a few numbers a snapshot), for a quick switch. (Should this
      // fail, choosing that layer asks again, and says why.)
      const r = run.value;
      void player.loadStats(LAYERS.filter((l) => l !== layer.value).map((l) => ({ run: r, tensor: kernelOf(l) }))).catch(() => undefined);
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /**
   * Works out, once the page is idle, where each layer's weights go on its picture (fc1's 400,000 cells
   * take a while the first time), so that switching to a layer later only fetches and draws.
   */
  function prepareLayouts(r: RunDetail): void {
    const prepare = () => {
      for (const l of LAYERS) {
        const t = r.tensors.find((x) => x.name === kernelOf(l));
        if (t) layoutFor(t.shape, defaultLayout(l, t.shape));
      }
    };
    if (typeof requestIdleCallback === 'function') requestIdleCallback(prepare);
    else setTimeout(prepare, 0);
  }

  /** The layer's statistics (its scale, legend and change heat map); its snapshots follow by themselves. */
  async function loadLayer(l: LayerName): Promise<void> {
    if (run.value) await player.loadStats([{ run: run.value, tensor: kernelOf(l) }]);
  }

  /** A running run stored a snapshot or changed status (or was deleted): its details, and the layer's new statistics. */
  async function refresh(): Promise<void> {
    const r = run.value;
    if (!r) return;
    const followNewest = player.atEnd();
    try {
      run.value = markRaw(await api.call('runs.get', { id: r.id }));
    } catch (err) {
      player.stop();
      error.value = `${(err as Error).message}: this run is gone (deleted, or its database changed).`;
      return;
    }
    await loadLayer(layer.value);
    // Following the newest epoch while training is the natural thing; a person scrubbing back is left alone.
    if (followNewest && !playing.value) index.value = snapshots.value.length - 1;
  }

  function setLayer(l: LayerName): void {
    layer.value = l;
    layout.value = undefined;
    zoom.value = DEFAULT_ZOOM[l];
    void loadLayer(l).catch((err: Error) => (error.value = err.message));
  }

  return {
    run, error, layer, index, colormap, scaleMode, layout, columns, zoom, diff, diffSeq, outlineTop, playing, loop, fps, waiting,
    busy, loadError: player.loadError, snapshots, seqs, shape, snapshot, stats, diffRef, view, weights, refWeights, picture, loaded,
    open, loadLayer, refresh, setLayer, seek: player.seek, toggle: player.toggle, close: player.stop,
    exportSource: player.exportSource,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useViewerStore, import.meta.hot));
