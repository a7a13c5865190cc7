/**
 * Light or dark: the system's choice (`prefers-color-scheme`) unless the person picked one, which is kept
 * in this profile's localStorage. The resolved theme is `<html data-theme>` (styles.css's variables) and
 * the reactive `theme`, which the canvases, charts and GIF exports draw with.
 */
import type { Theme } from '@render/palette.ts';
import { ref } from 'vue';

export type ThemeChoice = Theme | 'system';
const KEY = 'weightlapse.theme';
/** The system's scheme, once started (nothing here touches the page at import: tests import it without one). */
let system: MediaQueryList | undefined;

function stored(): ThemeChoice {
  const v = localStorage.getItem(KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

/** What the person chose (or 'system'). */
export const themeChoice = ref<ThemeChoice>('system');
/** The theme in use. */
export const theme = ref<Theme>('dark');

function apply(): void {
  theme.value = themeChoice.value === 'system' ? (system?.matches ? 'light' : 'dark') : themeChoice.value;
  document.documentElement.dataset.theme = theme.value;
}

export function chooseTheme(choice: ThemeChoice): void {
  themeChoice.value = choice;
  if (choice === 'system') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, choice);
  apply();
}

/** Applies the stored choice or the system's theme before the page is drawn, and follows the system's while the choice is 'system'. */
export function startTheme(): void {
  system = window.matchMedia('(prefers-color-scheme: light)');
  themeChoice.value = stored();
  apply();
  system.addEventListener('change', apply);
}

/**
 * The colours of lines and their swatches (charts, compared runs), by name: light on the dark theme, deep
 * enough on the light one to read against its pale panels.
 */
const LINE_COLOURS = {
  blue: { dark: '#7fb0ff', light: '#2463c7' },
  orange: { dark: '#ef9a6d', light: '#c4541c' },
  green: { dark: '#6cc28a', light: '#1f8548' },
  yellow: { dark: '#e6b45a', light: '#966800' },
  red: { dark: '#ef7a6d', light: '#c23a2d' },
  purple: { dark: '#d08be0', light: '#8a3ea6' },
  grey: { dark: '#c8ccd2', light: '#59606a' },
} as const;
export type LineColour = keyof typeof LINE_COLOURS;
/** A line colour in the theme in use (read inside a computed, it follows a change of theme). */
export const lineColour = (name: LineColour): string => LINE_COLOURS[name][theme.value];

/** A CSS colour variable of the theme in use, for what is drawn on a canvas (uPlot's axes, the confusion matrix). */
export const cssColour = (name: string): string => getComputedStyle(document.documentElement).getPropertyValue(name).trim();
