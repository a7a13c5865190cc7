import vue from '@vitejs/plugin-vue';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: {
      '@contract': fileURLToPath(new URL('./src-preload', import.meta.url)),
      '@render': fileURLToPath(new URL('./src-main/shared/render', import.meta.url)),
    },
  },
  test: {
    // Real training, real files and a real browser: give a slow 2-core machine room.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: ['tests/unit/**/*.test.ts'] } },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          globalSetup: ['tests/e2e/global-setup.ts'],
          // One browser at a time: two cores are shared with the server and its trainer.
          fileParallelism: false,
        },
      },
    ],
  },
});
