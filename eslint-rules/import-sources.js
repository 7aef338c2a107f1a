// The import specifiers of the file being linted, from its syntax tree: static imports, export-from,
// and dynamic import() of a literal (a computed import cannot be judged, so it is left alone).
import { resolve } from 'node:path';

/** The repo root the rules judge paths against: the `root` option, or the directory ESLint runs in. */
export function rootOption(context) {
  const root = context.options[0]?.root;
  return root ? resolve(context.cwd, root) : context.cwd;
}

function literalText(node) {
  if (!node) return undefined;
  if (node.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node.type === 'TemplateLiteral' && node.expressions.length === 0)
    return node.quasis[0]?.value.cooked ?? undefined;
  return undefined;
}

/** Visitors that call onSpecifier(node, specifier) for every module the file names. */
export function importSources(onSpecifier) {
  const visit = (node) => {
    const specifier = literalText(node.source);
    if (specifier !== undefined) onSpecifier(node, specifier);
  };
  return {
    ImportDeclaration: visit,
    ExportNamedDeclaration: visit,
    ExportAllDeclaration: visit,
    ImportExpression: visit,
    // `import('./x').Type` in a type position.
    TSImportType(node) {
      const argument = node.argument;
      const specifier = argument?.type === 'TSLiteralType' ? literalText(argument.literal) : undefined;
      if (specifier !== undefined) onSpecifier(node, specifier);
    },
  };
}
