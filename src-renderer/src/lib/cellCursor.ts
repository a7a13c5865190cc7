/**
 * A keyboard cursor over a picture's cells (a weight grid, an activation row), so that what the mouse
 * reads by hovering can be read without one: the arrow keys move it (Shift: 5 cells), skipping the gaps
 * between filters or maps, Enter or Space picks what is under it. The canvases show it as a focus ring
 * and report it as they report a hover, so the page's readout (an aria-live region) says the value.
 */

import { computed, ref } from 'vue';

export interface Cell {
  x: number;
  y: number;
}

const STEPS: Record<string, Cell> = { ArrowLeft: { x: -1, y: 0 }, ArrowRight: { x: 1, y: 0 }, ArrowUp: { x: 0, y: -1 }, ArrowDown: { x: 0, y: 1 } };

/**
 * The cell the cursor moves to from `at` on `key` in a `width`×`height` picture where `occupied` says
 * which cells hold a value: `by` cells on, then on to the next occupied one in that direction; where
 * there is none before the edge, it stays. Null for a key that is not an arrow.
 */
export function moveCell(at: Cell, key: string, by: number, width: number, height: number, occupied: (c: Cell) => boolean): Cell | null {
  const step = STEPS[key];
  if (!step) return null;
  let c = { x: at.x + step.x * by, y: at.y + step.y * by };
  while (c.x >= 0 && c.y >= 0 && c.x < width && c.y < height) {
    if (occupied(c)) return c;
    c = { x: c.x + step.x, y: c.y + step.y };
  }
  return at;
}

/** The first occupied cell, row by row: where the cursor starts when the picture gets the focus. */
export function firstCell(width: number, height: number, occupied: (c: Cell) => boolean): Cell | null {
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) if (occupied({ x, y })) return { x, y };
  return null;
}

/**
 * The cursor of one canvas: `size` is its picture's cells (null while nothing is drawn), `hitAt` what is at
 * a cell (null in a gap). Gives the key and focus handlers and where to draw the ring, and reports the hit
 * under the cursor through `hover` and a pick through `pick`, as the mouse does.
 */
export function useCellCursor<H>(
  size: () => { width: number; height: number } | null,
  hitAt: (c: Cell) => H | null,
  hover: (hit: H | null) => void,
  pick: (hit: H) => void,
) {
  const cursor = ref<Cell | null>(null);
  const occupied = (c: Cell) => hitAt(c) !== null;

  function place(c: Cell | null): void {
    cursor.value = c;
    hover(c ? hitAt(c) : null);
  }
  function onFocus(): void {
    const s = size();
    if (!s) return;
    const c = cursor.value;
    place(c && c.x < s.width && c.y < s.height && occupied(c) ? c : firstCell(s.width, s.height, occupied));
  }
  function onBlur(): void {
    cursor.value = null;
    hover(null);
  }
  function onKeydown(e: KeyboardEvent): void {
    const s = size();
    const c = cursor.value;
    if (!s || !c) return;
    const hit = hitAt(c);
    if ((e.key === 'Enter' || e.key === ' ') && hit) pick(hit);
    else {
      const next = moveCell(c, e.key, e.shiftKey ? 5 : 1, s.width, s.height, occupied);
      if (!next) return;
      place(next);
    }
    // The page's own arrow keys step the snapshots: inside the picture they move the cursor.
    e.preventDefault();
    e.stopPropagation();
  }
  /** The ring, in percent of the picture so that it follows the canvas at any shown size. */
  const ring = computed(() => {
    const s = size();
    const c = cursor.value;
    if (!s || !c) return null;
    return { left: `${(c.x / s.width) * 100}%`, top: `${(c.y / s.height) * 100}%`, width: `${100 / s.width}%`, height: `${100 / s.height}%` };
  });
  return { cursor, ring, onFocus, onBlur, onKeydown };
}
