/**
 * `npm run lint`'s check that no module imports itself round a circle — type-only imports included, since
 * a circle of types still ties two modules' meanings together. The folders' allow-list is ESLint's
 * (eslint-rules/layering.js); this finds the circles inside a folder that an allow-list cannot.
 * Run it alone: `npx depcruise src-main src-preload src-renderer`.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A module must not depend on itself through others: move what both need where both may import it.',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.tests.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'src-main/trainer/backend/wasm-kernels/assembly/' },
    enhancedResolveOptions: { extensions: ['.ts', '.vue', '.mjs', '.js'] },
  },
};
