/** What every handler group gets: the database, the core's trainers, and a way to tell the renderer that something happened. */
import type { EventName, Events } from '../../../src-preload/api.ts';
import type { Db } from '../store/db.ts';
import type { Trainers } from '../training/trainers.ts';

export type EmitEvent = <E extends EventName>(event: E, payload: Events[E]) => void;

export interface CoreContext {
  db: Db;
  dbPath: string;
  host: 'desktop' | 'browser';
  emit: EmitEvent;
  trainers: Trainers;
}
