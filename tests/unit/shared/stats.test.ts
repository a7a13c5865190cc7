/**
 * The group statistics against independent references (SciPy is not installed here): Student's t quantiles
 * against a published table (two-sided 95 % and 99 % critical values, as in NIST/SEMATECH's e-Handbook of
 * Statistical Methods, table 1.3.6.7.2, and every statistics textbook), the CDF against closed forms, and the
 * interval and paired test computed by hand in the test.
 */
import { describe, expect, it } from 'vitest';
import type { GroupMember, LayerAnalysis } from '../../../src-preload/api.ts';
import { freezeGap, gapOutcome, groupCsv, groupFigures, settledSpread } from '../../../src-main/shared/groups.ts';
import { meanInterval, pairedTTest, studentTCdf, studentTQuantile } from '../../../src-main/shared/stats.ts';

// df → t(0.975, df), t(0.995, df): the published table, to its three decimals.
const TABLE: [number, number, number][] = [
  [1, 12.706, 63.657],
  [2, 4.303, 9.925],
  [3, 3.182, 5.841],
  [4, 2.776, 4.604],
  [5, 2.571, 4.032],
  [9, 2.262, 3.25],
  [10, 2.228, 3.169],
  [19, 2.093, 2.861],
  [29, 2.045, 2.756],
  [100, 1.984, 2.626],
];

describe("Student's t", () => {
  it('has the quantiles of the published table', () => {
    for (const [df, t975, t995] of TABLE) {
      expect(studentTQuantile(0.975, df)).toBeCloseTo(t975, 3);
      expect(studentTQuantile(0.995, df)).toBeCloseTo(t995, 3);
      expect(studentTQuantile(0.025, df)).toBeCloseTo(-t975, 3);
    }
  });

  it('has the CDF of its closed forms: Cauchy at 1 degree of freedom, t / (2√(2 + t²)) + ½ at 2', () => {
    for (const t of [-7, -1.5, -0.3, 0, 0.4, 1, 2.5, 30]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 12);
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 12);
    }
  });
});

