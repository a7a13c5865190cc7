import { defineConfig } from 'electron-vite';
import vue from '@vitejs/plugin-vue';
import { resolve } from 'node:path';
import { contract, events } from './src-preload/api.ts';

export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          // The Electron shell (package.json's "main" is out/main/index.js).
          index: resolve('src-main/electron/main.ts'),
          // The trainer process's entry, started with utilityProcess.fork (src-main/electron/utility-trainer.ts).
          'trainer-process': resolve('src-main/trainer/trainer-process.ts'),
        },
      },
    },
  },
  preload: {
    // The names the bridge lets through, read from the contract here rather than bundled with its
    // schemas (src-preload/index.ts says why).
    define: { CONTRACT_METHODS: JSON.stringify(Object.keys(contract)), CONTRACT_EVENTS: JSON.stringify(Object.keys(events)) },
    build: {
      // A sandboxed preload cannot require() anything but electron: bundle everything into it.
      externalizeDeps: false,
      rollupOptions: {
        input: {
          index: resolve('src-preload/index.ts'),
          // The hidden trainer window's preload: it only hands its page a MessagePort.
          'trainer-window': resolve('src-preload/trainer-window.ts'),
        },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src-renderer'),
    // The '@contract' and '@render' aliases: tsconfig.base.json's paths, their one source.
    resolve: { tsconfigPaths: true },
    plugins: [vue()],
    build: {
      outDir: resolve('out/renderer'),
      rollupOptions: {
        input: {
          index: resolve('src-renderer/index.html'),
          // The hidden trainer window's page (src-main/trainer/window/): training on Chromium's WebGPU.
          'trainer-window': resolve('src-renderer/trainer-window.html'),
        },
      },
    },
  },
});
