/**
 * The suite's last lines: every test that did not run, and why (the note its `skip(note)` gave, or the
 * condition its suite's name states), so that a run that skipped something says so where it is read.
 */
import type { Reporter, TestModule } from 'vitest/node';

export default class SkippedReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const lines: string[] = [];
    for (const module of modules) {
      for (const test of module.children.allTests('skipped')) {
        const result = test.result();
        const note = result.state === 'skipped' ? result.note : undefined;
        lines.push(`  ${module.project.name} ${module.relativeModuleId} › ${test.fullName}${note ? `: ${note}` : ''}`);
      }
    }
    if (lines.length === 0) return;
    process.stdout.write(`\nSkipped (${lines.length}), and why:\n${lines.join('\n')}\n`);
  }
}
