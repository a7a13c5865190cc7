/**
 * The compare view: 2–4 runs, one layer, one shared position on the union of their epochs, one colour
 * scale over every compared run's whole series, optionally run B's filters reordered to match run A's,
 * and run A − run B on its own scale. The player and its series cache are the run page's (`useSeriesPlayer`).
 */
import type { LayerName, RunDetail, TensorName, TensorSeries } from '@contract/api.ts';
import { DEFAULT_ZOOM, layerView, renderStep, type LayerView } from '@render/animation.ts';
import { tensorAt } from '@render/diff.ts';
import { matchFilters, reorderSeries, type FilterMatch } from '@render/match-filters.ts';
import type { ColormapName } from '@render/palette.ts';
import { renderIndices, type RenderedTensor } from '@render/render.ts';
import { scaleFor, type Scale } from '@render/scale.ts';
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, markRaw, ref, shallowRef, watch } from 'vue';
import { compatibility, differenceSeries, positionAt, seriesEpochs, timeline, type Position } from '../lib/compare.ts';
import { useApi } from '../lib/context.ts';
import { clampIndex } from '../lib/playback.ts';
import { useSeriesPlayer } from '../lib/useSeriesPlayer.ts';
import { kernelOf } from './viewer.ts';

/** Layers whose filters can be reordered to match (conv2's inputs then follow conv1's order). */
export const MATCHABLE: readonly LayerName[] = ['conv1', 'conv2'];

const lastTensor = (s: TensorSeries) => tensorAt(s, s.seqs.length - 1);

