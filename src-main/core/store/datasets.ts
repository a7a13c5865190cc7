/** The data set registry: where each added data set lives, what it holds, and its content checksum. */
import type { DatasetDescription, DatasetFormat, DatasetInfo, ImagePreparation } from '../../../src-preload/api.ts';
import { now, type Db } from './db.ts';

/** What is stored; whether the files still match is decided by the caller, against the disk. */
export type StoredDataset = Omit<DatasetInfo, 'available' | 'problem'>;

export interface NewDataset {
  description: DatasetDescription;
  /** Shown in lists; defaults to the description's name. */
  name?: string;
  checksum: string;
  bundled?: boolean;
}

interface DatasetRow {
  id: number;
  name: string;
  path: string;
  format: DatasetFormat;
  shape: string;
  classes: string;
  train_count: number;
  test_count: number;
  per_class: string;
  checksum: string;
  bundled: number;
  added_at: string;
  images: string | null;
}

function toStored(row: DatasetRow): StoredDataset {
  const perClass = JSON.parse(row.per_class) as { train: number[]; test: number[] };
  const images = row.images === null ? {} : { images: JSON.parse(row.images) as ImagePreparation };
  return {
    id: row.id,
    name: row.name,
    format: row.format,
    path: row.path,
    shape: JSON.parse(row.shape) as [number, number, number],
    classes: JSON.parse(row.classes) as string[],
    train: { count: row.train_count, perClass: perClass.train },
    test: { count: row.test_count, perClass: perClass.test },
    checksum: row.checksum,
    bundled: row.bundled === 1,
    addedAt: row.added_at,
    ...images,
  };
}

export function addDataset(db: Db, dataset: NewDataset): number {
  const d = dataset.description;
  const result = db
    .prepare(
      `INSERT INTO datasets (name, path, format, shape, classes, train_count, test_count, per_class, checksum, bundled, added_at, images)
       VALUES ($name, $path, $format, $shape, $classes, $trainCount, $testCount, $perClass, $checksum, $bundled, $addedAt, $images)`,
    )
    .run({
      name: dataset.name ?? d.name,
      path: d.path,
      format: d.format,
      shape: JSON.stringify(d.shape),
      classes: JSON.stringify(d.classes),
      trainCount: d.train.count,
      testCount: d.test.count,
      perClass: JSON.stringify({ train: d.train.perClass, test: d.test.perClass }),
      checksum: dataset.checksum,
      bundled: dataset.bundled ? 1 : 0,
      addedAt: now(),
      images: d.images ? JSON.stringify(d.images) : null,
    });
  return Number(result.lastInsertRowid);
}

export function listDatasets(db: Db): StoredDataset[] {
  return (db.prepare('SELECT * FROM datasets ORDER BY id').all() as DatasetRow[]).map(toStored);
}

export function getDataset(db: Db, id: number): StoredDataset | undefined {
  const row = db.prepare('SELECT * FROM datasets WHERE id = $id').get({ id }) as DatasetRow | undefined;
  return row && toStored(row);
}

export function findDatasetByPath(db: Db, path: string): StoredDataset | undefined {
  const row = db.prepare('SELECT * FROM datasets WHERE path = $path').get({ path }) as DatasetRow | undefined;
  return row && toStored(row);
}

/** The data sets prepared from a folder of images (one per way of preparing it), oldest first. */
export function findDatasetsByFolder(db: Db, folder: string): StoredDataset[] {
  const rows = db.prepare("SELECT * FROM datasets WHERE json_extract(images, '$.folder') = $folder ORDER BY id").all({ folder }) as DatasetRow[];
  return rows.map(toStored);
}

export function listBundledDatasets(db: Db): StoredDataset[] {
  return (db.prepare('SELECT * FROM datasets WHERE bundled = 1 ORDER BY id').all() as DatasetRow[]).map(toStored);
}

/** Where the app was moved or reinstalled, its bundled sample is at a new path. */
export function setDatasetPath(db: Db, id: number, path: string): void {
  db.prepare('UPDATE datasets SET path = $path WHERE id = $id').run({ id, path });
}

/** Removes the entry (never the files). Runs on it keep their own copy of its name and path. */
export function removeDataset(db: Db, id: number): boolean {
  return db.prepare('DELETE FROM datasets WHERE id = $id').run({ id }).changes > 0;
}
