/**
 * The compare view's logic, pure so it is tested alone: one timeline for several runs, which snapshot
 * each run shows on it, which runs a layer can be compared across (and why not), the overlaid metric
 * curves, and the outcome table of the study's freeze experiment.
 */
import { LAYERS, type LayerName, type RunDetail, type SnapshotInfo } from '@contract/api.ts';
import type { LineColour } from './theme.ts';

export const MAX_COMPARED = 4;
/** One colour per compared run, everywhere it appears (column, charts, table). */
export const RUN_COLOURS: readonly LineColour[] = ['blue', 'orange', 'green', 'purple'];

/** `runs=3,7` → [3, 7]: positive ids, no repeats, at most four. */
export function parseRunIds(text: string | undefined): number[] {
  const ids = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => /^[1-9]\d*$/.test(s))
    .map(Number);
  return [...new Set(ids)].slice(0, MAX_COMPARED);
}

/** Every epoch any run stored a snapshot at, in order: the shared scrubber's positions. */
export function timeline(runEpochs: readonly (readonly number[])[]): number[] {
  return [...new Set(runEpochs.flat())].sort((a, b) => a - b);
}

export interface Position {
  /** Index into the run's own snapshots (its series). */
  index: number;
  /** The run ended before this epoch and holds its last snapshot. */
  held: boolean;
}

/** What a run with snapshots at `epochs` (ascending) shows at epoch t: its last snapshot at or before t. */
export function positionAt(epochs: readonly number[], t: number): Position {
  let index = 0;
  while (index + 1 < epochs.length && epochs[index + 1]! <= t) index++;
  return { index, held: epochs.length > 0 && epochs.at(-1)! < t };
}

export const shapeText = (shape: readonly number[]): string => `[${shape.join(',')}]`;

export interface Compatibility {
  /** Indices of the runs whose kernel has the shape of the first run that has one. */
  compared: number[];
  /** Runs of another shape, with why they are left out. */
  excluded: { run: number; reason: string }[];
  /** Runs with no snapshot yet (a queued run): nothing to compare until they store one. */
  waiting: number[];
}

/** Which runs can show `layer` side by side on one scale: those whose kernel shape matches the first run's. */
export function compatibility(runs: readonly Pick<RunDetail, 'tensors'>[], layer: LayerName): Compatibility {
  const shapes = runs.map((r) => r.tensors.find((t) => t.name === `${layer}/kernel`)?.shape);
  const first = shapes.find((s) => s !== undefined);
  const out: Compatibility = { compared: [], excluded: [], waiting: [] };
  shapes.forEach((shape, i) => {
    if (!first || !shape) out.waiting.push(i);
    else if (shapeText(shape) === shapeText(first)) out.compared.push(i);
    else out.excluded.push({ run: i, reason: `${layer} kernels differ: ${shapeText(first)} vs ${shapeText(shape)}` });
  });
  return out;
}

/** One metric of several runs on the shared timeline: null where a run has no snapshot at that epoch. */
export function overlay(
  runs: readonly (readonly SnapshotInfo[])[],
  times: readonly number[],
  pick: (s: SnapshotInfo) => number | null,
): (number | null)[][] {
  return runs.map((snaps) => {
    const byEpoch = new Map(snaps.map((s) => [s.epoch, s]));
    return times.map((t) => {
      const s = byEpoch.get(t);
      return s ? pick(s) : null;
    });
  });
}

export interface Outcome {
  /** The epoch of the run's last snapshot. */
  epoch: number;
  testAccuracy: number | null;
  /** ‖W − W_0‖ / ‖W_0‖ per layer at that snapshot. */
  change: Record<LayerName, number | null>;
}

/** Where a run ended up: its last snapshot's test accuracy and how far each layer moved from init. */
export function outcome(snapshots: readonly SnapshotInfo[]): Outcome | null {
  const last = snapshots.at(-1);
  if (!last) return null;
  const change = Object.fromEntries(LAYERS.map((l) => [l, last.layers[l]?.relChangeInit ?? null])) as Record<LayerName, number | null>;
  return { epoch: last.epoch, testAccuracy: last.metrics.testAccuracy, change };
}

const sameConfig = (a: RunDetail, b: RunDetail) => {
  const strip = ({ freeze: _f, backend: _b, ...rest }: RunDetail['config']) => JSON.stringify(rest, Object.keys(rest).sort());
  return a.datasetId === b.datasetId && strip(a.config) === strip(b.config);
};

/**
 * The study's experiment: the same data, seed and settings, once trained and once with conv1+conv2
 * frozen. Returns [trained, frozen] indices among `runs`, or null when the runs are not such a pair.
 */
export function freezePair(runs: readonly RunDetail[]): [number, number] | null {
  if (runs.length !== 2) return null;
  const frozen = runs.findIndex((r) => r.config.freeze.includes('conv1') && r.config.freeze.includes('conv2'));
  const trained = 1 - frozen;
  if (frozen < 0 || runs[trained]!.config.freeze.length > 0 || !sameConfig(runs[0]!, runs[1]!)) return null;
  return [trained, frozen];
}
