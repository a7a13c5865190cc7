/**
 * `weightlapse analyze` and `weightlapse export-analysis` as a person runs them, on a run trained by the
 * CLI: the analyses computed headless, the exported CKA matrices equal to NumPy's linear CKA (float64,
 * Gram form, an independent implementation) on the exported activations to 1e-5, the dead units equal to
 * what those activations show, the example ledger's per-image table equal to NumPy's recomputation from
 * the exported presentations (and the ROC AUC with which low confidence finds the flipped labels), and bad options refused in one line with nothing written.
 * `analyze --examples` ("compute it now"): the ledger computed from the snapshots equal to PyTorch's
 * end-of-epoch predictions of every training image on the weights `export-weights` writes, and different
 * from the recorded (minibatch) one on a run that learns; once the recorded one is gone, export-analysis
 * writes the computed one and says so.
 *
 * Needs /usr/bin/python3 with numpy (and torch for the computed ledger); the reference tests are skipped with the reason elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { PROBE_LAYERS } from '../../../src-preload/api.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { openDatabase } from '../../../src-main/core/store/db.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';
import { noTorch, TORCH_LENET } from '../../torch-lenet.ts';
import { SAMPLE_DIR } from '../core/training/sample.ts';

const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
const PYTHON = '/usr/bin/python3';
const PROBES = 100;
let dbPath: string;

const cli = (...args: string[]) => spawnSync(process.execPath, [BIN, '--db', dbPath, ...args], { encoding: 'utf8' });

/** NumPy's linear CKA between every pair of snapshots from the exported activations; prints the largest |ours − NumPy's| per layer, and the dead units. */
const REFERENCE = `
import json, sys, numpy as np
out = sys.argv[1]
index = json.load(open(f'{out}/analysis.json'))
acts = {}
for a in index['arrays']:
    if a['kind'] == 'activations':
        acts.setdefault(a['layer'], {})[a['seq']] = np.load(f"{out}/{a['file']}").astype(np.float64)
seqs = [s['seq'] for s in index['snapshots']]
def gram(x):
    x = x - x.mean(axis=0)
    return x @ x.T
def cka(k, l):
    return float((k * l).sum() / (np.linalg.norm(k) * np.linalg.norm(l)))
worst, smallest = {}, {}
for layer, by_seq in acts.items():
    grams = [gram(by_seq[s]) for s in seqs]
    ours = np.load(f'{out}/cka_{layer}.npy')
    ref = np.array([[cka(a, b) for b in grams] for a in grams])
    worst[layer] = float(np.abs(ours - ref).max())
    smallest[layer] = float(ref.min())
units = {'conv1': 20, 'conv2': 50, 'fc1': 500}
dead = np.load(f'{out}/dead.npy')
dead_ref = np.array([[float((acts[l][s].reshape(len(acts[l][s]), -1, units[l]).max(axis=(0, 1)) <= 0).mean()) for l in units] for s in seqs])
print(json.dumps({'worst': worst, 'smallest': smallest, 'dead': float(np.abs(dead - dead_ref).max()), 'probes': len(index['probes']['indices'])}))
`;
/** The per-image table recomputed by NumPy from the exported per-presentation records; prints each column's largest |ours − NumPy's|. */
const EXAMPLES_REFERENCE = `
import json, sys, numpy as np
out = sys.argv[1]
index = json.load(open(f'{out}/analysis.json'))
table = np.load(f'{out}/examples.npy')
cols = {c: i for i, c in enumerate(next(a for a in index['arrays'] if a['file'] == 'examples.npy')['columns'])}
correct = np.load(f'{out}/examples_correct.npy')
p = np.load(f'{out}/examples_p_true.npy').astype(np.float64)
assert (correct != 255).all()
forgetting = ((correct[:-1] == 1) & (correct[1:] == 0)).sum(axis=0)
ever = correct.max(axis=0) == 1
stays = np.flip(np.cumprod(np.flip(correct == 1, axis=0), axis=0), axis=0).astype(bool)
learned_from = np.where(stays[-1], len(correct) - stays.sum(axis=0) + 1, -1)
ref = {'forgetting': forgetting, 'unforgettable': ever & (forgetting == 0), 'never_learned': ~ever, 'learned_from': learned_from,
       'confidence': p.mean(axis=0), 'variability': p.std(axis=0), 'correctness': (correct == 1).mean(axis=0)}
flipped = np.zeros(correct.shape[1], bool)
flipped[index['labelNoise']['flipped']] = True
doubt = 1 - table[:, cols['confidence']]
pos, neg = doubt[flipped][:, None], doubt[~flipped][None, :]
auc = float(((pos > neg).sum() + 0.5 * (pos == neg).sum()) / (pos.size * neg.size))
print(json.dumps({'worst': {c: float(np.abs(table[:, cols[c]] - v).max()) for c, v in ref.items()}, 'epochs': len(correct),
                  'images': correct.shape[1], 'forgotten': int(forgetting.sum()), 'flipped': int(flipped.sum()),
                  'auc': auc, 'ours': index['labelNoise']['auc']}))
`;
/**
 * PyTorch's end-of-epoch predictions of the run's training images (the IDX files' first ones, with the labels
 * it trained with: the exported table's) at each whole-epoch snapshot, against the exported computed ledger:
 * prints the largest |p − PyTorch's| beyond float16's rounding (half a step: at most 2^-11 of p), how many
 * right/wrong differ where PyTorch's top two classes are more than 1e-5 apart and how many such near-ties
 * there are, and how many records differ from the recorded ledger's export.
 */
