// Rule `prt/core-public-face`: outside core (and its tests), an area of core is imported through its
// index.ts, never through one of its files. The index is the area's public face: what it re-exports
// is what other layers may rely on, and the files behind it can be split, merged or renamed freely.
// Files directly in lambdas/core (errors.ts) are a face of their own.
import { CORE_FACES, LAYERS } from './layer-table.js';
import { isRelative, matchesAny, repoPath, resolveRelative } from './module-paths.js';
import { importSources, rootOption } from './import-sources.js';

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Outside core, a core area is imported through its index.ts' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' } },
        additionalProperties: false,
      },
    ],
    messages: {
      deep: '{{file}} (layer {{layer}}): import {{area}} (its {{face}}), not {{target}}',
    },
  },
  create(context) {
    const root = rootOption(context);
    const file = repoPath(root, context.filename);
    const layer = LAYERS.find((candidate) => matchesAny(file, candidate.files));
    if (!layer || CORE_FACES.deepAllowed.includes(layer.name)) return {};
    const prefix = `${CORE_FACES.root}/`;

    return importSources((node, specifier) => {
      if (!isRelative(specifier)) return;
      const target = resolveRelative(context.filename, specifier);
      if (!target) return;
      const targetPath = repoPath(root, target);
      if (!targetPath.startsWith(prefix)) return;
      const [areaName, ...rest] = targetPath.slice(prefix.length).split('/');
      // A file directly in core, or the area's own face.
      if (rest.length === 0 || rest.join('/') === CORE_FACES.face) return;
      context.report({
        node,
        messageId: 'deep',
        data: { file, layer: layer.name, area: prefix + areaName, face: CORE_FACES.face, target: targetPath },
      });
    });
  },
};
