/** Groups: one experiment repeated over seeds. Its runs are ordinary runs that name it in `group_id`. */
import { z } from 'zod';
import { GROUP_KINDS, type GroupKind } from '../../../src-preload/api.ts';
import { now, schemaProblem, unreadable, type Db } from './db.ts';

export interface StoredGroup {
  id: number;
  name: string;
  kind: GroupKind;
  seeds: number[];
  plan: string | null;
  createdAt: string;
}

interface GroupRow {
  id: number;
  name: string;
  kind: string;
  seeds: string;
  plan: string | null;
  created_at: string;
}

const seedsSchema = z.array(z.number().int().min(0));
const kindSchema = z.enum(GROUP_KINDS);

function toStored(row: GroupRow): StoredGroup {
  const what = `group #${row.id}'s stored`;
  let seeds: unknown;
  try {
    seeds = JSON.parse(row.seeds);
  } catch (err) {
    throw unreadable(`${what} seeds`, (err as Error).message);
  }
  const parsedSeeds = seedsSchema.safeParse(seeds);
  if (!parsedSeeds.success) throw unreadable(`${what} seeds`, schemaProblem(parsedSeeds.error));
  const kind = kindSchema.safeParse(row.kind);
  if (!kind.success) throw unreadable(`${what} kind`, schemaProblem(kind.error));
  return { id: row.id, name: row.name, kind: kind.data, seeds: parsedSeeds.data, plan: row.plan, createdAt: row.created_at };
}

export function createGroup(db: Db, group: { name: string; kind: GroupKind; seeds: number[] }): number {
  const result = db
    .prepare('INSERT INTO run_groups (name, kind, seeds, created_at) VALUES ($name, $kind, $seeds, $at)')
    .run({ name: group.name, kind: group.kind, seeds: JSON.stringify(group.seeds), at: now() });
  return Number(result.lastInsertRowid);
}

export function getGroup(db: Db, id: number): StoredGroup | undefined {
  const row = db.prepare('SELECT * FROM run_groups WHERE id = $id').get({ id }) as GroupRow | undefined;
  return row && toStored(row);
}

/** Newest first, as the runs list orders runs. */
export function listGroups(db: Db): StoredGroup[] {
  return (db.prepare('SELECT * FROM run_groups ORDER BY created_at DESC, id DESC').all() as GroupRow[]).map(toStored);
}

/** The group's runs' ids, in the order they were made. */
export function groupRunIds(db: Db, id: number): number[] {
  return (db.prepare('SELECT id FROM runs WHERE group_id = $id ORDER BY id').all({ id }) as { id: number }[]).map((r) => r.id);
}

export function setGroupPlan(db: Db, id: number, plan: string): void {
  db.prepare('UPDATE run_groups SET plan = $plan WHERE id = $id').run({ id, plan });
}

/** Removes the group's row; its runs must be gone first (the caller removes them, each as a run is removed). */
export function removeGroupRow(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM run_groups WHERE id = $id').run({ id }).changes > 0;
}
