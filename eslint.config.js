import js from '@eslint/js';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import { builtinModules } from 'node:module';
import { readFileSync } from 'node:fs';
import tseslint from 'typescript-eslint';
import layering from './eslint-rules/layering.js';

/**
 * The layering (README: Layout). The folders are the processes; `layers` says what each may import, and
 * eslint-rules/layering.js makes everything else an error. First match wins, so a file listed by name
 * comes before its folder.
 */
const layers = [
  { name: 'contract', files: ['src-preload/api.ts', 'src-preload/wire.ts', 'src-preload/bridge.ts', 'src-preload/trainer-port.ts'], may: [], why: 'The contract depends on nothing of ours.' },
  { name: 'preload', files: ['src-preload/'], may: ['contract'], why: 'A sandboxed preload bundles everything it imports: only the contract and its channel names.' },
  { name: 'shared', files: ['src-main/shared/'], may: ['contract'], why: 'src-main/shared/ runs in the page as well as on the main side.' },
  { name: 'datasets', files: ['src-main/datasets/'], may: ['contract'], why: 'The data-set readers serve the core and the trainer process alike.' },
  {
    name: 'trainer-messages',
    files: ['src-main/trainer/protocol.ts', 'src-main/trainer/window/messages.ts'],
    may: ['contract', 'shared', 'datasets'],
    why: 'What the trainer and its host say to each other, and what the messages carry: no trainer code.',
  },
  {
    name: 'trainer-window',
    files: ['src-main/trainer/window/'],
    may: ['contract', 'shared', 'trainer-messages', 'trainer'],
    why: "The hidden trainer window's page: Chromium's backends (window/backend.ts), not the Node process's, and no files (its data comes with the job).",
  },
  {
    name: 'trainer-process',
    files: ['src-main/trainer/backend/', 'src-main/trainer/trainer-process.ts', 'src-main/trainer/probe-process.ts', 'src-main/trainer/forward.ts'],
    may: ['contract', 'shared', 'datasets', 'trainer-messages', 'trainer'],
    why: "The trainer process's own parts: its entry, the Node backends, and the forward server of the analyses.",
  },
  {
    name: 'trainer',
    files: ['src-main/trainer/'],
    may: ['contract', 'shared', 'datasets', 'trainer-messages'],
    why: 'The training loop, LeNet and the backend probe, run by the trainer process and the trainer window alike.',
  },
  {
    name: 'core',
    files: ['src-main/core/'],
    may: ['contract', 'shared', 'datasets', 'trainer-messages'],
    why: 'The core talks to the trainer through its messages only, and knows no shell.',
  },
  { name: 'server', files: ['src-main/server/'], may: ['contract', 'shared', 'core'], why: 'The local server serves the core over HTTP.' },
  { name: 'cli', files: ['src-main/cli/'], may: ['contract', 'shared', 'datasets', 'trainer-messages', 'core', 'server'], why: 'The command line drives the core (and serves it).' },
  {
    name: 'launcher',
    files: ['src-main/electron/start.mjs'],
    may: ['cli', 'electron'],
    why: '`npm start` opens the desktop window where Electron runs, and otherwise serves the page as the CLI does.',
  },
  {
    name: 'electron',
    files: ['src-main/electron/'],
    may: ['contract', 'shared', 'datasets', 'trainer-messages', 'core'],
    why: 'The Electron shell hosts the core and its trainers.',
  },
  { name: 'page', files: ['src-renderer/'], may: ['contract', 'shared'], why: 'The page talks only to the contract.' },
];
/** The tsconfig paths, their one source, as the rule's aliases: '@contract/' → 'src-preload/'. */
const tsconfigPaths = JSON.parse(readFileSync(new URL('./tsconfig.base.json', import.meta.url), 'utf8')).compilerOptions.paths;
const aliases = Object.fromEntries(Object.entries(tsconfigPaths).map(([from, [to]]) => [from.replace('*', ''), to.replace('*', '')]));

/** Which packages a layer may not use (the folders are the allow-list's business). */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const forbid = (names, message) => names.map((name) => ({ name, message }));
const noElectron = forbid(['electron'], 'Only the Electron shell (src-main/electron/) and the preload import electron: everything else runs and is tested without it.');
const noTensorflow = { group: ['@tensorflow/*'], message: 'Training runs in the trainer (src-main/trainer/), the only place that imports tfjs.' };
const noDatabase = (where) => forbid(['better-sqlite3'], `${where} never touches the database: the core is the one writer (src-main/core/store/).`);
const noNode = (where) => forbid(nodeBuiltins, `${where} runs in a page: no Node modules.`);
const packages = {
  page: { paths: [...noElectron, ...noDatabase('The page'), ...noNode('The page')], patterns: [noTensorflow] },
  shared: { paths: [...noElectron, ...noDatabase('src-main/shared/'), ...noNode('src-main/shared/')], patterns: [noTensorflow] },
  datasets: { paths: [...noElectron, ...noDatabase('A data-set reader')], patterns: [noTensorflow] },
  trainer: { paths: [...noElectron, ...noDatabase('The trainer')] },
  trainerWindow: { paths: [...noElectron, ...noDatabase('The trainer window'), ...noNode('The trainer window')] },
  core: { paths: noElectron, patterns: [noTensorflow] },
  shell: { paths: noElectron, patterns: [noTensorflow] },
  electron: { patterns: [noTensorflow] },
};
const restrict = (files, options) => ({ files, rules: { 'no-restricted-imports': ['error', options] } });

export default tseslint.config(
  // AssemblyScript, compiled to wasm by its own build script (npm run build:kernels), not TypeScript.
  {
    ignores: [
      'out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'src-main/trainer/backend/wasm-kernels/assembly/kernels.ts',
      // The bundled configs electron-vite and vite write beside their sources while a build runs (npm test lints during it).
      '**/*.config.ts.*.mjs', '**/*.timestamp-*.mjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...vue.configs['flat/recommended'],
  {
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser } },
  },
  {
    languageOptions: { globals: { ...globals.node }, ecmaVersion: 2022, sourceType: 'module' },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'vue/multi-word-component-names': 'off',
      'vue/max-attributes-per-line': 'off',
      'vue/singleline-html-element-content-newline': 'off',
      'vue/html-self-closing': 'off',
    },
  },
  { files: ['src-renderer/**/*.{ts,vue}'], languageOptions: { globals: { ...globals.browser } } },
  { plugins: { local: { rules: { layering } } }, files: ['src-*/**/*.{ts,mts,mjs,vue}'], rules: { 'local/layering': ['error', { layers, aliases }] } },
  restrict(['src-renderer/**/*.{ts,vue}'], packages.page),
  restrict(['src-main/shared/**/*.ts'], packages.shared),
  restrict(['src-main/datasets/**/*.ts'], packages.datasets),
  restrict(['src-main/trainer/**/*.ts'], packages.trainer),
  restrict(['src-main/trainer/window/**/*.ts'], packages.trainerWindow),
  restrict(['src-main/core/**/*.ts'], packages.core),
  restrict(['src-main/server/**/*.ts', 'src-main/cli/**/*.{ts,mjs}'], packages.shell),
  restrict(['src-main/electron/**/*.{ts,mjs}', 'src-preload/**/*.ts'], packages.electron),
);
