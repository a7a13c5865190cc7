/**
 * What the analysis panels share (the run page's layer strip and rewind map, the linear share on its
 * accuracy chart, the compare view's layers): nothing is asked for until the panel first comes into view —
 * asking schedules background analyses, the heaviest work a page can set off, and a person who opened
 * the page for something else should not wait behind it; one request at a time, and what asks meanwhile
 * (a progress step, a new setting) is answered by one more; a reload on each `analysis.progress` that
 * `onProgress` says is this panel's.
 */
import type { AnalysisProgress } from '@contract/api.ts';
import { onMounted, onUnmounted, type Ref } from 'vue';
import { useApi } from './context.ts';
import { oneAtATime } from './reload.ts';

export function useAnalysisPanel(options: {
  root: Ref<HTMLElement | undefined>;
  /** Asks for what the panel shows. */
  fetch: () => Promise<void>;
  /** Whether a progress event is this panel's (it may keep it, e.g. for a progress line). */
  onProgress: (p: AnalysisProgress) => boolean;
  onError: (err: Error) => void;
}): { load: () => Promise<void> } {
  const api = useApi();
  let shown = false;
  const reload = oneAtATime(options.fetch, (message) => {
    if (message !== null) options.onError(new Error(message));
  });
  async function load(): Promise<void> {
    if (shown) await reload();
  }
  let off: (() => void) | undefined;
  const seen = new IntersectionObserver(([entry]) => {
    if (!entry?.isIntersecting) return;
    seen.disconnect();
    shown = true;
    void load();
  });
  onMounted(() => {
    off = api.on('analysis.progress', (p) => {
      if (options.onProgress(p)) void load();
    });
    if (options.root.value) seen.observe(options.root.value);
  });
  onUnmounted(() => {
    off?.();
    seen.disconnect();
  });
  return { load };
}
