/**
 * PyTorch's LeNet, for the tests that check our network against it on the weights `export-weights`
 * writes: Python source to put before a reference script (`${TORCH_LENET}`), and why such a test is
 * skipped where /usr/bin/python3 lacks torch and numpy. The script gets
 *  - `idx(sample, name, offset)`: a gzipped IDX file of a data set folder, as uint8;
 *  - `snapshot_weights(weights)`: every exported snapshot, as (its snapshots.json entry, {name: tensor});
 *  - `lenet_logits(x, w)`: the logits of NHWC float32 images `x` (a NumPy array, 0–1) under weights `w`.
 */
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';

const probe = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { encoding: 'utf8' });
/** Null where torch and numpy import, else the reason to skip. */
export const noTorch =
  probe.status === 0 ? null : `${PYTHON} with torch and numpy is needed (Debian: apt-get install python3-torch): ${(probe.stderr || String(probe.error)).trim().split('\n').at(-1)}`;

export const TORCH_LENET = `
import gzip, json, numpy as np, torch, torch.nn.functional as F
idx = lambda sample, name, offset: np.frombuffer(gzip.open(f'{sample}/{name}').read(), np.uint8, offset=offset)
TENSORS = [f'{l}_{p}' for l in ['conv1', 'conv2', 'fc1', 'fc2'] for p in ['kernel', 'bias']]
def snapshot_weights(weights):
    snapshots = json.load(open(f'{weights}/snapshots.json'))['snapshots']
    return [(s, {n: torch.from_numpy(np.load(f"{weights}/{s['folder']}/{n}.npy")) for n in TENSORS}) for s in snapshots]
def lenet_logits(x, w):
    x = torch.from_numpy(np.ascontiguousarray(x, np.float32)).permute(0, 3, 1, 2)
    conv = lambda k: k.permute(3, 2, 0, 1)  # HWIO (tfjs) to OIHW
    h = F.max_pool2d(F.relu(F.conv2d(x, conv(w['conv1_kernel']), w['conv1_bias'])), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, conv(w['conv2_kernel']), w['conv2_bias'])), 2)
    h = F.relu(h.permute(0, 2, 3, 1).flatten(1) @ w['fc1_kernel'] + w['fc1_bias'])  # flattened NHWC, as tfjs
    return h @ w['fc2_kernel'] + w['fc2_bias']
`;
