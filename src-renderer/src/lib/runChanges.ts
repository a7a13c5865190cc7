/** Several runs can change at once (a freeze experiment, a group's members): one action for a burst of `run.changed`. */
import type { ApiClient } from '@contract/api.ts';

/** Calls `action` once, 50 ms after the first of a burst of changes to the runs `which` accepts; returns the unsubscriber. */
export function onRunChanges(api: ApiClient, action: () => void, which: (runId: number) => boolean = () => true): () => void {
  let pending: ReturnType<typeof setTimeout> | null = null;
  const off = api.on('run.changed', ({ runId }) => {
    if (!which(runId)) return;
    pending ??= setTimeout(() => {
      pending = null;
      action();
    }, 50);
  });
  return () => {
    off();
    if (pending) clearTimeout(pending);
  };
}
