/** What every handler group gets: the database and a way to tell the renderer that something happened. */
import type { EventName, Events } from '../../../src-preload/api.ts';
import type { Db } from '../store/db.ts';
import type { TrainerSpawner } from '../../trainer/protocol.ts';

export type EmitEvent = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface CoreContext {
  db: Db;
  dbPath: string;
  host: 'desktop' | 'browser';
  emit: EmitEvent;
  /** How trainer processes start: Electron's utilityProcess in the desktop app; child_process.fork if unset. */
  spawnTrainer?: TrainerSpawner;
}
