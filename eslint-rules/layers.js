// Rule `prt/layers`: an import may only point down the layer table (layer-table.js). Each relative
// import, export-from and literal dynamic import() is resolved to a repo file and both ends are
// placed in their layers; bare specifiers are checked against the package groups. Core also may not
// read process.env: configuration is read once, by the runtime, and handed to core as values.
import { LAYERS, NO_PROCESS_ENV_LAYERS, PACKAGE_GROUPS } from './layer-table.js';
import { isRelative, matchesAny, repoPath, resolveRelative } from './module-paths.js';
import { importSources, rootOption } from './import-sources.js';

function layerOf(path, layers) {
  return layers.find((layer) => matchesAny(path, layer.files));
}

function packageGroupOf(specifier) {
  return Object.keys(PACKAGE_GROUPS).find((group) => matchesAny(specifier, PACKAGE_GROUPS[group]));
}

function allowed(layer) {
  return layer.mayImport === '*' ? 'anything' : layer.mayImport.join(', ');
}

function readsProcessEnv(node) {
  const object = node.object;
  const property = node.property;
  const isEnv = node.computed
    ? property.type === 'Literal' && property.value === 'env'
    : property.type === 'Identifier' && property.name === 'env';
  return isEnv && object.type === 'Identifier' && object.name === 'process';
}

/** @type {import('eslint').Rule.RuleModule} */
export default {
  meta: {
    type: 'problem',
    docs: { description: 'Imports point down the layer table; core reads no process.env' },
    schema: [
      {
        type: 'object',
        properties: { root: { type: 'string' } },
        additionalProperties: false,
      },
    ],
    messages: {
      wrongWay:
        '{{file}} (layer {{layer}}) must not import {{target}} (layer {{targetLayer}}): {{layer}} may import {{allowed}}',
      wrongPackage:
        '{{file}} (layer {{layer}}) must not import {{target}} (package group {{group}}): {{layer}} may import {{allowed}}',
      outside:
        '{{file}} (layer {{layer}}) must not import {{target}}, which is in no layer: {{layer}} may import {{allowed}}',
      processEnv:
        '{{file}} (layer {{layer}}) must not read process.env: the runtime reads configuration once and passes it in',
    },
  },
  create(context) {
    const root = rootOption(context);
    const file = repoPath(root, context.filename);
    const layer = layerOf(file, LAYERS);
    if (!layer) return {};

    const checkSpecifier = (node, specifier) => {
      if (layer.mayImport === '*') return;
      if (isRelative(specifier)) {
        const target = resolveRelative(context.filename, specifier);
        if (!target) return;
        const targetPath = repoPath(root, target);
        const targetLayer = layerOf(targetPath, LAYERS);
        if (targetLayer && layer.mayImport.includes(targetLayer.name)) return;
        const data = { file, layer: layer.name, target: targetPath, allowed: allowed(layer) };
        if (targetLayer) {
          context.report({ node, messageId: 'wrongWay', data: { ...data, targetLayer: targetLayer.name } });
        } else {
          context.report({ node, messageId: 'outside', data });
        }
        return;
      }
      const group = packageGroupOf(specifier);
      if (group && !layer.mayImport.includes(group)) {
        context.report({
          node,
          messageId: 'wrongPackage',
          data: { file, layer: layer.name, target: specifier, group, allowed: allowed(layer) },
        });
      }
    };

    const visitors = importSources(checkSpecifier);
    if (NO_PROCESS_ENV_LAYERS.includes(layer.name)) {
      const processEnv = (node) =>
        context.report({ node, messageId: 'processEnv', data: { file, layer: layer.name } });
      visitors.MemberExpression = (node) => {
        if (readsProcessEnv(node)) processEnv(node);
      };
      // `import { env } from 'node:process'` and `const { env } = process` read it too.
      visitors['ImportDeclaration > ImportSpecifier'] = (node) => {
        const source = node.parent.source.value;
        const imported = node.imported.type === 'Identifier' ? node.imported.name : node.imported.value;
        if ((source === 'process' || source === 'node:process') && imported === 'env') processEnv(node);
      };
      visitors['VariableDeclarator[init.type="Identifier"][init.name="process"] > ObjectPattern > Property'] =
        (node) => {
          if (!node.computed && node.key.type === 'Identifier' && node.key.name === 'env') processEnv(node);
        };
    }
    return visitors;
  },
};
