/**
 * The window's size and position, remembered in a small JSON file in the user-data folder. Electron-
 * free (the displays are passed in), so it is unit-tested; a saved position that no longer lies on any
 * display (a monitor was unplugged) is dropped, keeping only the size.
 */
import { readJsonFile, writeJsonFile } from './json-file.ts';

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface WindowState {
  width: number;
  height: number;
  x?: number;
  y?: number;
  maximized: boolean;
}

export const DEFAULT_STATE: WindowState = { width: 1280, height: 820, maximized: false };
const MIN = { width: 720, height: 480 };

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 100_000;

/** Reads the saved state; anything missing, broken or off-screen falls back to defaults. */
export function readWindowState(file: string, workAreas: Rect[]): WindowState {
  const raw = readJsonFile(file) as Record<string, unknown> | undefined;
  if (typeof raw !== 'object' || raw === null) return { ...DEFAULT_STATE };
  const state: WindowState = {
    width: isInt(raw.width) ? Math.max(MIN.width, raw.width) : DEFAULT_STATE.width,
    height: isInt(raw.height) ? Math.max(MIN.height, raw.height) : DEFAULT_STATE.height,
    maximized: raw.maximized === true,
  };
  if (isInt(raw.x) && isInt(raw.y)) {
    const { x, y } = raw;
    // Keep the position only if the title bar's top-left area is on some display.
    const visible = workAreas.some((a) => x + 40 >= a.x && y >= a.y && x + 40 <= a.x + a.width && y + 20 <= a.y + a.height);
    if (visible) Object.assign(state, { x, y });
  }
  return state;
}

/** Writes atomically (temp file, then rename), so a crash mid-write cannot leave half a file. */
export function writeWindowState(file: string, bounds: Rect, maximized: boolean): void {
  const state: WindowState = { ...bounds, maximized };
  writeJsonFile(file, state);
}
