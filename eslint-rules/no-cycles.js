// Rule `prt/no-cycles`: no file may import, directly or through others, a file that imports it. A
// cycle makes module initialisation order matter (a value read before its module ran is undefined)
// and ties files into one unit that cannot be layered or moved apart.
//
// Every import inside a cycle is part of it; to name each cycle once, the rule reports the import
// that leads into the cycle's first file (by path). Fixing that one can reveal another cycle of the
// same tangle on the next run.
import { importGraph } from './import-graph.js';
import { importSources, rootOption } from './import-sources.js';
import { isRelative, repoPath, resolveRelative } from './module-paths.js';

const DEFAULT_DIRS = ['lambdas', 'lib', 'bin'];

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'No file-level import cycles' },
    schema: [
      {
        type: 'object',
        properties: {
          root: { type: 'string' },
          dirs: { type: 'array', items: { type: 'string' } },
        },
        additionalProperties: false,
      },
    ],
    messages: {
      cycle: 'importing {{target}} closes an import cycle: {{cycle}}',
    },
  },
  create(context) {
    const root = rootOption(context);
    const graph = importGraph(root, context.options[0]?.dirs ?? DEFAULT_DIRS);
    const file = context.filename;
    graph.update(file, context.sourceCode.text);

    return importSources((node, specifier) => {
      if (!isRelative(specifier)) return;
      const target = resolveRelative(file, specifier);
      if (!target) return;
      const back = target === file ? [file] : graph.path(target, file);
      if (!back) return;
      // The cycle: file → target → … → file. Named once, by the import into its first file.
      const members = back.map((member) => repoPath(root, member));
      const first = [...members].sort()[0];
      const targetPath = repoPath(root, target);
      if (targetPath !== first) return;
      const cycle = [...members, targetPath].join(' → ');
      context.report({ node, messageId: 'cycle', data: { target: targetPath, cycle } });
    });
  },
};
