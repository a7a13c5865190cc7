import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import { resolve } from 'node:path';

const alias = {
  '@contract': resolve('src-preload'),
  '@render': resolve('src-main/core/render'),
};

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve('src-main/index.ts'),
          // The trainer process's entry, started with utilityProcess.fork (src-main/trainer-process.ts).
          worker: resolve('src-main/core/training/worker.ts'),
        },
        // Shared chunks beside the entries, not in chunks/: core/paths.ts finds the app root by depth.
        output: { chunkFileNames: '[name]-[hash].js' },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload cannot require() anything but electron: bundle everything into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src-preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    resolve: { alias },
    plugins: [vue()],
    build: {
      outDir: resolve('out/renderer'),
      rollupOptions: { input: { index: resolve('src-renderer/index.html') } },
    },
  },
});
