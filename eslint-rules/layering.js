/**
 * The layering as one allow-list, VS Code's way (its `.eslint-plugin-local/code-layering.ts`): every source
 * file belongs to exactly one layer, and a layer may import from itself and from the layers it lists,
 * nothing else. A new folder, a type-only import or a re-export cannot slip through: the first has no layer
 * (an error), the others are imports like any other. Every file is checked, so a crossing two steps away
 * is caught at the step that crosses.
 *
 * Options: `layers`, in order, first match wins: { name, files: [path…], may: [layer…], why }, a path ending in
 * '/' naming a folder and everything in it, any other one file; `aliases`:
 * specifier prefix → folder (the tsconfig paths). Package imports are not this rule's business
 * (no-restricted-imports says which packages a layer may not use).
 */
import { dirname, relative, resolve } from 'node:path';

const IMPORT_NODES = ['ImportDeclaration', 'ExportNamedDeclaration', 'ExportAllDeclaration', 'ImportExpression'];

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Imports between the folders follow the allow-list of layers (README: Layout).' },
    schema: [{ type: 'object', properties: { layers: { type: 'array' }, aliases: { type: 'object' } }, required: ['layers'] }],
    messages: {
      crossing: "layer '{{from}}' may not import layer '{{to}}' ({{target}}): '{{from}}' may import {{may}}. {{why}}",
      unplaced: "'{{file}}' is in no layer of the allow-list: add its folder to the layers in eslint.config.js.",
    },
  },
  create(context) {
    const { layers, aliases = {} } = context.options[0];
    const root = context.cwd;
    const inside = (path, place) => (place.endsWith('/') ? path.startsWith(place) : path === place);
    const layerOf = (path) => layers.find((layer) => layer.files.some((place) => inside(path, place)));
    const file = relative(root, context.filename);
    const from = layerOf(file);
    if (!from) {
      const isSource = /^src-[^/]+\//.test(file);
      return isSource ? { Program: (node) => context.report({ node, messageId: 'unplaced', data: { file } }) } : {};
    }
    /** The repository path a specifier names, or undefined for a package. */
    const target = (specifier) => {
      const alias = Object.keys(aliases).find((prefix) => specifier.startsWith(prefix));
      if (alias) return relative(root, resolve(root, aliases[alias], specifier.slice(alias.length)));
      if (specifier.startsWith('.')) return relative(root, resolve(dirname(context.filename), specifier));
      return undefined;
    };
    const check = (node) => {
      const source = node.source;
      if (!source || source.type !== 'Literal' || typeof source.value !== 'string') return;
      const path = target(source.value);
      if (path === undefined) return;
      const to = layerOf(path);
      if (to === from || (to && from.may.includes(to.name))) return;
      context.report({
        node: source,
        messageId: 'crossing',
        data: { from: from.name, to: to?.name ?? 'none', target: path, may: from.may.length ? from.may.join(', ') : 'nothing', why: from.why ?? '' },
      });
    };
    return Object.fromEntries(IMPORT_NODES.map((type) => [type, check]));
  },
};
