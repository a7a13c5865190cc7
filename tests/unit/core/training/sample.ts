/** The bundled Fashion-MNIST sample, cut to a few images so that real training stays quick in tests. */
import { loadDataset } from '../../../../src-main/core/datasets/index.ts';
import { BUNDLED_SAMPLE_DIR } from '../../../../src-main/core/datasets/registry.ts';

export const SAMPLE_DIR = BUNDLED_SAMPLE_DIR;

export async function loadSample(trainLimit: number, testLimit: number) {
  const { train, test } = await loadDataset(SAMPLE_DIR, { trainLimit, testLimit });
  return { train, test };
}
