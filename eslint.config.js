import js from '@eslint/js';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/**
 * The layering, as lint errors: what each part may not import. The folders are the processes
 * (README: Layout): the page, the core (the one writer), the trainer (the only place tfjs runs), the
 * code they share, and the hosts around the core (the Electron shell, the local server, the CLI).
 */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const forbid = (names, message) => names.map((name) => ({ name, message }));
const noElectron = forbid(['electron'], 'Only the Electron shell (src-main/electron/) and the preload import electron: everything else runs and is tested without it.');
const noTensorflow = { group: ['@tensorflow/*'], message: 'Training runs in the trainer (src-main/trainer/), the only place that imports tfjs.' };
const noDatabaseInTrainer = 'The trainer never touches the database: it sends snapshots and how the run ended to the core, the one writer (src-main/trainer/protocol.ts).';
const noHosts = { regex: '(^|/)(electron|server|cli)/', message: 'The core and the trainer know no host: the Electron shell, the server and the CLI import them, never the other way.' };

const rules = {
  renderer: {
    paths: [...noElectron, ...forbid(['better-sqlite3', ...nodeBuiltins], 'The renderer talks only to the API contract: no database or Node modules here.')],
    patterns: [noTensorflow, { regex: 'src-main/(?!shared/)', message: 'The page may use only what src-main/shared/ holds (the weight renderer).' }],
  },
  core: {
    paths: noElectron,
    patterns: [
      noTensorflow,
      noHosts,
      { regex: '(^|/)trainer/(?!protocol\\.ts$)', message: "The core talks to the trainer through its messages only (src-main/trainer/protocol.ts)." },
    ],
  },
  trainer: {
    paths: [...noElectron, ...forbid(['better-sqlite3'], noDatabaseInTrainer)],
    patterns: [noHosts, { regex: '(^|/)core/store/', message: noDatabaseInTrainer }],
  },
  // The hidden trainer window's page: the training loop on Chromium's GPU. A sandboxed page with no
  // Node and no file access: the data comes with its job, the Node backends stay in the process.
  trainerWindow: {
    paths: [...noElectron, ...forbid(['better-sqlite3', ...nodeBuiltins], 'The trainer window is a sandboxed page: no database or Node modules; its data comes with the job.')],
    patterns: [noHosts, { regex: '(^|/)core/', message: 'The trainer window reads no files: the main side sends the data with the job (src-main/trainer/window/messages.ts).' }, { regex: '(^|/)backend/', message: "The trainer window's backends are Chromium's (window/backend.ts); backend/ is the Node process's." }],
  },
  shared: {
    paths: [...noElectron, ...forbid(['better-sqlite3', ...nodeBuiltins], 'src-main/shared/ runs in the page as well: no database or Node modules.')],
    patterns: [noTensorflow, { regex: '(^|/)(core|trainer|electron|server|cli)/', message: 'src-main/shared/ depends on nothing but the contract.' }],
  },
  host: { paths: noElectron, patterns: [noTensorflow, { regex: '(^|/)electron/', message: 'The server and the CLI run without Electron.' }] },
  electron: { patterns: [noTensorflow] },
};
const layer = (files, options) => ({ files, rules: { 'no-restricted-imports': ['error', options] } });

export default tseslint.config(
  // AssemblyScript, compiled to wasm by its own build script (npm run build:kernels), not TypeScript.
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'src-main/trainer/backend/wasm-kernels/assembly/kernels.ts'] },
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
  layer(['src-renderer/**/*.{ts,vue}'], rules.renderer),
  layer(['src-main/core/**/*.ts'], rules.core),
  layer(['src-main/trainer/**/*.ts'], rules.trainer),
  layer(['src-main/trainer/window/**/*.ts'], rules.trainerWindow),
  layer(['src-main/shared/**/*.ts'], rules.shared),
  layer(['src-main/server/**/*.ts', 'src-main/cli/**/*.{ts,mjs}'], rules.host),
  layer(['src-main/electron/**/*.{ts,mjs}', 'src-preload/**/*.ts'], rules.electron),
);
