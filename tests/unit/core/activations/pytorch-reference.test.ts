/**
 * The feature maps and probabilities the app shows equal PyTorch's forward pass of the same LeNet on the
 * weights `weightlapse export-weights` writes, to 1e-4, for 28×28×1 and 32×32×3 inputs: runs trained by
 * the CLI (on the Fashion-MNIST sample, and on a CIFAR-10-format folder made from it), maps through the
 * API. tfjs keeps NHWC and [kh, kw, in, out] kernels, PyTorch NCHW and [out, in, kh, kw]: the script
 * converts, and flattens pool2 in NHWC order as tfjs does before fc1.
 *
 * Needs /usr/bin/python3 with torch and numpy (Debian's python3-torch); skipped with the reason elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { coreContext } from '../../../../src-main/core/startup.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatch, MAP_LAYERS, type ActivationMaps, type Handlers } from '../../../../src-preload/api.ts';
import type { CoreContext } from '../../../../src-main/core/api/context.ts';
import { createHandlers } from '../../../../src-main/core/api/handlers.ts';
import { encodeNpy } from '../../../../src-main/core/export/npy.ts';
import { appRoot } from '../../../../src-main/core/paths.ts';
import { openDatabase } from '../../../../src-main/core/store/db.ts';
import { cifarFolder } from '../../datasets/fixtures.ts';
import { removeTempDirs, tempDir, unwrap } from '../../../helpers.ts';
import { SAMPLE_DIR } from '../training/sample.ts';

const PYTHON = '/usr/bin/python3';
const BIN = join(appRoot, 'src-main', 'cli', 'weightlapse.mjs');
const TOLERANCE = 1e-4;

/** PyTorch's LeNet on the exported weights; prints the largest |difference| per output as JSON. */
const REFERENCE = `
import json, sys, numpy as np, torch, torch.nn.functional as F
ours, weights = sys.argv[1], sys.argv[2]
w = lambda name: torch.from_numpy(np.load(f'{weights}/{name}.npy'))
conv = lambda k: k.permute(3, 2, 0, 1)          # [kh, kw, in, out] -> [out, in, kh, kw]
nhwc = lambda t: t.permute(0, 2, 3, 1)
x = torch.from_numpy(np.load(f'{ours}/images.npy')).permute(0, 3, 1, 2) / 255
conv1 = F.relu(F.conv2d(x, conv(w('conv1_kernel')), w('conv1_bias')))
pool1 = F.max_pool2d(conv1, 2)
conv2 = F.relu(F.conv2d(pool1, conv(w('conv2_kernel')), w('conv2_bias')))
flat = nhwc(F.max_pool2d(conv2, 2)).flatten(1)  # NHWC order, as tfjs flattens before fc1
fc1 = F.relu(flat @ w('fc1_kernel') + w('fc1_bias'))
probabilities = F.softmax(fc1 @ w('fc2_kernel') + w('fc2_bias'), dim=1)
reference = {'conv1': nhwc(conv1), 'pool1': nhwc(pool1), 'conv2': nhwc(conv2), 'probabilities': probabilities}
print(json.dumps({name: float((torch.from_numpy(np.load(f'{ours}/{name}.npy')) - t).abs().max()) for name, t in reference.items()}))
`;

const torch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
const noTorch = torch.status === 0 ? null : `${PYTHON} with torch and numpy is needed (Debian: apt-get install python3-torch): ${(torch.stderr || String(torch.error)).trim().split('\n').at(-1)}`;

let dbPath: string;
let handlers: Handlers;
let ctx: CoreContext;

beforeAll(() => {
  dbPath = join(tempDir(), 'w.db');
  const db = openDatabase(dbPath);
  ctx = coreContext({ db, dbPath, shell: 'browser', emit: () => {} });
  handlers = createHandlers(ctx);
});
afterAll(() => {
  ctx?.inference.close();
  ctx.db.close();
  removeTempDirs();
});

const cli = (...args: string[]) => {
  const result = spawnSync(process.execPath, [BIN, '--db', dbPath, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`weightlapse ${args[0]} failed: ${result.stderr}`);
  return result.stdout;
};

async function compareWithPyTorch(data: string, shape: string): Promise<void> {
  const { id } = JSON.parse(cli('train', '--data', data, '--epochs', '1', '--train-limit', '200', '--test-limit', '40', '--backend', 'wasm', '--json').trim().split('\n').at(-1)!) as { id: number };
  const weights = join(tempDir(), 'weights');
  cli('export-weights', '--run', String(id), '--out', weights);
  const maps = unwrap<ActivationMaps>(await dispatch(handlers, 'activations.maps', { runId: id, seq: 1 }));
  expect(maps.shape.join('x')).toBe(shape);

  const ours = join(tempDir(), 'ours');
  mkdirSync(ours);
  const n = maps.indices.length;
  writeFileSync(join(ours, 'images.npy'), encodeNpy([n, ...maps.shape], Float32Array.from(maps.images)));
  for (const layer of MAP_LAYERS) writeFileSync(join(ours, `${layer}.npy`), encodeNpy(maps.maps[layer].shape, maps.maps[layer].data));
  writeFileSync(join(ours, 'probabilities.npy'), encodeNpy([n, maps.classes.length], maps.probabilities));
  const reference = spawnSync(PYTHON, ['-c', REFERENCE, ours, join(weights, 'epoch_0001')], { encoding: 'utf8' });
  expect(reference.status, reference.stderr).toBe(0);
  const differences = JSON.parse(reference.stdout) as Record<string, number>;
  expect(Object.keys(differences).sort()).toEqual(['conv1', 'conv2', 'pool1', 'probabilities']);
  for (const [name, d] of Object.entries(differences)) expect(d, name).toBeLessThanOrEqual(TOLERANCE);
  // Not a vacuous match: the maps hold real, varied values.
  expect(maps.scale.conv1).toBeGreaterThan(0.1);
}

describe('feature maps against PyTorch', () => {
  it('equal PyTorch’s forward pass to 1e-4 for 28×28×1 inputs (Fashion-MNIST)', async (t) => {
    t.skip(noTorch !== null, noTorch ?? '');
    await compareWithPyTorch(SAMPLE_DIR, '28x28x1');
  });

  it('equal PyTorch’s forward pass to 1e-4 for 32×32×3 inputs (CIFAR-10 format)', async (t) => {
    t.skip(noTorch !== null, noTorch ?? '');
    await compareWithPyTorch(cifarFolder({ perBatch: 60 }).dir, '32x32x3');
  });
});
