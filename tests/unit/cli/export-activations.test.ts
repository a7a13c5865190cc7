/**
 * `weightlapse export-activations` and `weightlapse export-gif --view activations` as a person runs them,
 * on a run trained by the CLI: the .npy files hold what the API serves, the GIF's frames are what the
 * page's renderer draws, and bad options are refused in one line with nothing written.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GifReader } from 'omggif';
import { coreContext } from '../../../src-main/core/startup.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, MAP_LAYERS, type ActivationMaps, type Handlers, type RunDetail } from '../../../src-preload/api.ts';
import type { CoreContext } from '../../../src-main/core/api/context.ts';
import { createHandlers } from '../../../src-main/core/api/handlers.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { openDatabase } from '../../../src-main/core/store/db.ts';
import { getRun } from '../../../src-main/core/store/runs.ts';
import { activationFrames } from '../../../src-main/shared/render/activations/animation.ts';
import { removeTempDirs, tempDir, unwrap } from '../../helpers.ts';
import { SAMPLE_DIR } from '../core/training/sample.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
let dbPath: string;
let ctx: CoreContext;
let handlers: Handlers;
let run: RunDetail;

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, '--db', dbPath, ...args], { encoding: 'utf8' });
const maps = async (seq: number, inputs: number[], diff?: 'prev') =>
  unwrap<ActivationMaps>(await dispatch(handlers, 'activations.maps', { runId: run.id, seq, inputs, ...(diff ? { diff } : {}) }));

/** A .npy file's shape and float32 values (the writer is tested in train.test.ts; here only what it holds). */
function npy(file: string): { shape: number[]; data: Float32Array } {
  const bytes = readFileSync(file);
  const headerLength = bytes.readUInt16LE(8);
  const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1]!.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { shape, data: new Float32Array(Uint8Array.from(bytes.subarray(10 + headerLength)).buffer) };
}

beforeAll(() => {
  dbPath = join(tempDir(), 'w.db');
  const train = cli('train', '--data', SAMPLE_DIR, '--epochs', '2', '--train-limit', '200', '--test-limit', '50', '--backend', 'wasm', '--json');
  if (train.status !== 0) throw new Error(train.stderr);
  const db = openDatabase(dbPath);
  ctx = coreContext({ db, dbPath, shell: 'browser', emit: () => {} });
  handlers = createHandlers(ctx);
  run = getRun(db, 1)!;
});
afterAll(() => {
  ctx?.inference.close();
  ctx?.db.close();
  removeTempDirs();
});

describe('weightlapse export-activations', () => {
  it('writes the chosen inputs’ maps and probabilities at the chosen snapshots, as the API serves them', async () => {
    const out = join(tempDir(), 'acts');
    const r = cli('--json', 'export-activations', '--run', String(run.id), '--out', out, '--input', '7,2', '--seq', '0', '--seq', '2');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, files: 9, snapshots: 2 });
    expect(readdirSync(out).sort()).toEqual(['epoch_0000', 'epoch_0002', 'inputs.json', 'inputs.npy', 'snapshots.json']);
    const about = JSON.parse(readFileSync(join(out, 'inputs.json'), 'utf8')) as { indices: number[]; labels: number[]; classes: string[] };
    expect(about.indices).toEqual([7, 2]);
    expect(about.classes).toEqual(run.classes);
    for (const [seq, folder] of [[0, 'epoch_0000'], [2, 'epoch_0002']] as const) {
      const served = await maps(seq, [7, 2]);
      for (const layer of MAP_LAYERS) {
        const file = npy(join(out, folder, `${layer}.npy`));
        expect(file.shape).toEqual(served.maps[layer].shape);
        expect(file.data).toEqual(served.maps[layer].data);
      }
      expect(npy(join(out, folder, 'probabilities.npy'))).toEqual({ shape: [2, 10], data: served.probabilities });
    }
    const images = npy(join(out, 'inputs.npy'));
    expect(images.shape).toEqual([2, 28, 28, 1]);
    expect(images.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(JSON.parse(readFileSync(join(out, 'snapshots.json'), 'utf8')).snapshots.map((s: { seq: number }) => s.seq)).toEqual([0, 2]);
  });

  it('takes the run’s pinned inputs and every snapshot by default', () => {
    const out = join(tempDir(), 'all');
    const r = cli('export-activations', '--run', String(run.id), '--out', out);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote 13 .npy files for 3 snapshots to ${out}\n`);
    expect(npy(join(out, 'epoch_0001', 'conv2.npy')).shape).toEqual([10, 8, 8, 50]);
  });

  it.each([
    [['--input', '99999'], /^weightlapse: --input: there is no test image 99999; the test set has 1000 \(0–999\)\n$/, 1],
    [['--input', '1,1'], /^weightlapse: --input: a test image is named twice\n$/, 2],
    [['--input', 'two'], /^weightlapse: --input: "two" is not a whole number from 0\n$/, 2],
    [['--seq', '9'], /^weightlapse: --seq: run #1 has no snapshot 9 \(it has 0–2\)\n$/, 1],
  ])('refuses %j with one clear line, writing nothing', (args, message, code) => {
    const out = join(tempDir(), 'refused');
    const r = cli('export-activations', '--run', String(run.id), '--out', out, ...args);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});

describe('weightlapse export-gif --view activations', () => {
  it('draws one test image’s view at every snapshot with the page’s renderer, frame for frame', async () => {
    const file = join(tempDir(), 'act.gif');
    const r = cli('--json', 'export-gif', '--run', String(run.id), '--view', 'activations', '--input', '4', '--diff', 'prev', '--out', file);
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ frames: 3, epochs: [0, 1, 2] });
    const steps = await Promise.all(run.snapshots.map(async (s) => ({ epoch: s.epoch, maps: await maps(s.seq, [4], 'prev') })));
    const frames = activationFrames(steps, 0, { mode: 'diff', zoom: 2, title: `${run.name} · #4 ${run.classes[steps[0]!.maps.labels[0]!]}`, epochs: run.epochs, classes: run.classes });
    const gif = new GifReader(readFileSync(file));
    expect(gif.numFrames()).toBe(3);
    expect([gif.width, gif.height]).toEqual([frames[0]!.width, frames[0]!.height]);
    const rgba = new Uint8Array(gif.width * gif.height * 4);
    frames.forEach((frame, i) => {
      gif.decodeAndBlitFrameRGBA(i, rgba);
      for (let p = 0; p < frame.indices.length; p += 97) {
        expect([...rgba.subarray(p * 4, p * 4 + 3)], `frame ${i} pixel ${p}`).toEqual(frame.palette.rgb[frame.indices[p]!]);
      }
    });
  });

  it.each([
    [['--view', 'activations', '--colormap', 'grey'], /^weightlapse: --colormap: only with --view weights\n$/],
    [['--view', 'activations', '--run', '1'], /^weightlapse: --run: --view activations shows one run\n$/],
    [['--input', '3'], /^weightlapse: --layer: say which layer to animate \(or --view activations\)\n$/],
    [['--layer', 'conv1', '--input', '3'], /^weightlapse: --input: only with --view activations\n$/],
    [['--view', 'filters'], /^weightlapse: --view: "filters" is not one of weights, featurevis, activations\n$/],
  ])('refuses %j with one clear line', (args, message) => {
    const r = cli('export-gif', '--run', String(run.id), '--out', join(tempDir(), 'x.gif'), ...args);
    expect(r.status).toBe(2); // mistakes in the command line
    expect(r.stderr).toMatch(message);
  });
});
