import type { RunSummary } from '@contract/api.ts';

export const RUN_SORT_KEYS = ['name', 'datasetName', 'status', 'epochsDone', 'bestTestAccuracy', 'backend', 'createdAt'] as const;
export type RunSortKey = (typeof RUN_SORT_KEYS)[number];
export type SortDir = 'asc' | 'desc';

/** Sorted copy; missing values (no accuracy yet, no backend) always last, ties broken by newest first. */
export function sortRuns(runs: readonly RunSummary[], key: RunSortKey, dir: SortDir): RunSummary[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const x = a[key];
    const y = b[key];
    if (x == null || y == null) {
      if (x == null && y != null) return 1;
      if (y == null && x != null) return -1;
    } else if (x !== y) {
      const c = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
      if (c !== 0) return sign * c;
    }
    return b.createdAt.localeCompare(a.createdAt) || b.id - a.id;
  });
}
