/**
 * Which key presses the page's own shortcuts may take: single keys only, so they never clash with the
 * browser's or the desktop menu's Ctrl/Cmd shortcuts, and never while the person types or is in a dialog.
 */

/** Minimal view of a keydown, so the rule is testable without a DOM. */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  target: EventTarget | null;
}

interface ElementLike {
  tagName: string;
  type?: string;
  isContentEditable?: boolean;
  closest?(selector: string): unknown;
}

/** Typing in a field, or choosing in a menu, is not a command; a range slider is the player's own. */
export function isTyping(target: EventTarget | null): boolean {
  const t = target as ElementLike | null;
  if (!t || typeof t.tagName !== 'string') return false;
  if (t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable) return true;
  return t.tagName === 'INPUT' && t.type !== 'range';
}

/** True when a shortcut of the page may act on this key press. */
export function isShortcut(e: KeyPress): boolean {
  if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target)) return false;
  // A modal (a filter opened large, a confirmation) keeps its keys.
  return !(e.target as ElementLike | null)?.closest?.('dialog');
}

/** The shortcuts, as the help overlay lists them; `where` says on which pages they act. */
export const SHORTCUTS: readonly { keys: string[]; what: string; where?: string }[] = [
  { keys: ['Space'], what: 'play / pause', where: 'run, compare' },
  { keys: ['←', '→'], what: 'previous / next snapshot (Shift: 5 at a time)', where: 'run, compare' },
  { keys: ['Home', 'End'], what: 'first / last snapshot', where: 'run, compare' },
  { keys: ['g'], what: 'export the view as an animated GIF', where: 'run, compare' },
  { keys: ['+', '−', '↑', '↓', '←', '→', '0'], what: 'with the data map focused: zoom in / out, pan, reset its view (wheel zooms, Shift+drag pans)', where: 'run, compare' },
  { keys: ['r'], what: "show a layer's weights / what its units respond to (optimised inputs)", where: 'run' },
  { keys: ['n'], what: 'new run' },
  { keys: ['?'], what: 'this help' },
  { keys: ['Esc'], what: 'close a dialog or this help' },
];
