/**
 * `weightlapse export-activations --run ID --out DIR [--input N]… [--seq S]…`: the feature maps and
 * class probabilities of chosen test images (default: the run's pinned inputs) at chosen snapshots
 * (default: every one) as NumPy `.npy` files, for analysis in Python. The forward passes run in a
 * trainer process, as for the app's activation view.
 *
 * Layout: `DIR/inputs.npy` the images as the network sees them, float32 [n, h, w, c] in [0, 1];
 * `DIR/inputs.json` their test-set indices, labels and the class names; one folder per snapshot named
 * as `export-weights` names them (`epoch_0003`, `epoch_0000_s01`, …) holding `conv1.npy`, `pool1.npy`
 * and `conv2.npy` ([n, h, w, channels], after ReLU) and `probabilities.npy` ([n, classes]);
 * `DIR/snapshots.json` lists each folder with its seq, fractional epoch and metrics.
 */
import type { Command } from 'commander';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { MAP_LAYERS, MAX_PINS } from '../../../src-preload/api.ts';
import { Activations } from '../../core/activations/service.ts';
import { forkTrainer } from '../../core/training/fork.ts';
import { forwardContext } from '../../core/work/inference.ts';
import { encodeNpy } from '../../core/export/npy.ts';
import { getRun } from '../../core/store/runs.ts';
import { asOptionError, output, parseId, UsageError, UserError, withDb } from '../common.ts';
import { outputFolder, writeError } from '../output.ts';
import { plural, say } from '../terminal.ts';
import { snapshotFolders } from './export-weights.ts';

/** `--input 3 --input 4` or `--input 3,4`. */
const indices = (flag: string) => (value: string, previous: number[] = []): number[] => [
  ...previous,
  ...value.split(',').map((v) => {
    const n = Number(v);
    if (!/^\s*\d+\s*$/.test(v) || !Number.isSafeInteger(n)) throw new UsageError(`${flag}: "${v}" is not a whole number from 0`);
    return n;
  }),
];

interface ExportActivationsOptions {
  run: string;
  out: string;
  input?: number[];
  seq?: number[];
}

export function registerExportActivations(verb: Command): void {
  verb
    .requiredOption('--run <id>', 'the run')
    .requiredOption('--out <dir>', 'the folder to write into (created if missing)')
    .option('--input <index>', `a test image by its index in the test set; repeat or comma-separate, at most ${MAX_PINS} (default: the run's pinned inputs)`, indices('--input'))
    .option('--seq <n>', 'a snapshot by its seq (0 = the initial weights); repeat or comma-separate (default: every one)', indices('--seq'))
    .action(async (opts: ExportActivationsOptions, cmd: Command) => {
      const runId = parseId('--run', opts.run);
      const inputs = opts.input;
      if (inputs && inputs.length > MAX_PINS) throw new UsageError(`--input: at most ${MAX_PINS} test images, got ${inputs.length}`);
      if (inputs && new Set(inputs).size !== inputs.length) throw new UsageError('--input: a test image is named twice');
      const out = outputFolder('--out', opts.out);
      const written = await withDb(cmd, async (db) => {
        const run = getRun(db, runId);
        if (!run) throw new UserError(`no run #${runId}`);
        const folders = snapshotFolders(run.snapshots);
        const chosen = opts.seq ?? run.snapshots.map((s) => s.seq);
        const missing = chosen.find((seq) => !run.snapshots.some((s) => s.seq === seq));
        if (missing !== undefined) throw new UserError(`--seq: run #${runId} has no snapshot ${missing} (it has 0–${run.snapshots.length - 1})`);
        const forward = forwardContext(db, forkTrainer());
        const activations = new Activations(forward);
        try {
          let files = 0;
          const index = [];
          for (const seq of chosen) {
            const maps = await activations.mapsAt(runId, seq, { inputs });
            const at = run.snapshots.findIndex((s) => s.seq === seq);
            const dir = join(out, folders[at]!);
            mkdirSync(dir, { recursive: true });
            for (const layer of MAP_LAYERS) writeFileSync(join(dir, `${layer}.npy`), encodeNpy(maps.maps[layer].shape, maps.maps[layer].data));
            writeFileSync(join(dir, 'probabilities.npy'), encodeNpy([maps.indices.length, maps.classes.length], maps.probabilities));
            files += MAP_LAYERS.length + 1;
            if (index.length === 0) {
              writeFileSync(join(out, 'inputs.npy'), encodeNpy([maps.indices.length, ...maps.shape], Float32Array.from(maps.images, (v) => v / 255)));
              const about = { run: run.id, name: run.name, indices: maps.indices, labels: maps.labels, classes: maps.classes };
              writeFileSync(join(out, 'inputs.json'), `${JSON.stringify(about, null, 2)}\n`);
              files++;
            }
            const s = run.snapshots[at]!;
            index.push({ folder: folders[at], seq, epoch: s.epoch, ...s.metrics });
          }
          writeFileSync(join(out, 'snapshots.json'), `${JSON.stringify({ run: run.id, name: run.name, snapshots: index }, null, 2)}\n`);
          return { files, snapshots: chosen.length };
        } catch (err) {
          throw writeError('--out', asOptionError(err, 'inputs', '--input'));
        } finally {
          forward.inference.close();
        }
      }, { readOnly: true });
      output(cmd, { out, ...written }, () => say(`wrote ${plural(written.files, '.npy file')} for ${plural(written.snapshots, 'snapshot')} to ${out}`));
    });
}
