/**
 * What every handler group gets: the database, the processes the core owns (trainers, and the forward
 * passes of the activation views, both started by one spawner), and a way to tell the renderer that
 * something happened.
 */
import type { EventName, Events } from '../../../src-preload/api.ts';
import type { Db } from '../store/db.ts';
import type { TrainerSpawner } from '../../trainer/protocol.ts';
import type { Activations } from '../activations/service.ts';
import type { Trainers } from '../training/trainers.ts';

export type EmitEvent = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface CoreContext {
  db: Db;
  dbPath: string;
  host: 'desktop' | 'browser';
  emit: EmitEvent;
  /** How trainer-side processes start: Electron's utilityProcess in the desktop app; child_process.fork elsewhere. */
  spawnTrainer: TrainerSpawner;
  trainers: Trainers;
  activations: Activations;
}