describe('the interval and the paired test', () => {
  // Five seeds' test accuracies of each arm (made up, of the study's size).
  const trained = [0.962, 0.958, 0.965, 0.955, 0.961];
  const frozen = [0.921, 0.93, 0.915, 0.925, 0.919];

  it('give mean ± t(0.975, n − 1)·s/√n and t = d̄ / (s_d/√n) as computed by hand', () => {
    // By hand: the differences are 0.041, 0.028, 0.050, 0.030, 0.042; their mean 0.0382; the squared
    // deviations 8.41e-6, 1.0404e-4, 1.3924e-4, 6.724e-5, 1.444e-5 sum to 3.328e-4, so s_d² = 8.32e-5,
    // s_d = 0.0091214, s_d/√5 = 0.0040792; t(0.975, 4) = 2.776445 (table: 2.776).
    const se = Math.sqrt(3.328e-4 / 4) / Math.sqrt(5);
    const gap = meanInterval(trained.map((x, i) => x - frozen[i]!))!;
    expect(gap.n).toBe(5);
    expect(gap.mean).toBeCloseTo(0.0382, 12);
    expect(gap.sd).toBeCloseTo(Math.sqrt(8.32e-5), 12);
    expect(gap.low).toBeCloseTo(0.0382 - 2.776445 * se, 6);
    expect(gap.high).toBeCloseTo(0.0382 + 2.776445 * se, 6);
    const test = pairedTTest(trained, frozen);
    expect(test.df).toBe(4);
    expect(test.t).toBeCloseTo(0.0382 / se, 9); // 9.3645
    // p = 2·P(T₄ ≤ −9.3645): between the table's two-sided 0.001 (t = 8.610) and 0.0005 (t = 10.306) at 4 degrees of freedom.
    expect(test.p!).toBeLessThan(0.001);
    expect(test.p!).toBeGreaterThan(0.0005);
    expect(studentTCdf(-test.t!, 4) * 2).toBe(test.p);
  });

  it('a p-value of 0.05 exactly at the critical value, and none for one seed or identical differences', () => {
    const t = studentTQuantile(0.975, 4);
    expect(2 * studentTCdf(-t, 4)).toBeCloseTo(0.05, 12);
    expect(meanInterval([0.9])).toEqual({ n: 1, mean: 0.9, sd: null, low: null, high: null });
    expect(pairedTTest([0.5, 0.75], [0.25, 0.5]).p).toBeNull(); // every difference 0.25 exactly: no spread
  });

  const member = (runId: number, seed: number, arm: GroupMember['arm'], acc: number | null): GroupMember => ({
    runId, seed, arm, status: acc === null ? 'running' : 'done', epochsDone: acc === null ? 0 : 1, finalAccuracy: acc, perEpoch: [0.1, acc], change: { conv1: [null, 0.1], conv2: [null, 0.2], fc1: [null, 0.3], fc2: [null, 0.4] },
  });

  it("pairs the freeze experiment's arms by seed, over the seeds whose two runs finished, and says whether 0 is excluded", () => {
    const members = trained.flatMap((a, i) => [member(2 * i + 1, i + 1, 'trained', a), member(2 * i + 2, i + 1, 'frozen', frozen[i]!)]);
    members.push(member(11, 6, 'trained', 0.97), member(12, 6, 'frozen', null)); // seed 6 still training
    const gap = freezeGap(members)!;
    expect(gap.gap.n).toBe(5);
    expect(gap.gap.mean).toBeCloseTo(0.0382, 12);
    expect(gap.distinguishable).toBe(true);
    expect(gapOutcome(gap)).toMatch(/^At 5 seeds the gap is distinguishable from zero/);
    const noise = freezeGap([member(1, 1, 'trained', 0.9), member(2, 1, 'frozen', 0.91), member(3, 2, 'trained', 0.9), member(4, 2, 'frozen', 0.88)])!;
    expect(noise.distinguishable).toBe(false);
    expect(gapOutcome(noise)).toMatch(/^At 2 seeds the gap is not distinguishable from zero/);

    const figures = groupFigures('freeze', members, 1);
    expect(figures.arms.map((a) => [a.arm, a.final?.n])).toEqual([['trained', 6], ['frozen', 5]]);
    expect(figures.arms[0]!.perEpoch[0]!.n).toBe(6);
    expect(figures.arms[0]!.perEpoch[0]!.mean).toBeCloseTo(0.1, 15);
    const csv = groupCsv({ kind: 'freeze', epochs: 1, members, ...figures }).split('\n');
    expect(csv[0]).toBe('row,run,seed,arm,status,final_test_accuracy,epoch_0,epoch_1');
    expect(csv[1]).toBe('member,1,1,trained,done,0.962,0.1,0.962');
    expect(csv).toContain(`trained-frozen,5,${gap.gap.mean},${gap.gap.low},${gap.gap.high},${gap.test.t},4,${gap.test.p}`);
  });

  it('spreads "settled at" over the members that finished and are analysed in full, in epochs', () => {
    // Snapshots at epochs 0, 0.5, 1, 1.5, 2 (seqs 0…4); two layers.
    const analysis = (runId: number, settledAt: (number | null)[], analysed = 5) =>
      ({ runId, seqs: [0, 1, 2, 3, 4], epochs: [0, 0.5, 1, 1.5, 2], layers: ['conv1', 'fc1'], analysed, settledAt }) as unknown as LayerAnalysis;
    const members = [1, 2, 3, 4, 5].map((i) => member(i, i, 'plain', 0.9));
    members.push(member(6, 6, 'plain', null)); // still training: left out though analysed
    const analyses = new Map([
      [1, analysis(1, [1, 4])], [2, analysis(2, [2, 4])], [3, analysis(3, [2, 3])], [4, analysis(4, [4, 4])],
      [5, analysis(5, [0, 0], 3)], // not analysed in full: left out
      [6, analysis(6, [0, 0])],
    ]);
    const [conv1, fc1] = settledSpread('plain', members, analyses);
    // conv1 at epochs 0.5, 1, 1, 2: median (1 + 1) / 2, mean 1.125, s = √(0.796875 / 3), t(0.975, 3) = 3.182446305284263.
    expect(conv1).toMatchObject({ arm: 'plain', layer: 'conv1', n: 4, min: 0.5, median: 1, max: 2 });
    const s = Math.sqrt(((0.5 - 1.125) ** 2 + 2 * (1 - 1.125) ** 2 + (2 - 1.125) ** 2) / 3);
    expect(conv1!.mean!.mean).toBeCloseTo(1.125, 14);
    expect(conv1!.mean!.high!).toBeCloseTo(1.125 + (3.182446305284263 * s) / 2, 12);
    expect(fc1).toMatchObject({ layer: 'fc1', n: 4, min: 1.5, median: 2, max: 2 });
    expect(settledSpread('plain', members, new Map())).toEqual([]);
  });
});
