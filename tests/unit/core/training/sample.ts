/** The bundled Fashion-MNIST sample, cut to a few images so that real training stays quick in tests; and checks the training tests share. */
import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { TENSOR_NAMES, type RunDetail } from '../../../../src-preload/api.ts';
import { loadDataset } from '../../../../src-main/datasets/index.ts';
import { BUNDLED_SAMPLE_DIR } from '../../../../src-main/core/dataset-registry.ts';
import type { Db } from '../../../../src-main/core/store/db.ts';
import { getRun } from '../../../../src-main/core/store/runs.ts';
import { readTensor } from '../../../../src-main/core/store/snapshots.ts';
import type { Trainers } from '../../../../src-main/core/training/trainers.ts';
import type { FromTrainer } from '../../../../src-main/trainer/protocol.ts';

export const SAMPLE_DIR = BUNDLED_SAMPLE_DIR;

export async function loadSample(trainLimit: number, testLimit: number) {
  const { train, test } = await loadDataset(SAMPLE_DIR, { trainLimit, testLimit });
  return { train, test };
}

/** Every tensor of every snapshot of the run: present, the right size and finite; the file intact. */
export function expectIntactSnapshots(db: Db, runId: number): RunDetail {
  const run = getRun(db, runId)!;
  run.snapshots.forEach((s, i) => expect(s.seq).toBe(i));
  for (const s of run.snapshots) {
    for (const name of TENSOR_NAMES) {
      const t = readTensor(db, runId, name, s.seq)!;
      expect(t.data.length).toBe(t.shape.reduce((a, b) => a * b, 1));
      expect(t.data.every(Number.isFinite)).toBe(true);
    }
  }
  expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  return run;
}

/** Whether an optional package is installed here. */
export function installed(pkg: string): boolean {
  try {
    createRequire(import.meta.url).resolve(`${pkg}/package.json`);
    return true;
  } catch {
    return false;
  }
}

/** Resolves with the first message from the run's trainer that matches. */
export function nextMessage(trainers: Trainers, runId: number, match: (m: FromTrainer) => boolean): Promise<FromTrainer> {
  return new Promise((resolve) => {
    const off = trainers.onMessage((id, message) => {
      if (id === runId && match(message)) {
        off();
        resolve(message);
      }
    });
  });
}
