/** Stepping through a run's snapshots: pure, so the player and the keys agree and are tested alone. */

/** The next position when playing, or null when playback should stop at the end. */
export function nextIndex(i: number, count: number, loop: boolean): number | null {
  if (count <= 0) return null;
  if (i + 1 < count) return i + 1;
  return loop ? 0 : null;
}

export function clampIndex(i: number, count: number): number {
  return Math.min(Math.max(0, Math.round(i)), Math.max(0, count - 1));
}

/** Keyboard → new position (or 'toggle' for space); null for keys the player does not own. */
export function keyAction(key: string, i: number, count: number, big = false): number | 'toggle' | null {
  const step = big ? 5 : 1;
  switch (key) {
    case ' ':
      return 'toggle';
    case 'ArrowLeft':
      return clampIndex(i - step, count);
    case 'ArrowRight':
      return clampIndex(i + step, count);
    case 'Home':
      return 0;
    case 'End':
      return Math.max(0, count - 1);
    default:
      return null;
  }
}

export const SPEEDS = [1, 2, 4, 8, 15, 30] as const;
