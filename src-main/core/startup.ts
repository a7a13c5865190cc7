/**
 * Opening the core: the one start-up sequence shared by the Electron main process and the local server
 * (`weightlapse serve`, `npm start` without a desktop), so that what happens at start (open and migrate
 * the database, register the bundled data set, mark runs that a crash left "running" as interrupted) is
 * written once. The other CLI verbs open the database alone: they serve no page and need no sample.
 */
import type { CoreContext, EmitEvent } from './api/context.ts';
import { closeActivations } from './activations/service.ts';
import { ensureBundledDataset } from './datasets/registry.ts';
import { openDatabase } from './store/db.ts';
import { markInterruptedRuns } from './store/runs.ts';
import { trainersOf } from './training/trainers.ts';

export interface Core {
  ctx: CoreContext;
  /** Subscribes to every event the core emits (SSE clients, the Electron window); returns the unsubscribe. */
  subscribe(listener: EmitEvent): () => void;
  /** Stops what the core started (trainers) and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

export async function openCore(dbPath: string, host: CoreContext['host']): Promise<Core> {
  const db = openDatabase(dbPath);
  markInterruptedRuns(db);
  try {
    await ensureBundledDataset(db);
  } catch (err) {
    // The app is still useful without the sample (a person can add a data set): say so, go on.
    console.warn(`weightlapse: the bundled sample data set could not be registered: ${(err as Error).message}`);
  }
  const listeners = new Set<EmitEvent>();
  const ctx: CoreContext = {
    db,
    dbPath,
    host,
    emit: (event, payload) => {
      // A listener that throws (a closed socket, a destroyed window) must not stop the others.
      for (const listener of listeners) {
        try {
          listener(event, payload);
        } catch (err) {
          console.error(`weightlapse: dropping ${event} for one listener: ${(err as Error).message}`);
        }
      }
    },
  };
  let closed = false;
  return {
    ctx,
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      await trainersOf(ctx).stopAll();
      closeActivations(ctx);
      listeners.clear();
      db.close();
    },
  };
}
