/**
 * The run page: which run, layer and snapshot are shown, how (colour map, scale, layout, zoom, diff),
 * and the player with its series cache (`useSeriesPlayer`). A layer's series is fetched once and sliced,
 * so scrubbing and playing never wait on the disk; a running run's new snapshots are appended as they come.
 */
import type { LayerName, RunDetail, SnapshotInfo, TensorName } from '@contract/api.ts';
import { DEFAULT_ZOOM, layerView, renderStep, type LayerView } from '@render/animation.ts';
import type { DiffRef } from '@render/diff.ts';
import type { LayoutKind } from '@render/layout.ts';
import type { ColormapName } from '@render/palette.ts';
import type { ScaleMode } from '@render/scale.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef } from 'vue';
import { useApi } from '../lib/context.ts';
import { clampIndex } from '../lib/playback.ts';
import { useSeriesPlayer } from '../lib/useSeriesPlayer.ts';

export type DiffMode = 'none' | 'prev' | 'init' | 'seq';

export const ZOOMS = [1, 2, 3, 4, 6, 8, 12, 16, 24] as const;

export const kernelOf = (layer: LayerName): TensorName => `${layer}/kernel`;

export const useViewerStore = defineStore('viewer', () => {
  const api = useApi();

  const run = shallowRef<RunDetail | null>(null);
  const error = ref<string | null>(null);
  const layer = ref<LayerName>('conv1');
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

  const snapshots = computed<SnapshotInfo[]>(() => run.value?.snapshots ?? []);
  /** Position: in the layer's series (= in `run.snapshots`, which hold the same seqs in order). */
  const player = useSeriesPlayer(() => count.value);
  const { index, playing, loop, fps, series, loading } = player;
  const current = computed(() => (run.value && player.seriesOf(run.value.id, kernelOf(layer.value))) ?? null);
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
      player.keepRuns([]);
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
    if (run.value) await player.fetchSeries([{ run: run.value, tensor: kernelOf(l) }]);
  }

  /** A running run stored a snapshot or changed status: fetch its details and the shown layer's new weights. */
  async function refresh(): Promise<void> {
    const r = run.value;
    if (!r) return;
    const followNewest = player.atEnd();
    run.value = markRaw(await api.call('runs.get', { id: r.id }));
    await loadLayer(layer.value);
    // Following the newest epoch while training is the natural thing; a person scrubbing back is left alone.
    if (followNewest && !playing.value) index.value = count.value - 1;
  }

  function setLayer(l: LayerName): void {
    layer.value = l;
    layout.value = undefined;
    zoom.value = DEFAULT_ZOOM[l];
    void loadLayer(l).catch((err: Error) => (error.value = err.message));
  }

  return {
    run, error, layer, index, colormap, scaleMode, layout, zoom, diff, diffSeq, outlineTop, playing, loop, fps,
    series, loading, snapshots, current, count, snapshot, diffRef, view, picture,
    open, loadLayer, refresh, setLayer, seek: player.seek, toggle: player.toggle, close: player.stop,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useViewerStore, import.meta.hot));
