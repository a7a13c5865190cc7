/**
 * What the run page and the compare page share around their player, with one lifecycle: the keys
 * (space, arrows, Home/End, `g` to export), the view state written to the URL a moment after it
 * settles, a reload when a shown run changes, and the GIF export (its busy flag and note), which the
 * desktop menu's Export GIF… starts too.
 */
import { onMounted, onUnmounted, ref, watch, type Ref } from 'vue';
import { useRouter } from 'vue-router';
import { useApi } from './context.ts';
import { isShortcut } from './keys.ts';
import { keyAction } from './playback.ts';
import { setQuery } from './query.ts';

export interface PlayerPageOptions {
  index: Ref<number>;
  /** How many positions the scrubber has. */
  count: () => number;
  playing: Ref<boolean>;
  seek(i: number): void;
  toggle(): void;
  /** True while the page's keys belong to something else (a filter opened large). */
  keysPaused?: () => boolean;
  /** The view state for the URL; undefined while there is nothing to name yet (keep the URL's). */
  urlState: () => Record<string, string | number | undefined> | undefined;
  /** Reloads a run when the core says it changed, if this page shows it. */
  refreshRun(runId: number): Promise<void> | undefined;
  /** Where a failed reload is reported. */
  error: Ref<string | null>;
  /** Makes and delivers the GIF of the current view; resolves to where it went (null: cancelled). */
  makeGif(): Promise<string | null>;
  /** Whether there is a view to export. */
  canExport: () => boolean;
  /** The page's own single-key shortcuts (declared in keys.ts's SHORTCUTS for the help), by key. */
  keys?: Record<string, () => void>;
}

/** Chromium makes history.replaceState cost milliseconds (and throttles floods of it): write the URL once the view settles. */
const URL_DELAY_MS = 250;

export function usePlayerPage(o: PlayerPageOptions): { exporting: Ref<boolean>; exportNote: Ref<string | null>; exportGif: () => Promise<void> } {
  const api = useApi();
  const router = useRouter();
  const exporting = ref(false);
  const exportNote = ref<string | null>(null);

  async function exportGif(): Promise<void> {
    if (exporting.value || !o.canExport()) return;
    exporting.value = true;
    exportNote.value = null;
    try {
      const where = await o.makeGif();
      exportNote.value = where ? `saved ${where}` : null;
    } catch (err) {
      exportNote.value = `export failed: ${(err as Error).message}`;
    } finally {
      exporting.value = false;
    }
  }

  let urlTimer: ReturnType<typeof setTimeout> | undefined;
  watch(o.urlState, (query) => {
    clearTimeout(urlTimer);
    if (query) urlTimer = setTimeout(() => setQuery(router, query), URL_DELAY_MS);
  });

  function onKey(e: KeyboardEvent): void {
    if (!isShortcut(e) || o.keysPaused?.()) return;
    if (e.key === 'g') {
      e.preventDefault();
      void exportGif();
      return;
    }
    const own = o.keys?.[e.key];
    if (own) {
      e.preventDefault();
      own();
      return;
    }
    const action = keyAction(e.key, o.index.value, o.count(), e.shiftKey);
    if (action === null) return;
    e.preventDefault();
    if (action === 'toggle') o.toggle();
    else {
      o.playing.value = false;
      o.seek(action);
    }
  }

  const offs: (() => void)[] = [];
  onMounted(() => {
    window.addEventListener('keydown', onKey);
    offs.push(
      () => window.removeEventListener('keydown', onKey),
      api.on('run.changed', ({ runId }) => void o.refreshRun(runId)?.catch((err: Error) => (o.error.value = err.message))),
      api.on('menu.command', ({ command }) => {
        if (command === 'export-gif') void exportGif();
      }),
    );
  });
  onUnmounted(() => {
    clearTimeout(urlTimer);
    offs.splice(0).forEach((off) => off());
  });

  return { exporting, exportNote, exportGif };
}
