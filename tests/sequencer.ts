/**
 * The order test files start in: vitest's own (on a machine with its cache, longest first), except that the
 * files that take minutes on two cores start first, so that the suite does not end on one of them running
 * alone while the other core idles. A clean clone (CI) has no cache, and vitest would order by file size,
 * which says little about time here (measured on two cores: the trainer window's test 300 s, WebGPU
 * training 140 s, the trainer process 110 s, the CLI's faults 100 s; the median file 5 s).
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

/** The longest files, longest first (path relative to the repository, any project). */
const LONGEST = [
  'tests/e2e/trainer-window.test.ts',
  'tests/unit/trainer/backend/webgpu.test.ts',
  'tests/unit/core/training/trainer-process.test.ts',
  'tests/unit/cli/faults.test.ts',
  'tests/unit/core/training/faults.test.ts',
];

const rank = (spec: TestSpecification) => {
  const at = LONGEST.findIndex((path) => spec.moduleId.endsWith(`/${path}`));
  return at < 0 ? LONGEST.length : at;
};

export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Array.prototype.sort is stable: the rest keep vitest's order.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
