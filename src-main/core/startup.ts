/**
 * Opening the core: the one start-up sequence shared by the Electron main process and the local server
 * (`weightlapse serve`, `npm start` without a desktop), so that what happens at start (open and migrate
 * the database, register the bundled data set, mark runs that a crash left "running" as interrupted) is
 * written once. The core owns the trainer processes it starts, and closing it stops them. The CLI verbs
 * open the database alone (they serve no page and need no sample); `weightlapse train` adds its own `Trainers`.
 *
 * A read-only database is opened for browsing and nothing is written at start. What other processes write
 * to the same database (the CLI training, a second window) is announced as this core's own changes are.
 */
import type { EmitEvent } from '../../src-preload/api.ts';
import type { CoreContext } from './api/context.ts';
import { Activations } from './activations/service.ts';
import { TestSets } from './activations/test-set.ts';
import { FilterAnalyses } from './analysis/filters.ts';
import { Analyses } from './analysis/service.ts';
import { Examples } from './analysis/examples.ts';
import { ensureBundledDatasets } from './dataset-registry.ts';
import { openDatabase, readOnlyReason } from './store/db.ts';
import { markInterruptedRuns } from './store/runs.ts';
import { watchOtherWriters } from './store/watch.ts';
import { forkTrainer } from './training/fork.ts';
import { Trainers } from './training/trainers.ts';
import { forwardContext } from './work/inference.ts';
import type { TrainerSpawner } from '../trainer/protocol.ts';

export interface Core {
  ctx: CoreContext;
  /** Subscribes to every event the core emits (SSE clients, the Electron window); returns the unsubscribe. */
  subscribe(listener: EmitEvent): () => void;
  /** Stops what the core started (trainers) and closes the database. Safe to call twice. */
  close(): Promise<void>;
}

export interface CoreOptions {
  shell: CoreContext['shell'];
  /** How its trainer processes start: Electron's utilityProcess in the desktop app; child_process.fork by default. */
  spawnTrainer?: TrainerSpawner;
}

export async function openCore(dbPath: string, { shell, spawnTrainer }: CoreOptions): Promise<Core> {
  const db = openDatabase(dbPath);
  if (!readOnlyReason(db)) {
    markInterruptedRuns(db);
    try {
      await ensureBundledDatasets(db);
    } catch (err) {
      // The app is still useful without the sample (a person can add a data set): say so, go on.
      console.warn(`weightlapse: the bundled sample data sets could not be registered: ${(err as Error).message}`);
    }
  }
  const listeners = new Set<EmitEvent>();
  const emit: EmitEvent = (event, payload) => {
    // A listener that throws (a closed socket, a destroyed window) must not stop the others.
    for (const listener of listeners) {
      try {
        listener(event, payload);
      } catch (err) {
        console.error(`weightlapse: dropping ${event} for one listener: ${(err as Error).message}`);
      }
    }
  };
  const ctx = coreContext({ db, dbPath, shell, emit, spawnTrainer, analyseWhileTraining: true });
  const stopWatching = watchOtherWriters(db, {
    run: (runId) => emit('run.changed', { runId }),
    datasets: () => emit('datasets.changed', {}),
  });
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
      stopWatching();
      await ctx.trainers.stopAll();
      ctx.inference.close();
      listeners.clear();
      db.close();
    },
  };
}

/**
 * The context of a core on an open database: its trainers and its forward-pass process, both starting
 * their processes with one spawner (child_process.fork unless the shell gives its own), the work queue,
 * the activation views and the analyses. openCore uses it, analysing each snapshot a run stores as it
 * trains (`analyseWhileTraining`); so do tests that open a database themselves, which mostly leave that off
 * (their runs train on two shared cores, and the analyses would take them from the training).
 */
export function coreContext(
  base: Pick<CoreContext, 'db' | 'dbPath' | 'shell' | 'emit'> & { spawnTrainer?: TrainerSpawner | undefined; analyseWhileTraining?: boolean },
): CoreContext {
  const { analyseWhileTraining, ...rest } = base;
  const spawnTrainer = base.spawnTrainer ?? forkTrainer();
  const forward = forwardContext(base.db, spawnTrainer);
  const testSets = new TestSets(base.db);
  const trainers = new Trainers({ db: base.db, emit: base.emit, spawn: spawnTrainer });
  const analyses = new Analyses({ ...forward, emit: base.emit }, testSets);
  if (analyseWhileTraining) {
    trainers.onMessage((runId, message) => {
      if (message.type === 'snapshot') analyses.snapshotStored(runId, message.snapshot.seq);
    });
  }
  return {
    ...rest, ...forward, spawnTrainer, trainers, activations: new Activations(forward, testSets), analyses,
    examples: new Examples({ ...forward, emit: base.emit }), filters: new FilterAnalyses({ ...forward, emit: base.emit }, testSets),
  };
}
