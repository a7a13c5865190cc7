/**
 * `weightlapse analyze` and `weightlapse export-analysis` as a person runs them, on a run trained by the
 * CLI: the analyses computed headless, the exported CKA matrices equal to NumPy's linear CKA (float64,
 * Gram form, an independent implementation) on the exported activations to 1e-5, the dead units equal to
 * what those activations show, and bad options refused in one line with nothing written.
 *
 * Needs /usr/bin/python3 with numpy; the reference test is skipped with the reason elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { PROBE_LAYERS } from '../../../src-preload/api.ts';
import { appRoot } from '../../../src-main/core/paths.ts';
import { removeTempDirs, tempDir } from '../../helpers.ts';
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
const numpy = spawnSync(PYTHON, ['-c', 'import numpy'], { encoding: 'utf8' });
const noNumpy = numpy.status === 0 ? null : `${PYTHON} with numpy is needed (Debian: apt-get install python3-numpy): ${(numpy.stderr || String(numpy.error)).trim().split('\n').at(-1)}`;

beforeAll(() => {
  dbPath = join(tempDir(), 'w.db');
  const train = cli('train', '--data', SAMPLE_DIR, '--epochs', '2', '--snapshots-per-epoch', '2', '--train-limit', '200', '--test-limit', '50', '--backend', 'wasm', '--json');
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
    expect(lines.slice(2).map((line) => line.split(/ +/)[0])).toEqual([...PROBE_LAYERS]);
    expect(lines[2]).toMatch(/ of 20$/);
  });
});

describe('weightlapse export-analysis', () => {
  it('writes CKA equal to NumPy’s on the exported activations to 1e-5, and the dead units they show', (t) => {
    t.skip(noNumpy !== null, noNumpy ?? '');
    const out = join(tempDir(), 'analysis');
    const r = cli('--json', 'export-analysis', '--run', '1', '--out', out, '--probes', String(PROBES), '--activations');
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ out, files: 6 + 1 + 4 * 6, snapshots: 4 });
    expect(readdirSync(out).sort()).toEqual(['activations', 'analysis.json', ...PROBE_LAYERS.map((l) => `cka_${l}.npy`).sort(), 'dead.npy'].sort());
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

  it('writes only the kinds asked for', () => {
    const out = join(tempDir(), 'dead-only');
    const r = cli('export-analysis', '--run', '1', '--out', out, '--probes', String(PROBES), '--kind', 'dead');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toBe(`wrote 1 .npy file for 4 snapshots to ${out}\n`);
    expect(readdirSync(out).sort()).toEqual(['analysis.json', 'dead.npy']);
  });

  it.each([
    [['--kind', 'rewind'], /^weightlapse: --kind: unknown kind "rewind"; the kinds are cka, dead, top9, featurevis\n$/, 2],
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
