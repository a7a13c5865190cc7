/**
 * A layer's optimised inputs at every snapshot for the run page's "what it responds to" grid and its GIF
 * (issue "Filters"): asked for when the grid is shown, which schedules on the analysis queue what is not
 * computed yet, reloaded as `analysis.progress` says each snapshot is stored. The steps are the page URL's
 * (`steps`, for quick looks and tests) or FEATUREVIS_STEPS, as in a filter's biography.
 */
import { FEATUREVIS_STEPS, MAX_FEATUREVIS_STEPS, type FilterAnalysis, type FilterLayer, type LayerName, type RunDetail } from '@contract/api.ts';
import { featureVisFrames, featureVisLayout, featureVisTitle } from '@render/featurevis.ts';
import { encodeGif } from '@render/gif.ts';
import { computed, onMounted, onUnmounted, ref, watch, type ComputedRef, type Ref } from 'vue';
import { useRoute } from 'vue-router';
import { useApi } from './context.ts';
import { queryOf } from './query.ts';
import { oneAtATime } from './reload.ts';
import { theme } from './theme.ts';

/** The grid's pixel scale, on the page and in its GIF. */
export const FEATUREVIS_ZOOM = 2;

/** Feature visualization's steps as the page's URL names them (`steps`), else the default. */
export function useFeatureVisSteps(): ComputedRef<number> {
  const route = useRoute();
  return computed(() => {
    const n = Number(queryOf(route).steps);
    return Number.isInteger(n) && n >= 1 && n <= MAX_FEATUREVIS_STEPS ? n : FEATUREVIS_STEPS;
  });
}

/** The optimised inputs of `layer` (null: none to show) while `shown`; `computed` counts the snapshots stored. */
export function useFeatureVis(runId: () => number, layer: () => FilterLayer | null, shown: () => boolean) {
  const api = useApi();
  const steps = useFeatureVisSteps();
  const data = ref<FilterAnalysis | null>(null) as Ref<FilterAnalysis | null>;
  const error = ref<string | null>(null);
  const load = oneAtATime(async () => {
    const l = layer();
    if (!shown() || !l) return;
    const a = await api.call('analyses.filters', { runId: runId(), layer: l, what: ['featurevis'], steps: steps.value });
    // (The layer may have changed while the answer was on its way.)
    if (a.layer === layer()) data.value = a;
    error.value = null;
  }, (message) => (error.value = message));
  watch([layer, shown, steps], () => {
    if (data.value && data.value.layer !== layer()) data.value = null;
    void load();
  });
  let off: (() => void) | undefined;
  onMounted(() => {
    off = api.on('analysis.progress', (p) => {
      if (p.runId === runId() && p.kind === 'featurevis' && shown()) void load();
    });
    void load();
  });
  onUnmounted(() => off?.());
  const computedCount = computed(() => data.value?.featureVis.filter((v) => v !== null).length ?? 0);
  return { data, error, steps, computed: computedCount };
}

/** The grid's GIF over every snapshot, as the page draws it; all must be computed. */
export function featureVisGif(run: Pick<RunDetail, 'name' | 'epochs' | 'inputShape'>, layerName: LayerName, a: FilterAnalysis, fps: number): Uint8Array<ArrayBuffer> {
  const missing = a.featureVis.filter((v) => v === null).length;
  if (missing > 0) throw new Error(`the optimised inputs of ${missing} of ${a.seqs.length} snapshots are still being computed`);
  const steps = a.featureVis.map((units, s) => ({ epoch: a.epochs[s]!, images: units!.map((u) => u.image) }));
  const frames = featureVisFrames(steps, featureVisLayout(run.inputShape, a.units), {
    zoom: FEATUREVIS_ZOOM, title: featureVisTitle(run.name, layerName, a.steps), epochs: run.epochs,
  });
  return encodeGif(frames, { fps, theme: theme.value });
}
