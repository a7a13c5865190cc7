import vue from '@vitejs/plugin-vue';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';
import LongestFirst from './tests/sequencer.ts';

/** The end-to-end suite on one host (tests/e2e/harness.ts), without the files about the other host only. */
function e2e(host: 'browser' | 'desktop', exclude: string[]): TestProjectInlineConfiguration {
  return {
    extends: true,
    test: {
      name: `e2e-${host}`,
      include: ['tests/e2e/**/*.test.ts'],
      exclude,
      env: { WEIGHTLAPSE_E2E_HOST: host },
      globalSetup: ['tests/e2e/global-setup.ts'],
    },
  };
}

export default defineConfig({
  plugins: [vue()],
  // The '@contract' and '@render' aliases: tsconfig.base.json's paths, their one source.
  resolve: { tsconfigPaths: true },
  test: {
    reporters: ['default', './tests/skipped-reporter.ts'],
    // Real training, real files and a real browser. A backstop, not a deadline: tests wait for events, and on a loaded machine (two suites at once) a
    // minute-long test of a quiet one takes several.
    testTimeout: 600_000,
    hookTimeout: 600_000,
    // The same for expect.poll, whose own default gives a condition one second, and for Playwright's waits
    // (tests/e2e/hosts/chromium.ts, 30 s of its own): half the test's, so a condition that never comes says so.
    expect: { poll: { timeout: 300_000 } },
    // Equal tensors compared at memory speed (tests/setup/equality.ts).
    setupFiles: ['tests/setup/equality.ts'],
    pool: 'forks',
    // Every core: vitest's default leaves one free (one worker on two cores), and most test files wait on a
    // trainer process, a browser or a timer for much of their time. (Three workers on two cores measured no
    // faster: the browsers and trainers keep both cores busy.) Unit and end-to-end files share the
    // workers (one group: each e2e file opens its own app on its own database and folder), the longest first.
    maxWorkers: '100%',
    sequence: { sequencer: LongestFirst },
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      // The end-to-end suite once per host (tests/e2e/harness.ts): the local server in a browser, and the
      // desktop window with Electron's objects stood in for. Files about one host only are left out of the other.
      e2e('browser', ['tests/e2e/desktop*.test.ts', 'tests/e2e/electron-smoke.test.ts', 'tests/e2e/trainer-window.test.ts']),
      e2e('desktop', ['tests/e2e/server.test.ts']),
    ],
  },
});
