import js from '@eslint/js';
import vue from 'eslint-plugin-vue';
import globals from 'globals';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** The layering, as lint errors: what each process may not import. */
const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const rendererForbidden = {
  paths: ['electron', 'better-sqlite3', ...nodeBuiltins].map((name) => ({
    name,
    message: 'The renderer talks only to the API contract: no Electron, database or Node modules here.',
  })),
  patterns: [
    { group: ['@tensorflow/*'], message: 'Training runs in the trainer process, never in the renderer.' },
    { regex: 'src-main/(?!core/render/)', message: 'Only the isomorphic render module (@render) is shared with the renderer.' },
  ],
};
const coreForbidden = {
  paths: [{ name: 'electron', message: 'core/ runs without Electron (tests, CLI, server): keep Electron in the shell.' }],
};

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**'] },
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
  {
    files: ['src-renderer/**/*.{ts,vue}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: { 'no-restricted-imports': ['error', rendererForbidden] },
  },
  {
    files: ['src-main/core/**/*.ts', 'src-main/cli/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', coreForbidden] },
  },
);
