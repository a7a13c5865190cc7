/**
 * Forward-only schema migrations, numbered from 1. `PRAGMA user_version` holds the last one applied;
 * all pending steps run in one transaction. Append new steps; never edit a released one, and let none
 * import live code (migration-5-stats.ts is migration 5's own copy of the statistics it computed).
 */
import type { Database } from 'better-sqlite3';
import { writeMigration5Stats } from './migration-5-stats.ts';

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
      db.exec(`
        -- When the process recorded in pid started (see store/processes.ts), so that a pid reused by
        -- another program after a reboot never makes a run look still running.
        ALTER TABLE runs ADD COLUMN pid_started TEXT;
      `);
    },
  },
  {
    // Folders of images as data sets: a third format, and how each was prepared (JSON ImagePreparation,
    // NULL for the other formats). SQLite cannot change a CHECK in place, and rebuilding the table would
    // let the foreign keys from runs fire; so the format moves to a new column with the wider CHECK.
    version: 3,
    up(db) {
      db.exec(`
        ALTER TABLE datasets ADD COLUMN format_new TEXT NOT NULL DEFAULT 'idx' CHECK (format_new IN ('idx', 'cifar10', 'images'));
        UPDATE datasets SET format_new = format;
        ALTER TABLE datasets DROP COLUMN format;
        ALTER TABLE datasets RENAME COLUMN format_new TO format;
        ALTER TABLE datasets ADD COLUMN images TEXT;
      `);
    },
  },
  {
    // What the activation views keep: each snapshot's test confusion matrix (written with the snapshot
    // by runs trained from now on, computed on demand for older ones) and each run's pinned test images.
    version: 4,
    up(db) {
      db.exec(`
        -- Counts [true class][predicted class], u32 little-endian, classes × classes.
        CREATE TABLE confusion_matrices (
          snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots (id) ON DELETE CASCADE,
          classes     INTEGER NOT NULL,
          counts      BLOB    NOT NULL
        ) STRICT;

        -- The test images a run's activation view shows (indices into the data set's test split);
        -- no row: the default, the first test image of each class.
        CREATE TABLE pinned_inputs (
          run_id  INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
          indices TEXT    NOT NULL           -- JSON [index, …]
        ) STRICT;
      `);
    },
  },
  {
    // Statistics of every tensor (as tensor-stats.ts computes them today), so that the viewer's scale, legend and change heat
    // map never scan a whole series; computed here once for the runs stored before.
    version: 5,
    up(db) {
      db.exec(`
        CREATE TABLE tensor_stats (
          snapshot_id    INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
          name           TEXT    NOT NULL,
          min            REAL    NOT NULL,
          max            REAL    NOT NULL,
          max_abs        REAL    NOT NULL,
          norm           REAL    NOT NULL,
          -- float32 per filter (the tensor's last axis): max |w_f|, ‖w_f‖, and the same of the change
          -- since the run's previous stored snapshot and since its first
          filter_max_abs BLOB    NOT NULL,
          filter_norm    BLOB    NOT NULL,
          prev_max_abs   BLOB    NOT NULL,
          prev_norm      BLOB    NOT NULL,
          init_max_abs   BLOB    NOT NULL,
          init_norm      BLOB    NOT NULL,
          PRIMARY KEY (snapshot_id, name)
        ) STRICT, WITHOUT ROWID;
      `);
      // One tensor of one run at a time, in seq order, holding only the previous and the first.
      const series = db
        .prepare(
          `SELECT s.run_id AS runId, t.name FROM snapshots s JOIN tensors t ON t.snapshot_id = s.id
           WHERE s.seq = (SELECT MIN(seq) FROM snapshots WHERE run_id = s.run_id)`,
        )
        .all() as { runId: number; name: string }[];
      const seqsOf = db.prepare(
        `SELECT s.id, t.id AS tensorId FROM snapshots s JOIN tensors t ON t.snapshot_id = s.id AND t.name = $name
         WHERE s.run_id = $runId ORDER BY s.seq`,
      );
      const tensor = db.prepare('SELECT shape, data FROM tensors WHERE id = $id');
      for (const { runId, name } of series) {
        let init: Float32Array | undefined;
        let prev: Float32Array | undefined;
        for (const { id, tensorId } of seqsOf.all({ runId, name }) as { id: number; tensorId: number }[]) {
          const row = tensor.get({ id: tensorId }) as { shape: string; data: Buffer };
          const w = new Float32Array(row.data.byteLength / 4);
          new Uint8Array(w.buffer).set(row.data);
          writeMigration5Stats(db, id, name, JSON.parse(row.shape) as number[], w, prev, init);
          init ??= w;
          prev = w;
        }
      }
    },
  },
  {
    version: 6,
    up(db) {
      // BackendInfo.summary when the run's trainer last started: what trained it, and why.
      db.exec('ALTER TABLE runs ADD COLUMN backend_summary TEXT');
    },
  },
  {
    // The analyses (core/analysis/): each run's probe sets, and each snapshot's results, computed once.
    version: 7,
    up(db) {
      db.exec(`
        -- The test images a run's analyses measure every snapshot on: a seeded, class-stratified subset of
        -- its data set's test split, one per size asked for, chosen once.
        CREATE TABLE probe_sets (
          run_id  INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
          size    INTEGER NOT NULL,
          indices BLOB    NOT NULL,         -- u32 little-endian, ascending
          PRIMARY KEY (run_id, size)
        ) STRICT, WITHOUT ROWID;

        -- One result per (snapshot, kind, params): float64 little-endian values, laid out as the kind says
        -- (core/store/analyses.ts). Written whole in one statement, so a result is there or it is not.
        CREATE TABLE analysis_results (
          snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
          kind        TEXT    NOT NULL,
          params      TEXT    NOT NULL,     -- canonical JSON of what it depends on, e.g. {"probes":1000}
          data        BLOB    NOT NULL,
          PRIMARY KEY (snapshot_id, kind, params)
        ) STRICT, WITHOUT ROWID;
      `);
    },
  },
  {
    // The example ledger (issue 26): each snapshot's per-image records of the epoch it was trained in, and a
    // noisy-labels run's flipped labels.
    version: 8,
    up(db) {
      db.exec(`
        -- One row per snapshot after training, written in the snapshot's own transaction: for every training
        -- image by its index in the data set's training split, whether its minibatch prediction was right
        -- (u8: 1, 0, or 255 not presented yet in this epoch) and the probability of its true class (float16
        -- little-endian). The epoch's last snapshot holds every image. A rowid table: the rows are large.
        CREATE TABLE example_ledgers (
          snapshot_id INTEGER PRIMARY KEY REFERENCES snapshots (id) ON DELETE CASCADE,
          epoch       INTEGER NOT NULL,     -- the epoch trained in, from 0
          correct     BLOB    NOT NULL,
          p_true      BLOB    NOT NULL
        ) STRICT;

        -- A noisy-labels run's flipped training labels (its config's labelNoise), sent with its snapshot 0:
        -- the images' indices (u32 little-endian, ascending) and the labels it trained them with (u8).
        CREATE TABLE label_noise (
          run_id  INTEGER PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
          share   REAL    NOT NULL,
          indices BLOB    NOT NULL,
          labels  BLOB    NOT NULL
        ) STRICT;
      `);
    },
  },
  // ---- migration 9: run groups (issue 30), its own entry so that it can be renumbered at a merge ----
  {
    // A group: one experiment repeated over seeds (core/store/groups.ts); its runs name it in group_id.
    version: 9,
    up(db) {
      db.exec(`
        CREATE TABLE run_groups (
          id         INTEGER PRIMARY KEY,
          name       TEXT    NOT NULL,
          kind       TEXT    NOT NULL CHECK (kind IN ('plain', 'freeze')),
          seeds      TEXT    NOT NULL,      -- JSON [seed, …], in the order the members were made
          plan       TEXT,                  -- how its members last trained side by side (core/training/parallel.ts)
          created_at TEXT    NOT NULL
        ) STRICT;
        -- A member's group; removing a group removes its runs first (core/training/groups.ts).
        ALTER TABLE runs ADD COLUMN group_id INTEGER REFERENCES run_groups (id);
        CREATE INDEX runs_group ON runs (group_id) WHERE group_id IS NOT NULL;
      `);
    },
  },
  // ---- migration 10: computed example ledgers (issue 26, "compute it now") ----
  {
    // A ledger can also be computed after training, from the stored snapshots (core/analysis/examples.ts):
    // one forward pass of the training set per snapshot, end-of-epoch predictions. Both kinds may be kept
    // for one snapshot, so the table is rebuilt with its source in the key; every existing row was recorded.
    version: 10,
    up(db) {
      db.exec(`
        CREATE TABLE example_ledgers_10 (
          snapshot_id INTEGER NOT NULL REFERENCES snapshots (id) ON DELETE CASCADE,
          source      TEXT    NOT NULL CHECK (source IN ('recorded', 'computed')),
          epoch       INTEGER NOT NULL,     -- the epoch trained in (recorded) or ended (computed), from 0
          correct     BLOB    NOT NULL,
          p_true      BLOB    NOT NULL,
          PRIMARY KEY (snapshot_id, source)
        ) STRICT;
        INSERT INTO example_ledgers_10 (snapshot_id, source, epoch, correct, p_true)
          SELECT snapshot_id, 'recorded', epoch, correct, p_true FROM example_ledgers;
        DROP TABLE example_ledgers;
        ALTER TABLE example_ledgers_10 RENAME TO example_ledgers;
      `);
    },
  },
];