export const useCompareStore = defineStore('compare', () => {
  const api = useApi();

  const runs = shallowRef<RunDetail[]>([]);
  const error = ref<string | null>(null);
  const layer = ref<LayerName>('conv1');
  const colormap = ref<ColormapName>('study');
  const zoom = ref(DEFAULT_ZOOM.conv1);
  /** Reorder each run's filters to best match the first run's. */
  const match = ref(false);
  /** Show run A − run B (the first two compared runs). */
  const showDiff = ref(true);
  /** Position: on the shared timeline. */
  const player = useSeriesPlayer(() => times.value.length);
  const { index, playing, loop, fps, series, loading } = player;
  const seriesOf = (run: RunDetail, tensor: TensorName): TensorSeries | undefined => player.seriesOf(run.id, tensor);

  const compat = computed(() => compatibility(runs.value, layer.value));
  /**
   * The runs shown side by side (indices into `runs`): those of the layer's shape whose weights have
   * arrived. A queued run (the frozen half of a freeze experiment) joins when it stores its first snapshot.
   */
  const shown = computed(() => compat.value.compared.filter((i) => (seriesOf(runs.value[i]!, kernelOf(layer.value))?.seqs.length ?? 0) > 0));
  /** The shown runs' stored series of the layer, in run order; null when none has any. */
  const stored = computed(() => {
    const list = shown.value.map((i) => seriesOf(runs.value[i]!, kernelOf(layer.value))!);
    return list.length > 0 ? list : null;
  });
  const epochsOf = computed(() => stored.value?.map((s, k) => seriesEpochs(s, runs.value[shown.value[k]!]!.snapshots)) ?? []);
  const times = computed(() => timeline(epochsOf.value));
  const epoch = computed(() => times.value[clampIndex(index.value, times.value.length)] ?? 0);
  const positions = computed<Position[]>(() => epochsOf.value.map((e) => positionAt(e, epoch.value)));

  const matchable = computed(() => MATCHABLE.includes(layer.value) && shown.value.length > 1);
  const matching = computed(() => match.value && matchable.value);
  /** conv2 of run b with its input channels in the order conv1 was matched to run a's (null until conv1 is loaded). */
  function alignInputs(conv2: TensorSeries, a: RunDetail, b: RunDetail): TensorSeries | null {
    const c1a = seriesOf(a, 'conv1/kernel');
    const c1b = seriesOf(b, 'conv1/kernel');
    if (!c1a || !c1b || c1a.shape.join() !== c1b.shape.join()) return null;
    return reorderSeries(conv2, { inputs: matchFilters(c1a.shape, lastTensor(c1a), lastTensor(c1b)).order });
  }
  /** Per compared run, the series whose filters get matched: conv2's inputs first follow conv1's order. */
  const aligned = computed<TensorSeries[] | null>(() => {
    const s = stored.value;
    if (!s || !matching.value || layer.value !== 'conv2') return s;
    const compared = shown.value.map((i) => runs.value[i]!);
    return s.map((own, k) => (k === 0 ? own : (alignInputs(own, compared[0]!, compared[k]!) ?? own)));
  });
  /** Per compared run after the first: how its filters were reordered to match the first's (null: not). */
  const matches = computed<(FilterMatch | null)[]>(() => {
    const a = aligned.value;
    if (!a) return [];
    return a.map((own, k) => (k > 0 && matching.value ? matchFilters(own.shape, lastTensor(a[0]!), lastTensor(own)) : null));
  });
  /** What is drawn per compared run: the stored series, or the matched one. */
  const drawn = computed<TensorSeries[] | null>(() => {
    const a = aligned.value;
    if (!a) return null;
    return a.map((own, k) => {
      const m = matches.value[k];
      return m ? markRaw(reorderSeries(own, { outputs: m })) : own;
    });
  });

  /** Everything that does not change with the epoch: the drawn series and the one shared scale. */
  const view = computed<LayerView | null>(() =>
    drawn.value ? markRaw(layerView(drawn.value, { layer: layer.value, colormap: colormap.value, zoom: 1 })) : null,
  );
  const pictures = computed<RenderedTensor[]>(() =>
    view.value ? positions.value.map((p, k) => markRaw(renderStep(view.value!, k, p.index))) : [],
  );

  const canDiff = computed(() => (drawn.value?.length ?? 0) >= 2);
  /** Run A − run B along the timeline, and its own symmetric scale, fixed over the animation. */
  const difference = computed<{ series: TensorSeries; scale: Scale } | null>(() => {
    const d = drawn.value;
    if (!d || !canDiff.value || !showDiff.value) return null;
    const s = differenceSeries({ series: d[0]!, epochs: epochsOf.value[0]! }, { series: d[1]!, epochs: epochsOf.value[1]! }, times.value);
    return markRaw({ series: s, scale: scaleFor(s.shape, s.data, 'layer') });
  });
  const diffPicture = computed<RenderedTensor | null>(() => {
    const d = difference.value;
    const v = view.value;
    if (!d || !v) return null;
    const at = clampIndex(index.value, times.value.length);
    return markRaw(
      renderIndices(tensorAt(d.series, at), d.series.shape, layer.value, { colormap: colormap.value, scale: d.scale, layout: v.runs[0]!.layout, zoom: 1 }),
    );
  });

  /** Opens a set of runs; keeps the series of runs that stay. */
  async function open(ids: readonly number[]): Promise<void> {
    error.value = null;
    try {
      runs.value = markRaw(await Promise.all(ids.map((id) => api.call('runs.get', { id }))));
      // Keep what was fetched for runs that stay (a run added or removed), drop the rest.
      player.keepRuns(ids);
      await loadLayer(layer.value);
    } catch (err) {
      error.value = (err as Error).message;
    }
  }

  /** The tensors the layer needs: its kernel, and conv1's too when conv2 is matched. */
  const tensorsFor = (l: LayerName): TensorName[] => (l === 'conv2' && match.value ? ['conv2/kernel', 'conv1/kernel'] : [kernelOf(l)]);

  /** Fetches what is missing of each run's series (all of it the first time, new snapshots later). */
  async function loadLayer(l: LayerName): Promise<void> {
    await player.fetchSeries(runs.value.flatMap((run) => tensorsFor(l).map((tensor) => ({ run, tensor }))));
  }

  /** A compared run stored a snapshot or changed status: its details, then the layer's new weights. */
  async function refresh(runId: number): Promise<void> {
    const i = runs.value.findIndex((r) => r.id === runId);
    if (i < 0) return;
    const followNewest = player.atEnd();
    const next = [...runs.value];
    next[i] = await api.call('runs.get', { id: runId });
    runs.value = markRaw(next);
    await loadLayer(layer.value);
    if (followNewest && !playing.value) index.value = times.value.length - 1;
  }

  function setLayer(l: LayerName): void {
    layer.value = l;
    zoom.value = DEFAULT_ZOOM[l];
    void loadLayer(l).catch((err: Error) => (error.value = err.message));
  }
  watch(match, () => void loadLayer(layer.value).catch((err: Error) => (error.value = err.message)));

  /** Moves to the timeline position nearest epoch e. */
  function seekEpoch(e: number): void {
    const t = times.value;
    if (t.length === 0) return;
    let best = 0;
    t.forEach((v, k) => {
      if (Math.abs(v - e) < Math.abs(t[best]! - e)) best = k;
    });
    index.value = best;
  }

  return {
    runs, error, layer, index, colormap, zoom, match, showDiff, playing, loop, fps, series, loading,
    compat, shown, stored, epochsOf, times, epoch, positions, matchable, matching, matches, drawn, view, pictures, canDiff, difference, diffPicture,
    open, loadLayer, refresh, setLayer, seekEpoch, seek: player.seek, toggle: player.toggle, close: player.stop,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useCompareStore, import.meta.hot));
