/**
 * The layer rewind map, the linear share and the compare view's layer × layer CKA, on a tiny freeze
 * experiment (the same seed twice, the second run with conv1 and conv2 frozen, as the study froze them)
 * trained by the CLI on the bundled Fashion-MNIST sample, through the app's own pipeline (a real
 * forward-pass process, a real SQLite file):
 *  - the rewind map's final column is the run's stored final test accuracy, bit for bit, and the frozen
 *    layers' rows are flat at it; its progress is told as events; every cell equals PyTorch's accuracy of
 *    the same swapped network on the weights `export-weights` writes;
 *  - the pixel regression's predictions, recomputed by NumPy from the coefficients `export-analysis`
 *    writes, give its accuracy and each snapshot's share (with PyTorch's predictions of the network); a
 *    NumPy fit by the same procedure (full-batch Adam from zero, float64) predicts as ours does; and the
 *    share is 1 where the network is the regression;
 *  - the frozen run's conv layers compute, at every snapshot, what the trained run's computed at its start
 *    (CKA 1 between the runs, on the same probe images), and their own initial state (CKA 1 within the run).
 *
 * Needs /usr/bin/python3 with torch and numpy; the reference tests are skipped with the reason elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, LAYERS, PROBE_LAYERS, type AnalysisProgress, type EmitEvent, type Handlers, type RunDetail } from '../../../../src-preload/api.ts';
import type { CoreContext } from '../../../../src-main/core/api/context.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { agreement, FIT_IMAGES, FIT_ITERATIONS, FIT_LEARNING_RATE, linearPredictions } from '../../../../src-main/core/analysis/linear.ts';
import { appRoot } from '../../../../src-main/core/paths.ts';
import { coreContext } from '../../../../src-main/core/startup.ts';
import { openDatabase, type Db } from '../../../../src-main/core/store/db.ts';
import { getRun } from '../../../../src-main/core/store/runs.ts';
import { callValue, removeTempDirs, tempDir } from '../../../helpers.ts';
import { noTorch, PYTHON, TORCH_LENET } from '../../../torch-lenet.ts';
import { SAMPLE_DIR } from '../training/sample.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
const TEST_IMAGES = 100;

/**
 * PyTorch's LeNet on the exported weights of every snapshot, on the run's test images (read from the IDX
 * files): each rewind cell, each snapshot's share with the regression as NumPy predicts from the exported
 * coefficients, and a NumPy fit by the same procedure. Prints JSON.
 */
const REFERENCE = `${TORCH_LENET}
import sys
sample, weights, out = sys.argv[1:4]
test_count, fit_images, iterations, rate = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
test_x = idx(sample, 't10k-images-idx3-ubyte.gz', 16).reshape(-1, 28, 28, 1)[:test_count].astype(np.float64) / 255
test_y = idx(sample, 't10k-labels-idx1-ubyte.gz', 8)[:test_count]
W = [w for _, w in snapshot_weights(weights)]
predict = lambda w: lenet_logits(test_x, w).argmax(1).numpy()
final = W[-1]
rewind = [[float((predict({**final, f'{l}_kernel': w[f'{l}_kernel'], f'{l}_bias': w[f'{l}_bias']}) == test_y).mean()) for w in W] for l in ['conv1', 'conv2', 'fc1', 'fc2']]
ours = np.load(f'{out}/rewind.npy')
kernel, bias = np.load(f'{out}/linear_kernel.npy'), np.load(f'{out}/linear_bias.npy')
flat = test_x.reshape(test_count, -1)
linear = (flat @ kernel + bias).argmax(1)
share = [float((predict(w) == linear).mean()) for w in W]
# The same fit in float64: zero start, full-batch mean cross-entropy gradients, bias-corrected Adam.
train = idx(sample, 'train-images-idx3-ubyte.gz', 16).reshape(-1, 784)[:fit_images].astype(np.float64) / 255
labels = idx(sample, 'train-labels-idx1-ubyte.gz', 8)[:fit_images]
y = np.eye(10)[labels]
params = [np.zeros((784, 10)), np.zeros(10)]
moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
for t in range(1, iterations + 1):
    z = train @ params[0] + params[1]
    p = np.exp(z - z.max(1, keepdims=True)); p /= p.sum(1, keepdims=True)
    r = p - y
    for i, g in enumerate([train.T @ r / len(train), r.sum(0) / len(train)]):
        m, v = moments[i]
        m[:] = 0.9 * m + 0.1 * g
        v[:] = 0.999 * v + 0.001 * g * g
        params[i] -= rate / (1 - 0.9 ** t) * m / (np.sqrt(v / (1 - 0.999 ** t)) + 1e-8)
numpy_fit = (flat @ params[0] + params[1]).argmax(1)
print(json.dumps({
  'rewind': float(np.abs(ours - np.array(rewind)).max()),
  'linearAccuracy': float((linear == test_y).mean()),
  'share': float(np.abs(np.load(f'{out}/linear_share.npy') - np.array(share)).max()),
  'fitAgreement': float((numpy_fit == linear).mean()),
  'fitAccuracy': float((numpy_fit == test_y).mean()),
  'kernel': float(np.abs(params[0] - kernel).max()),
}))
`;

