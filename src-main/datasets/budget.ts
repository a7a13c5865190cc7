/**
 * What reading one data set may hold in memory, counted before anything is allocated: the bytes its
 * files say they decode to (IDX headers, CIFAR-10 batches in a folder or an archive), all files together.
 * A header, a batch or an archive member that would pass it is refused, naming the file, before its bytes
 * are read or inflated, so that no small file can claim gigabytes. CIFAR-10 needs 184 MB of it, MNIST 55 MB.
 */
import { DatasetError } from './errors.ts';

export const DATA_BUDGET_BYTES = 512 << 20;

const mb = (bytes: number) => `${Math.ceil(bytes / 2 ** 20)} MB`;

export class ByteBudget {
  private used = 0;

  constructor(readonly limit = DATA_BUDGET_BYTES) {}

  /** Counts `bytes` that `file` is about to take, or refuses them where the total would pass the limit. */
  take(file: string, bytes: number): void {
    if (this.used + bytes > this.limit) {
      const before = this.used > 0 ? ` (with the ${mb(this.used)} read before it)` : '';
      throw new DatasetError(file, `would take ${mb(bytes)} of memory${before}, more than the ${mb(this.limit)} a data set may take`);
    }
    this.used += bytes;
  }

  /** Gives back what a file took that is no longer kept (an archive member replaced by a later copy). */
  give(bytes: number): void {
    this.used -= bytes;
  }
}
