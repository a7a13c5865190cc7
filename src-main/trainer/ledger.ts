/**
 * The example ledger of the epoch in progress: for each training image (by its index in the data set's
 * training split), whether its minibatch prediction was right and the probability the network gave its
 * true class, the moment it was trained on (before that batch's update, as Toneva et al. record it).
 * Each snapshot carries the epoch's ledger so far; the one at the epoch's end holds every image.
 */
import { toHalfBits } from '../shared/half.ts';
import { NOT_PRESENTED, type EpochLedger } from './protocol.ts';

export class LedgerRecorder {
  private correct: Uint8Array;
  private pTrue: Uint16Array;

  constructor(
    count: number,
    private epoch: number,
    from?: EpochLedger,
  ) {
    this.correct = new Uint8Array(count).fill(NOT_PRESENTED);
    this.pTrue = new Uint16Array(count);
    if (from && from.epoch === epoch && from.correct.length === count) {
      this.correct.set(from.correct);
      this.pTrue.set(from.pTrue);
    }
  }

  /** Starts the next epoch's ledger, every image not presented. */
  next(epoch: number): void {
    this.epoch = epoch;
    this.correct.fill(NOT_PRESENTED);
    this.pTrue.fill(0);
  }

  /** The batch of images `order[start…start + hits.length)`: hit (1/0) and p(true class) of each. */
  record(order: Uint32Array, start: number, hits: ArrayLike<number>, pTrue: ArrayLike<number>): void {
    for (let i = 0; i < hits.length; i++) {
      const index = order[start + i]!;
      this.correct[index] = hits[i]! > 0.5 ? 1 : 0;
      this.pTrue[index] = toHalfBits(pTrue[i]!);
    }
  }

  /** A copy, for a snapshot (the recorder goes on writing into its own arrays). */
  snapshot(): EpochLedger {
    return { epoch: this.epoch, correct: this.correct.slice(), pTrue: this.pTrue.slice() };
  }
}
