/**
 * When the network learned what: per-class test accuracy from confusion matrices, the snapshot at which
 * each class got there, and the snapshot from which each pinned input stays correctly classified. Pure:
 * the training loop counts its evaluation with it, the core reads the stored counts with it.
 */

/** Counts [true class][predicted class], row by row. */
export interface ConfusionMatrix {
  classes: number;
  counts: Uint32Array;
}

/** Each class's accuracy (recall: its diagonal count over its row), null for a class with no test image. */
export function classAccuracy({ classes, counts }: ConfusionMatrix): (number | null)[] {
  return Array.from({ length: classes }, (_, c) => {
    let row = 0;
    for (let p = 0; p < classes; p++) row += counts[c * classes + p]!;
    return row === 0 ? null : counts[c * classes + c]! / row;
  });
}

/** Correct answers over all answers: what the test accuracy is. */
export function overallAccuracy({ classes, counts }: ConfusionMatrix): number {
  let correct = 0;
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    total += counts[i]!;
    if (Math.floor(i / classes) === i % classes) correct += counts[i]!;
  }
  return total === 0 ? 0 : correct / total;
}

/**
 * The position from which a series stays at 90 % of its final value or above: the first of the last
 * unbroken stretch at that level (an untrained net that calls every image one class is at 100 % for it at
 * epoch 0, then drops: that class is learned where it comes back to stay). Null values (a snapshot not
 * evaluated) neither start nor break the stretch. Null when the final value is null or 0 (a class never
 * recognised has not been learned).
 */
export function staysNearFinalFrom(values: readonly (number | null)[]): number | null {
  const final = values.at(-1);
  if (final == null || final <= 0) return null;
  let from: number | null = null;
  values.forEach((v, i) => {
    if (v == null) return;
    if (v < 0.9 * final) from = null;
    else from ??= i;
  });
  return from;
}

/** The first position from which every later one is true (null when the last is false). */
export function staysTrueFrom(correct: readonly boolean[]): number | null {
  let from: number | null = null;
  correct.forEach((ok, i) => {
    if (!ok) from = null;
    else from ??= i;
  });
  return from;
}

/** The confusion matrix of predictions against labels. */
export function confusionOf(labels: ArrayLike<number>, predicted: ArrayLike<number>, classes: number): ConfusionMatrix {
  const counts = new Uint32Array(classes * classes);
  for (let i = 0; i < labels.length; i++) counts[labels[i]! * classes + predicted[i]!]!++;
  return { classes, counts };
}

/** Index of the largest value of row `row` of a [rows, width] array. */
export function argMaxRow(values: Float32Array, width: number, row: number): number {
  let best = 0;
  for (let k = 1; k < width; k++) if (values[row * width + k]! > values[row * width + best]!) best = k;
  return best;
}