const LEDGER_REFERENCE = `${TORCH_LENET}
import sys
sample, weights, out, recorded = sys.argv[1:5]
correct = np.load(f'{out}/examples_correct.npy')
p = np.load(f'{out}/examples_p_true.npy').astype(np.float64)
labels = np.loadtxt(f'{out}/examples.csv', delimiter=',', skiprows=1, usecols=1).astype(int)
x = idx(sample, 'train-images-idx3-ubyte.gz', 16).reshape(-1, 28, 28, 1)[:len(labels)] / 255
worst, differ, ties = 0.0, 0, 0
ends = [(s, w) for s, w in snapshot_weights(weights) if s['epoch'] > 0 and float(s['epoch']).is_integer()]
for s, w in ends:
    e = int(s['epoch']) - 1
    probs = torch.softmax(lenet_logits(x, w).double(), 1).numpy()
    ref = probs[np.arange(len(labels)), labels]
    worst = max(worst, float((np.abs(p[e] - ref) - ref * 2.0 ** -11).max()))
    top2 = np.sort(probs, 1)[:, -2:]
    clear = top2[:, 1] - top2[:, 0] > 1e-5
    differ += int(((probs.argmax(1) == labels).astype(np.uint8) != correct[e])[clear].sum())
    ties += int((~clear).sum())
rec_correct = np.load(f'{recorded}/examples_correct.npy')
print(json.dumps({'epochs': [int(s['epoch']) for s, _ in ends], 'worst': worst, 'differ': differ, 'ties': ties,
                  'images': len(labels), 'fromRecorded': int((rec_correct != correct).sum())}))
`;
const numpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
const noNumpy = numpy.status === 0 ? null : `${PYTHON} with numpy is needed (Debian: apt-get install python3-numpy): ${(numpy.stderr || String(numpy.error)).trim().split('\n').at(-1)}`;

beforeAll(() => {
  dbPath = join(tempDir(), 'w.db');
  // Batches of 20 at a learning rate of 0.05: enough steps in two epochs that predictions change (the example ledger's images are
  // forgotten and learned); a fifth of the labels flipped (the noisy-labels experiment's second run).
  const train = cli('train', '--data', SAMPLE_DIR, '--epochs', '2', '--snapshots-per-epoch', '2', '--train-limit', '200', '--test-limit', '50', '--batch', '20', '--lr', '0.05', '--label-noise', '0.2', '--backend', 'wasm', '--json');
  if (train.status !== 0) throw new Error(train.stderr);
});
afterAll(() => removeTempDirs());

describe('weightlapse analyze', () => {
  it('computes every snapshot’s analyses, then only what is missing, and says how each layer settled', () => {
    const first = cli('--json', 'analyze', '--run', '1', '--probes', String(PROBES));
    expect(first.status, first.stderr).toBe(0);
    const result = JSON.parse(first.stdout) as { run: number; probes: number; snapshots: number; analysed: number; layers: { layer: string; first: number }[] };
    expect(result).toMatchObject({ run: 1, probes: PROBES, snapshots: 4, analysed: 4 });
    expect(result.layers.map((l) => l.layer)).toEqual([...PROBE_LAYERS]);
    for (const l of result.layers) expect(l.first > 0 && l.first <= 1).toBe(true);

    const again = cli('analyze', '--run', '1', '--probes', String(PROBES));
    expect(again.status, again.stderr).toBe(0);
    const lines = again.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^run #1: 4 snapshots analysed on ${PROBES} probe images in [\\d.]+ s$`));
    expect(lines[1]).toMatch(/^layer +CKA first→final +settled \(≥ 0\.9\) +dead at the end$/);
    expect(lines.slice(2, 2 + PROBE_LAYERS.length).map((line) => line.split(/ +/)[0])).toEqual([...PROBE_LAYERS]);
    expect(lines[2]).toMatch(/ of 20$/);
    // Then the rewind map's first column and re-initialised one, per layer, and the linear share.
    const rest = lines.slice(2 + PROBE_LAYERS.length);
    expect(rest[1]).toMatch(/^rewinding one layer of the final network \(test accuracy [\d.]+% on 50 test images, chance 10\.0%\):$/);
    expect(rest.slice(3, 7).map((line) => line.split(/ +/)[0])).toEqual(['conv1', 'conv2', 'fc1', 'fc2']);
    expect(rest.at(-1)).toMatch(/^pixel logistic regression \(6000 training images, 100 iterations\): [\d.]+% on the test images; the network agrees with it on [\d.]+% at first, [\d.]+% at the end$/);
  });
});

