/**
 * What every handler group gets: the database, the processes the core owns (trainers, and the forward
 * passes of the activation views and the analyses, all started by one spawner), the one queue their
 * background work waits in, the services over them, and a way to tell the page that something happened.
 */
import type { EmitEvent, Shell } from '../../../src-preload/api.ts';
import type { TrainerSpawner } from '../../trainer/protocol.ts';
import type { Activations } from '../activations/service.ts';
import type { Examples } from '../analysis/examples.ts';
import type { FilterAnalyses } from '../analysis/filters.ts';
import type { Analyses } from '../analysis/service.ts';
import type { Db } from '../store/db.ts';
import type { Trainers } from '../training/trainers.ts';
import type { Inference } from '../work/inference.ts';
import type { WorkQueue } from '../work/queue.ts';

export interface CoreContext {
  db: Db;
  dbPath: string;
  shell: Shell;
  emit: EmitEvent;
  /** How trainer-side processes start: Electron's utilityProcess in the desktop app; child_process.fork elsewhere. */
  spawnTrainer: TrainerSpawner;
  trainers: Trainers;
  /** The core's background work on the forward-pass process, most urgent first. */
  work: WorkQueue;
  /** The forward-pass process. */
  inference: Inference;
  activations: Activations;
  analyses: Analyses;
  /** The example ledger's reads (issue 26). */
  examples: Examples;
  /** What each filter responds to (top examples, feature visualization), on the same queue and store. */
  filters: FilterAnalyses;
}
