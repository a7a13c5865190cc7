/**
 * The predicted class and its probability for every image of a run's test split at one snapshot (the
 * mistakes list, and the confusion matrices of runs stored before they were recorded), computed on the
 * work queue's `page` priority and kept in memory up to a budget.
 */
import type { RunDetail } from '../../../src-preload/api.ts';
import type { Split } from '../../datasets/split.ts';
import type { ForwardPredictions } from '../../trainer/protocol.ts';
import { weightsAt, type ForwardContext } from '../work/inference.ts';
import { runGroup } from '../work/queue.ts';
import { LruCache, runKey } from './cache.ts';
import { firstImages, type TestSet } from './test-set.ts';

const PREDICTIONS_BUDGET = 32 * 1024 * 1024;
const bytesOfPredictions = (p: ForwardPredictions) => p.predicted.byteLength + p.confidence.byteLength;

export class TestPredictions {
  private readonly kept = new LruCache<ForwardPredictions>(PREDICTIONS_BUDGET, bytesOfPredictions);

  constructor(private readonly ctx: ForwardContext) {}

  /** The run's own test split (as it was trained, with its limit) and the predictions on it at `seq`. */
  async at(run: RunDetail, set: TestSet, seq: number): Promise<{ split: Split; predictions: ForwardPredictions }> {
    const split = firstImages(set.test, run.inputShape, run.config.testLimit);
    const key = `${runKey(run)}:${seq}`;
    const compute = async () => {
      // An earlier request may have computed them while this one waited.
      let done = this.kept.get(key);
      if (!done) {
        const geometry = { shape: run.inputShape, classes: run.classes.length };
        done = await this.ctx.inference.predictions({ geometry, weights: weightsAt(this.ctx.db, run.id, seq), split });
        this.kept.set(key, done);
      }
      return done;
    };
    const predictions = this.kept.get(key) ?? (await this.ctx.work.run('page', compute, runGroup(run.id)));
    return { split, predictions };
  }
}
