/**
 * Names of the standard data sets' classes. IDX files carry no names, so an IDX folder gets them from a
 * `classes.txt` beside the files, else from its folder name (fashion / kmnist / mnist), else digits.
 */
import { basename } from 'node:path';

export const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];
/** KMNIST's ten hiragana, romanised as in its class map. */
export const KMNIST_CLASSES = ['o', 'ki', 'su', 'tsu', 'na', 'ha', 'ma', 'ya', 're', 'wo'];
export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

/** The family an IDX folder belongs to, guessed from its name. */
export function idxFamily(folder: string): { name: string; classes: string[] } {
  const base = basename(folder);
  const lower = base.toLowerCase();
  if (lower.includes('fashion')) return { name: 'Fashion-MNIST', classes: FASHION_MNIST_CLASSES };
  if (lower.includes('kmnist')) return { name: 'KMNIST', classes: KMNIST_CLASSES };
  if (lower.includes('mnist')) return { name: 'MNIST', classes: DIGITS };
  return { name: base, classes: DIGITS };
}

/** One class name a line, blank lines ignored (the format of CIFAR's `batches.meta.txt`). */
export function parseClassList(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