let dbPath: string;
let db: Db;
let ctx: CoreContext;
let handlers: Handlers;
let run: RunDetail;
let trained: RunDetail;
const progress: AnalysisProgress[] = [];

const cli = (...args: string[]) => {
  const result = spawnSync(process.execPath, [BIN, '--db', dbPath, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`weightlapse ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
};

beforeAll(() => {
  dbPath = join(tempDir(), 'w.db');
  const args = ['--epochs', '2', '--train-limit', '200', '--test-limit', String(TEST_IMAGES), '--optimizer', 'adam', '--lr', '0.002', '--seed', '3', '--backend', 'wasm'];
  const result = JSON.parse(cli('train', '--data', SAMPLE_DIR, '--experiment', 'freeze-conv', ...args, '--json').trim().split('\n').at(-1)!) as Record<'trained' | 'frozen', { id: number }>;
  db = openDatabase(dbPath);
  const emit: EmitEvent = (event, payload) => {
    if (event === 'analysis.progress') progress.push(payload as AnalysisProgress);
  };
  ctx = coreContext({ db, dbPath, shell: 'browser', emit });
  handlers = createHandlers(ctx);
  run = getRun(db, result.frozen.id)!;
  trained = getRun(db, result.trained.id)!;
  expect(run.config.freeze).toEqual(['conv1', 'conv2']);
});
afterAll(() => {
  ctx?.inference.close();
  db?.close();
  removeTempDirs();
});

describe('the layer rewind map', () => {
  it('has the run’s own final test accuracy in its final column, exactly, and flat rows for the frozen layers', async () => {
    const n = run.snapshots.length;
    const first = await callValue(handlers, 'analyses.rewind', { runId: run.id });
    expect(first).toMatchObject({ seqs: run.snapshots.map((s) => s.seq), layers: [...LAYERS], finalSeq: run.snapshots.at(-1)!.seq, total: n + 1, testImages: TEST_IMAGES, chance: 0.1 });
    expect(first.reinitSeed).toBe(4);
    await ctx.analyses.rewind.analyze(run.id);
    const map = await callValue(handlers, 'analyses.rewind', { runId: run.id });
    expect(map.analysed).toBe(n + 1);
    const final = run.snapshots.at(-1)!.metrics.testAccuracy!;
    expect(map.finalAccuracy).toBe(final);
    for (const row of map.accuracy) expect(row.at(-1)).toBe(final);
    for (const frozen of ['conv1', 'conv2'] as const) expect(map.accuracy[LAYERS.indexOf(frozen)]).toEqual(new Array(n).fill(final));
    // Not vacuous: the trained layers put back to their initial weights lose what they learned.
    expect(Math.min(...map.accuracy.slice(2).map((row) => row[0]!))).toBeLessThan(final);
    for (const v of map.reinit) expect(v! >= 0 && v! <= 1).toBe(true);
    const events = progress.filter((p) => p.runId === run.id && p.kind === 'rewind');
    expect(events.at(-1)).toEqual({ runId: run.id, kind: 'rewind', done: n + 1, total: n + 1, probes: 0 });
  });
});

describe('against PyTorch and NumPy on the exported weights and coefficients', () => {
  // Its own timeout: PyTorch's start and NumPy's fit are seconds of CPU, minutes on a machine shared by many.
  it('gives every rewind cell, the regression’s accuracy and each snapshot’s linear share as they compute them', async (t) => {
    t.skip(noTorch !== null, noTorch ?? '');
    const weights = join(tempDir(), 'weights');
    const out = join(tempDir(), 'analysis');
    cli('export-weights', '--run', String(run.id), '--out', weights);
    cli('export-analysis', '--run', String(run.id), '--out', out, '--kind', 'rewind,linear');
    const linear = await callValue(handlers, 'analyses.linear', { runId: run.id }); // fitted by the CLI, found here
    expect(linear.analysed).toBe(run.snapshots.length);
    expect(linear.regression).toMatchObject({ trainImages: 6000, iterations: FIT_ITERATIONS });
    const args = [SAMPLE_DIR, weights, out, TEST_IMAGES, FIT_IMAGES, FIT_ITERATIONS, FIT_LEARNING_RATE].map(String);
    const reference = spawnSync(PYTHON, ['-c', REFERENCE, ...args], { encoding: 'utf8' });
    expect(reference.status, reference.stderr).toBe(0);
    const r = JSON.parse(reference.stdout) as Record<string, number>;
    // At most one of the test images decided otherwise (float32 sums in another order).
    expect(r.rewind).toBeLessThanOrEqual(1 / TEST_IMAGES + 1e-12);
    expect(r.share).toBeLessThanOrEqual(1 / TEST_IMAGES + 1e-12);
    expect(Math.abs(r.linearAccuracy! - linear.regression!.accuracy)).toBeLessThanOrEqual(1 / TEST_IMAGES + 1e-12);
    // The fit itself: NumPy's float64 run of the same steps predicts (almost) the same classes.
    expect(r.fitAgreement).toBeGreaterThanOrEqual(0.98);
    expect(Math.abs(r.fitAccuracy! - linear.regression!.accuracy)).toBeLessThanOrEqual(0.02);
    expect(linear.regression!.accuracy).toBeGreaterThan(0.6); // a real fit, far above chance
  });

  it('gives a share of 1 where the network is the regression', async () => {
    await ctx.analyses.linear.analyze(run.id); // (stored already where the CLI fitted it)
    const { fit, test, predicted } = (await ctx.analyses.linear.regression(run.id))!;
    expect(agreement(linearPredictions(fit, test), predicted)).toBe(1);
    const flipped = predicted.map((c, i) => (i < 3 ? (c + 1) % 10 : c));
    expect(agreement(flipped, predicted)).toBe(1 - 3 / predicted.length);
  });
});

describe('two runs’ layers against each other', () => {
  const PROBES = 50;
  const frozenLayers = ['conv1', 'pool1', 'conv2', 'pool2'] as const;
  const at = (m: { matrix: Float64Array }, a: string, b: string) => m.matrix[PROBE_LAYERS.indexOf(a as never) * PROBE_LAYERS.length + PROBE_LAYERS.indexOf(b as never)]!;

  it('shows the frozen conv layers computing what they computed at the start, throughout', async () => {
    for (const snapshot of run.snapshots) {
      const m = await callValue(handlers, 'analyses.cross', { a: { runId: run.id, seq: snapshot.seq }, b: { runId: trained.id, seq: 0 }, probes: PROBES });
      expect(m).toMatchObject({ layers: [...PROBE_LAYERS], probes: PROBES, a: { runId: run.id, seq: snapshot.seq }, b: { runId: trained.id, seq: 0 } });
      for (const layer of frozenLayers) expect(at(m, layer, layer), `${layer} at seq ${snapshot.seq}`).toBeCloseTo(1, 6);
    }
    // Within the frozen run too: every snapshot's conv layers against its own first.
    await ctx.analyses.analyze(run.id, { probes: PROBES });
    for (const layer of frozenLayers) {
      const { matrix, seqs } = await callValue(handlers, 'analyses.similarity', { runId: run.id, layer, probes: PROBES });
      for (let s = 0; s < seqs.length; s++) expect(matrix[s]!, `${layer}: ${seqs[s]} against 0`).toBeCloseTo(1, 6);
    }
    // Not vacuous: the trained run's conv2 moved away from its start, and fc1 of the two runs differ.
    const end = await callValue(handlers, 'analyses.cross', { a: { runId: trained.id, seq: trained.snapshots.at(-1)!.seq }, b: { runId: run.id, seq: 0 }, probes: PROBES });
    expect(at(end, 'conv2', 'conv2')).toBeLessThan(0.999999);
    expect(at(end, 'conv1', 'fc1')).toBeLessThan(1);
  });

  it('refuses a snapshot that is not there, naming the field', async () => {
    const result = await dispatch(handlers, 'analyses.cross', { a: { runId: run.id, seq: 99 }, b: { runId: trained.id, seq: 0 } });
    expect(result).toMatchObject({ ok: false, error: { field: 'a.seq', message: `run #${run.id} has no snapshot 99` } });
  });
});
