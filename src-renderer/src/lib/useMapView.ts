/**
 * The data map's pan and zoom: wheel (or pinch) zooms about the pointer, a middle-button or Shift+drag pans,
 * and, with the map focused, + / − zoom, the arrows pan and 0 resets. While a gesture goes on, `frame` is
 * asked once per animation frame to show the live view (moving the last drawing); `settled` — the view
 * the points are placed in — follows only once the input has been idle for IDLE_MS, so 60,000 points are
 * placed once per gesture, not once per frame.
 */
import { onUnmounted, shallowRef } from 'vue';
import { FULL_VIEW, panBy, zoomAt, type Plot, type View } from './mapView.ts';

export const IDLE_MS = 100;
/** One arrow key press pans by this many CSS pixels; one + or − zooms by ZOOM_STEP. */
const PAN_STEP = 40;
const ZOOM_STEP = 1.5;

export function useMapView(plot: Plot, frame: (view: View) => void) {
  let view = FULL_VIEW;
  const settled = shallowRef<View>(FULL_VIEW);
  let pending = 0;
  let idle: ReturnType<typeof setTimeout> | undefined;
  function set(next: View): void {
    view = next;
    pending ||= requestAnimationFrame(() => {
      pending = 0;
      frame(view);
    });
    clearTimeout(idle);
    idle = setTimeout(() => (settled.value = view), IDLE_MS);
  }
  onUnmounted(() => {
    cancelAnimationFrame(pending);
    clearTimeout(idle);
  });

  function wheel(e: WheelEvent, x: number, y: number): void {
    e.preventDefault();
    // Lines → pixels; a pinch arrives as a Ctrl-wheel of small steps.
    const delta = e.deltaY * (e.deltaMode === 1 ? 16 : 1) * (e.ctrlKey ? 5 : 1);
    set(zoomAt(view, plot, x, y, Math.exp(-delta * 0.002)));
  }

  let dragging: { id: number; x: number; y: number } | null = null;
  /** True if the press starts a pan (middle button, or Shift with the main one); the lasso takes the rest. */
  function panStart(e: PointerEvent, x: number, y: number): boolean {
    if (!(e.button === 1 || (e.button === 0 && e.shiftKey))) return false;
    dragging = { id: e.pointerId, x, y };
    return true;
  }
  function panMove(e: PointerEvent, x: number, y: number): boolean {
    if (dragging?.id !== e.pointerId) return false;
    set(panBy(view, plot, x - dragging.x, y - dragging.y));
    [dragging.x, dragging.y] = [x, y];
    return true;
  }
  function panEnd(e: PointerEvent): boolean {
    if (dragging?.id !== e.pointerId) return false;
    dragging = null;
    return true;
  }

  /** The map's own keys; the page's (the arrows step the player) do not see them. */
  function key(e: KeyboardEvent): void {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const [cx, cy] = [plot.left + (plot.width - plot.left) / 2, (plot.height - plot.bottom) / 2];
    const act: Record<string, () => View> = {
      '+': () => zoomAt(view, plot, cx, cy, ZOOM_STEP),
      '=': () => zoomAt(view, plot, cx, cy, ZOOM_STEP),
      '-': () => zoomAt(view, plot, cx, cy, 1 / ZOOM_STEP),
      ArrowLeft: () => panBy(view, plot, PAN_STEP, 0),
      ArrowRight: () => panBy(view, plot, -PAN_STEP, 0),
      ArrowUp: () => panBy(view, plot, 0, PAN_STEP),
      ArrowDown: () => panBy(view, plot, 0, -PAN_STEP),
      '0': () => FULL_VIEW,
    };
    const to = act[e.key];
    if (!to) return;
    e.preventDefault();
    e.stopPropagation();
    set(to());
  }

  return { settled, wheel, panStart, panMove, panEnd, key, reset: () => set(FULL_VIEW), live: () => view };
}
