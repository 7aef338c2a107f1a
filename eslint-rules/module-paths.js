// Resolving import specifiers to repo files the way the TypeScript compiler does for this project
// (moduleResolution "Bundler": extensionless relative imports, `.js` naming a `.ts` file, index
// files), plus the glob matching the layer table uses. Shared by the layers and no-cycles rules.
import { existsSync, statSync } from 'node:fs';
import { dirname, extname, relative, resolve, sep } from 'node:path';

const SOURCE_EXTENSIONS = ['.ts', '.mts', '.mjs', '.js'];
const fileExists = new Map();

function isFile(path) {
  let known = fileExists.get(path);
  if (known === undefined) {
    known = existsSync(path) && statSync(path).isFile();
    fileExists.set(path, known);
  }
  return known;
}

/** Whether a specifier names a file of this repo (relative) rather than an npm package or builtin. */
export function isRelative(specifier) {
  return specifier.startsWith('./') || specifier.startsWith('../') || specifier === '.' || specifier === '..';
}

/**
 * The absolute path of the .ts/.mjs/.js file a relative specifier names, or undefined when it names
 * something else (JSON, a missing file). A missing extensionless target still resolves to `<path>.ts`
 * so a layer can be judged while files are being moved.
 */
export function resolveRelative(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const ext = extname(base);
  if (SOURCE_EXTENSIONS.includes(ext)) {
    if (isFile(base)) return base;
    if (ext === '.js' || ext === '.mjs') {
      const asTs = base.slice(0, -ext.length) + (ext === '.js' ? '.ts' : '.mts');
      if (isFile(asTs)) return asTs;
    }
    return base;
  }
  if (ext !== '' && !isFile(base + '.ts')) return undefined;
  for (const candidate of [...SOURCE_EXTENSIONS.map((e) => base + e), `${base}/index.ts`]) {
    if (isFile(candidate)) return candidate;
  }
  return ext === '' ? base + '.ts' : undefined;
}

/** The path relative to root with forward slashes, as the layer globs are written. */
export function repoPath(root, absolute) {
  return relative(root, absolute).split(sep).join('/');
}

const globCache = new Map();

/** `*` matches within one path segment, `**` across segments. */
export function globToRegExp(glob) {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob
      .split('**')
      .map((part) =>
        part
          .split('*')
          .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
          .join('[^/]*'),
      )
      .join('.*');
    re = new RegExp(`^${body}$`);
    globCache.set(glob, re);
  }
  return re;
}

export function matchesAny(path, globs) {
  return globs.some((glob) => globToRegExp(glob).test(path));
}
