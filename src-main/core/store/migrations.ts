/**
 * Forward-only schema migrations, numbered from 1. `PRAGMA user_version` holds the last one applied;
 * all pending steps run in one transaction. Append new steps; never edit a released one.
 */
import type { Database } from 'better-sqlite3';

export interface Migration {
  version: number;
  up(db: Database): void;
}

export const migrations: Migration[] = [
  {
    version: 1,
    up(db) {
      db.exec(`
        CREATE TABLE datasets (
          id          INTEGER PRIMARY KEY,
          name        TEXT    NOT NULL,
          path        TEXT    NOT NULL UNIQUE,
          format      TEXT    NOT NULL CHECK (format IN ('idx', 'cifar10')),
          shape       TEXT    NOT NULL,            -- JSON [H, W, C]
          classes     TEXT    NOT NULL,            -- JSON [name, …]
          train_count INTEGER NOT NULL,
          test_count  INTEGER NOT NULL,
          per_class   TEXT    NOT NULL,            -- JSON {train: [n…], test: [n…]}
          checksum    TEXT    NOT NULL,
          bundled     INTEGER NOT NULL DEFAULT 0,
          added_at    TEXT    NOT NULL
        ) STRICT;

        CREATE TABLE runs (
          id                INTEGER PRIMARY KEY,
          name              TEXT    NOT NULL,
          dataset_id        INTEGER REFERENCES datasets (id) ON DELETE SET NULL,
          dataset_name      TEXT    NOT NULL,
          dataset_path      TEXT    NOT NULL,
          input_shape       TEXT    NOT NULL,      -- JSON [H, W, C]
          classes           TEXT    NOT NULL,      -- JSON
          config            TEXT    NOT NULL,      -- JSON RunConfig
          status            TEXT    NOT NULL CHECK (status IN ('running', 'done', 'stopped', 'failed', 'interrupted')),
          backend           TEXT,
          error             TEXT,
          pid               INTEGER,               -- the trainer process while running
          train_seconds     REAL    NOT NULL DEFAULT 0,
          images_per_second REAL,
          created_at        TEXT    NOT NULL,
          updated_at        TEXT    NOT NULL
        ) STRICT;

        CREATE TABLE snapshots (
          id             INTEGER PRIMARY KEY,
          run_id         INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          seq            INTEGER NOT NULL,         -- 0 = initial weights
          epoch          REAL    NOT NULL,         -- fractional epochs trained
          train_loss     REAL,
          train_accuracy REAL,
          test_loss      REAL,
          test_accuracy  REAL,
          layers         TEXT    NOT NULL,         -- JSON {conv1: {norm, relChangePrev, relChangeInit}, …}
          created_at     TEXT    NOT NULL,
          UNIQUE (run_id, seq)
        ) STRICT;

        -- Raw little-endian float32 weights, one row per (snapshot, tensor).
        CREATE TABLE tensors (
          id          INTEGER PRIMARY KEY,
          snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
          name        TEXT    NOT NULL,
          shape       TEXT    NOT NULL,            -- JSON
          dtype       TEXT    NOT NULL DEFAULT 'float32' CHECK (dtype = 'float32'),
          data        BLOB    NOT NULL,
          UNIQUE (snapshot_id, name)
        ) STRICT;

        -- What resuming needs beyond the weights: optimizer slots, RNG position. One row per run,
        -- replaced with each snapshot.
        CREATE TABLE resume_states (
          run_id INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
          seq    INTEGER NOT NULL,
          state  BLOB    NOT NULL
        ) STRICT;
      `);
    },
  },
  {
    version: 2,
    up(db) {
      // BackendInfo.summary when the run's trainer last started: what trained it, and why.
      db.exec('ALTER TABLE runs ADD COLUMN backend_summary TEXT');
    },
  },
];
