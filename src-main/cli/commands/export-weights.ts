/**
 * `weightlapse export-weights --run ID --out DIR`: every stored snapshot's tensors as NumPy `.npy`
 * files, for analysis in Python.
 *
 * Layout: `DIR/epoch_0000/conv1_kernel.npy` … one folder per snapshot. Snapshots inside an epoch
 * (`--snapshots-per-epoch`) go in `epoch_0000_s01`, `epoch_0000_s02`, … numbered in order after that
 * epoch's own folder. `DIR/snapshots.json` lists each folder with its seq, fractional epoch and metrics.
 */
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SnapshotInfo } from '../../../src-preload/api.ts';
import { encodeNpy } from '../../core/export/npy.ts';
import { getRun } from '../../core/store/runs.ts';
import { readTensor } from '../../core/store/snapshots.ts';
import { output, parseId, UserError, withDb } from '../common.ts';
import { outputFolder, writeError } from '../output.ts';
import { plural, say } from '../terminal.ts';

/** Folder names for snapshots in seq order: epoch_0003, or epoch_0000_s02 for the 2nd inside epoch 0. */
export function snapshotFolders(snapshots: Pick<SnapshotInfo, 'epoch'>[]): string[] {
  let inEpoch = 0;
  let lastWhole = -1;
  return snapshots.map(({ epoch }) => {
    const whole = Math.floor(epoch);
    inEpoch = whole === lastWhole ? inEpoch + 1 : 0;
    lastWhole = whole;
    const base = `epoch_${String(whole).padStart(4, '0')}`;
    return Number.isInteger(epoch) ? base : `${base}_s${String(inEpoch).padStart(2, '0')}`;
  });
}

export function registerExportWeights(verb: Command): void {
  verb
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--out <dir>', 'the folder to write into (created if missing)')
    .action(async (opts: { run: string; out: string }, cmd: Command) => {
      const runId = parseId('--run', opts.run);
      const out = outputFolder('--out', opts.out);
      const written = await withDb(cmd, (db) => {
        const run = getRun(db, runId);
        if (!run) throw new UserError(`no run #${runId}`);
        if (run.snapshots.length === 0) throw new UserError(`run #${runId} has no stored snapshots yet`);
        const folders = snapshotFolders(run.snapshots);
        let files = 0;
        try {
          run.snapshots.forEach((snapshot, i) => {
            const dir = join(out, folders[i]!);
            mkdirSync(dir, { recursive: true });
            for (const { name } of run.tensors) {
              const tensor = readTensor(db, runId, name, snapshot.seq)!;
              writeFileSync(join(dir, `${name.replace('/', '_')}.npy`), encodeNpy(tensor.shape, tensor.data));
              files++;
            }
          });
          const index = run.snapshots.map((s, i) => ({ folder: folders[i], seq: s.seq, epoch: s.epoch, ...s.metrics }));
          writeFileSync(join(out, 'snapshots.json'), `${JSON.stringify({ run: run.id, name: run.name, snapshots: index }, null, 2)}\n`);
        } catch (err) {
          throw writeError('--out', err);
        }
        return { files, snapshots: run.snapshots.length };
      }, { readOnly: true });
      output(cmd, { out, ...written }, () => say(`wrote ${plural(written.files, '.npy file')} for ${plural(written.snapshots, 'snapshot')} to ${out}`));
    });
}