describe('weightlapse export-analysis', () => {
  it('writes CKA equal to NumPy’s on the exported activations to 1e-5, and the dead units they show', (t) => {
    t.skip(noNumpy !== null, noNumpy ?? '');
    const out = join(tempDir(), 'analysis');
    const r = cli('--json', 'export-analysis', '--run', '1', '--out', out, '--probes', String(PROBES), '--activations');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, files: 6 + 1 + 5 + 4 * 6, snapshots: 4 });
    const others = ['rewind.npy', 'reinit.npy', 'linear_share.npy', 'linear_kernel.npy', 'linear_bias.npy'];
    expect(readdirSync(out).sort()).toEqual(['activations', 'analysis.json', ...PROBE_LAYERS.map((l) => `cka_${l}.npy`), 'dead.npy', ...others].sort());
    const index = JSON.parse(readFileSync(join(out, 'analysis.json'), 'utf8')) as { arrays: { file: string; axes: string[]; shape: number[] }[] };
    expect(index.arrays.find((a) => a.file === 'cka_fc1.npy')).toMatchObject({ axes: ['snapshot', 'snapshot'], shape: [4, 4] });
    expect(index.arrays.find((a) => a.file === 'activations/epoch_0000/conv1.npy')).toMatchObject({ axes: ['probe', 'feature'], shape: [PROBES, 24 * 24 * 20] });

    const reference = spawnSync(PYTHON, ['-c', REFERENCE, out], { encoding: 'utf8' });
    expect(reference.status, reference.stderr).toBe(0);
    const { worst, smallest, dead, probes } = JSON.parse(reference.stdout) as { worst: Record<string, number>; smallest: Record<string, number>; dead: number; probes: number };
    expect(probes).toBe(PROBES);
    expect(Object.keys(worst).sort()).toEqual([...PROBE_LAYERS].sort());
    for (const layer of PROBE_LAYERS) expect(worst[layer], layer).toBeLessThanOrEqual(1e-5);
    // Not a vacuous match: the snapshots differ (the logits most).
    expect(smallest.logits).toBeLessThan(0.95);
    expect(dead).toBe(0);
  });

  it('writes the example ledger’s per-image table, equal to NumPy’s recomputation from the exported presentations', (t) => {
    t.skip(noNumpy !== null, noNumpy ?? '');
    const out = join(tempDir(), 'examples');
    const r = cli('--json', 'export-analysis', '--run', '1', '--out', out, '--kind', 'examples');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, files: 3, snapshots: 4 });
    expect(readdirSync(out).sort()).toEqual(['analysis.json', 'examples.csv', 'examples.npy', 'examples_correct.npy', 'examples_p_true.npy']);
    const csv = readFileSync(join(out, 'examples.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('index,label,presented,forgetting,unforgettable,never_learned,learned_from,confidence,variability,correctness');
    expect(csv.length).toBe(1 + 200);

    const reference = spawnSync(PYTHON, ['-c', EXAMPLES_REFERENCE, out], { encoding: 'utf8' });
    expect(reference.status, reference.stderr).toBe(0);
    const { worst, epochs, images, forgotten, flipped, auc, ours } = JSON.parse(reference.stdout) as {
      worst: Record<string, number>; epochs: number; images: number; forgotten: number; flipped: number; auc: number; ours: number;
    };
    expect([epochs, images]).toEqual([2, 200]);
    for (const column of ['forgetting', 'unforgettable', 'never_learned', 'learned_from']) expect(worst[column], column).toBe(0);
    // float32 in the table, float64 in NumPy.
    for (const column of ['confidence', 'variability', 'correctness']) expect(worst[column], column).toBeLessThanOrEqual(1e-6);
    // Not vacuous: some images were learned in the first epoch and forgotten in the second.
    expect(forgotten).toBeGreaterThan(0);
    // The flipped labels (40 of 200), and how well low confidence finds them: NumPy's pair count.
    expect(flipped).toBe(40);
    expect(ours).toBeCloseTo(auc, 12);
  });

  it('writes only the kinds asked for', () => {
    const out = join(tempDir(), 'dead-only');
    const r = cli('export-analysis', '--run', '1', '--out', out, '--probes', String(PROBES), '--kind', 'dead');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote 1 .npy file for 4 snapshots to ${out}\n`);
    expect(readdirSync(out).sort()).toEqual(['analysis.json', 'dead.npy']);
  });

  it.each([
    [['--kind', 'svcca'], /^weightlapse: --kind: unknown kind "svcca"; the kinds are cka, dead, rewind, linear, top9, featurevis, examples\n$/, 2],
    [['--probes', '0'], /^weightlapse: --probes: expected a whole number from 1 to 5000, got "0"\n$/, 2],
    [['--probes', '2000'], /^weightlapse: --probes: 2000 is more than the 1000 test images of run #1's data set\n$/, 1],
    [['--run', '9'], /^weightlapse: no run #9\n$/, 1],
  ])('refuses %j with one clear line, writing nothing', (args, message, code) => {
    const out = join(tempDir(), 'refused');
    const r = cli('export-analysis', '--run', '1', '--out', out, ...args);
    expect(r.status).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });
});

describe('weightlapse analyze --examples', () => {
  it('computes the example ledger from the snapshots, with a progress bar: PyTorch’s end-of-epoch predictions; export-analysis then writes it, saying so', (t) => {
    // On a terminal (script(1) gives it one), with its progress bar on the way.
    const command = [process.execPath, BIN, '--db', dbPath, 'analyze', '--run', '1', '--examples'].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8' });
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(/computing the example ledger of run #1 \[[^\]]*\] 1\/3 /);
    expect(r.stdout).toMatch(/computing the example ledger of run #1 \[[^\]]*\] 3\/3 /);
    const lines = r.stdout.replace(/\r/g, '').trim().split('\n').slice(-2);
    expect(lines[0]).toMatch(/^run #1: example ledger computed from 3 snapshots \(end-of-epoch predictions of 200 training images\) in \d+\.\d s$/);
    expect(lines[1]).toMatch(/^\d+ forgetting events?; \d+ unforgettable, \d+ never learned$/);
    // Asked again: all is stored, nothing computed twice.
    const again = cli('--json', 'analyze', '--run', '1', '--examples');
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ run: 1, source: 'computed', snapshots: 3, computed: 3, images: 200, epochs: 2 });
    const recorded = join(tempDir(), 'recorded');
    expect(cli('export-analysis', '--run', '1', '--out', recorded, '--kind', 'examples').status).toBe(0);

    // As a run stored before ledgers were recorded: only the computed one is left to export.
    const db = openDatabase(dbPath);
    db.prepare(`DELETE FROM example_ledgers WHERE source = 'recorded'`).run();
    db.close();
    const out = join(tempDir(), 'computed');
    const exported = cli('export-analysis', '--run', '1', '--out', out, '--kind', 'examples');
    expect(exported.status, exported.stderr).toBe(0);
    const sources = (dir: string) => (JSON.parse(readFileSync(join(dir, 'analysis.json'), 'utf8')) as { arrays: { source?: string }[] }).arrays.map((a) => a.source);
    expect(new Set(sources(recorded))).toEqual(new Set(['recorded']));
    expect(new Set(sources(out))).toEqual(new Set(['computed']));

    t.skip(noTorch !== null, noTorch ?? '');
    const weights = join(tempDir(), 'weights');
    expect(cli('export-weights', '--run', '1', '--out', weights).status).toBe(0);
    const reference = spawnSync(PYTHON, ['-c', LEDGER_REFERENCE, SAMPLE_DIR, weights, out, recorded], { encoding: 'utf8' });
    expect(reference.status, reference.stderr).toBe(0);
    const ref = JSON.parse(reference.stdout) as { epochs: number[]; worst: number; differ: number; ties: number; images: number; fromRecorded: number };
    expect(ref).toMatchObject({ epochs: [1, 2], images: 200, differ: 0 });
    expect(ref.worst).toBeLessThanOrEqual(1e-4);
    expect(ref.ties).toBeLessThanOrEqual(2);
    // Minibatch predictions before each batch's update are not the end-of-epoch network's: on a run that learns they differ.
    expect(ref.fromRecorded).toBeGreaterThan(0);
  });
});
