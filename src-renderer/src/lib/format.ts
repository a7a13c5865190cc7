/** How numbers, times and epochs read on the page: one place, so every table and legend agrees. */
import { runFraction } from '@contract/api.ts';

const dash = '–';

export function percent(x: number | null | undefined, digits = 1): string {
  return x == null || !Number.isFinite(x) ? dash : `${(x * 100).toFixed(digits)}%`;
}

/** A weight or loss: 4 significant digits, exponent only for very small or large magnitudes. */
export function num(x: number | null | undefined, digits = 4): string {
  if (x == null || !Number.isFinite(x)) return dash;
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a < 1e-3 || a >= 1e5 ? x.toExponential(digits - 1) : x.toPrecision(digits);
}

export function integer(x: number | null | undefined): string {
  return x == null || !Number.isFinite(x) ? dash : Math.round(x).toLocaleString('en-US');
}

/** Fractional epochs as stored (0, 0.25, … 1, 2): no trailing zeros. */
export function epochLabel(epoch: number): string {
  return Number.isInteger(epoch) ? String(epoch) : String(Math.round(epoch * 1000) / 1000);
}

/** How much of a whole run a progress message says is done, in whole percent (never 100 before its end). */
export function runPercent(p: Parameters<typeof runFraction>[0]): number {
  return Math.floor(100 * runFraction(p));
}

export function duration(seconds: number | null | undefined): string {
  if (seconds == null || !Number.isFinite(seconds) || seconds < 0) return dash;
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

/** ISO timestamp → "2025-03-01 14:07" in local time. */
export function dateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export function shape(s: readonly number[]): string {
  return s.join('×');
}

/** The fewest decimals that write `step` exactly (0.25 → 2, 0.1 → 1, 5 → 0), up to 8. */
export function decimalsFor(step: number): number {
  for (let d = 0; d < 8; d++) {
    const scaled = Math.abs(step) * 10 ** d;
    if (Math.abs(scaled - Math.round(scaled)) < 1e-6 * Math.max(1, scaled)) return d;
  }
  return 8;
}

/**
 * A chart axis's tick labels. On a linear axis every tick gets the decimals its step needs, so close
 * values (a loss from 2.26 to 2.31) never read "2.3 2.3 2.3"; `percent` writes fractions as percentages.
 * On a log axis each tick is a power of ten (or a small multiple): one significant digit.
 */
export function tickLabels(splits: readonly (number | null)[], step: number, options: { percent?: boolean; log?: boolean } = {}): string[] {
  const k = options.percent ? 100 : 1;
  const suffix = options.percent ? '%' : '';
  const d = decimalsFor(step * k);
  return splits.map((v) => {
    if (v == null) return '';
    if (options.log) return v !== 0 && Math.abs(v) < 1e-3 ? v.toExponential(0) : String(Number(v.toPrecision(1)));
    return `${(v * k).toFixed(d)}${suffix}`;
  });
}

/** The value of a series at position i, or its last one before (a run that stored no snapshot there); null when none. */
export function valueAtOrBefore(values: readonly (number | null)[], i: number): number | null {
  for (let j = Math.min(i, values.length - 1); j >= 0; j--) {
    const v = values[j];
    if (v != null && Number.isFinite(v)) return v;
  }
  return null;
}
