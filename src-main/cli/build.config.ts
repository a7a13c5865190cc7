/**
 * `npm run build:cli`: the command line as one built file, out/cli/weightlapse.js, so that starting it
 * compiles no TypeScript (src-main/cli/weightlapse.mjs runs it when it is up to date). An SSR build keeps
 * every package in node_modules external (native ones such as better-sqlite3 and sharp must stay there);
 * the trainer process it forks is electron-vite's build of it, out/main/trainer-process.js.
 */
import { resolve } from 'node:path';
import { defineConfig } from 'vite';

export default defineConfig({
  // Nothing of the page's: no public folder to copy, no .env files to read.
  publicDir: false,
  envDir: false,
  build: {
    ssr: resolve(import.meta.dirname, 'main.ts'),
    outDir: resolve(import.meta.dirname, '../../out/cli'),
    emptyOutDir: true,
    target: 'node20',
    minify: false,
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'weightlapse.js', chunkFileNames: 'chunks/[name]-[hash].js' } },
  },
});
