/**
 * The layer rewind map (Zhang, Bengio, Singer, "Are All Layers Created Equal?", JMLR 2022): the final
 * network's test accuracy with one layer's kernel and bias put back to an earlier snapshot, or drawn
 * afresh by the run's initialiser with another seed. A robust layer's row stays flat; a critical one's
 * falls to chance.
 *
 * Each variant is the final weights with the one layer swapped in, measured by the training loop's own
 * `evaluate` on the run's own test split, so the cell "rewound to the final snapshot" is the run's final
 * test accuracy to the last bit (the same model, weights, batches and arg-max).
 */
import type { LayerName } from '../../../src-preload/api.ts';
import type { Split } from '../../datasets/split.ts';
import { createLeNet } from '../model/lenet.ts';
import type { RewindQuery, SnapshotWeights } from '../protocol.ts';

/** What rewinding needs of a model: weights in, test accuracy out. */
export interface Evaluator {
  readonly geometry: { shape: [number, number, number]; classes: number };
  setWeights(weights: SnapshotWeights): void;
  accuracy(split: Split): Promise<number>;
}

/** One layer's kernel and bias, as LeNet's initialiser draws them with `seed` (a JavaScript draw: the same on every backend). */
export function initialLayer(geometry: Evaluator['geometry'], seed: number, layer: LayerName): SnapshotWeights {
  const net = createLeNet(geometry.shape, seed, [], geometry.classes);
  try {
    const of = (name: string) => net.weights.find((w) => w.name === name)!.variable.dataSync() as Float32Array;
    return { [`${layer}/kernel`]: of(`${layer}/kernel`).slice(), [`${layer}/bias`]: of(`${layer}/bias`).slice() };
  } finally {
    net.model.dispose();
  }
}

/** The accuracy on `test` of each variant of `final`, in the query's order. */
export async function rewindAccuracies(model: Evaluator, final: SnapshotWeights, query: RewindQuery, test: Split): Promise<Float64Array> {
  const accuracy = new Float64Array(query.variants.length);
  for (const [i, variant] of query.variants.entries()) {
    const layer = 'from' in variant ? variant.from : initialLayer(model.geometry, variant.reinitSeed, variant.layer);
    const kernel = layer[`${variant.layer}/kernel`];
    const bias = layer[`${variant.layer}/bias`];
    if (!kernel || !bias) throw new Error(`the rewind of ${variant.layer} has no ${kernel ? 'bias' : 'kernel'}`);
    model.setWeights({ ...final, [`${variant.layer}/kernel`]: kernel, [`${variant.layer}/bias`]: bias });
    accuracy[i] = await model.accuracy(test);
  }
  return accuracy;
}
