/**
 * Object keys are untrusted path material: a key may be `../../etc/passwd`, absolute, contain NUL,
 * backslashes or names Windows refuses. A key becomes a local path only through here, in three
 * layers: each segment is sanitized (no `.`/`..`, no separators or control characters), the result
 * is resolved against the root and must stay under it, and, once the parent directory exists, its
 * real path (symlinks followed) must still be under the root's real path.
 */
import { createHash } from 'node:crypto';
import { mkdir, realpath } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { UnsafePathError } from './download-errors';

const MAX_SEGMENT_BYTES = 200;
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i;

function sanitizeSegment(segment: string): string {
  // eslint-disable-next-line no-control-regex
  let s = segment.replace(/[\u0000-\u001f\u007f<>:"\\|?*]/g, '_').replace(/[. ]+$/, '');
  if (s === '' || s === '.' || s === '..') return '';
  if (WINDOWS_RESERVED.test(s)) s = `_${s}`;
  if (Buffer.byteLength(s) > MAX_SEGMENT_BYTES) {
    const hash = createHash('sha256').update(segment).digest('hex').slice(0, 12);
    const extension = /\.[A-Za-z0-9]{1,10}(\.gz)?$/.exec(s)?.[0] ?? '';
    s = `${Buffer.from(s)
      .subarray(0, MAX_SEGMENT_BYTES - 32)
      .toString('utf8')
      .replace(/\uFFFD+$/, '')}~${hash}${extension}`;
  }
  return s;
}

/** A relative path made from a key (or part of one): `a/../b//c` → `a/b/c`; never empty. */
export function safeRelativePath(key: string): string {
  const segments = key
    .split(/[/\\]+/)
    .map(sanitizeSegment)
    .filter((s) => s !== '');
  return segments.length > 0 ? segments.join('/') : 'object';
}

/** The last segment of a key, sanitized: the file name a downloaded object gets. */
export function safeFileName(key: string): string {
  return safeRelativePath(key).split('/').at(-1)!;
}

/**
 * Relative paths for several keys that stay distinct: each key relative to the longest folder all
 * of them share (part files of one run keep their sub-folders, one key gets its file name).
 */
export function distinctRelativePaths(keys: readonly string[]): string[] {
  const split = keys.map((k) => k.split('/'));
  const first = split[0] ?? [];
  let common = 0;
  while (
    common < first.length - 1 &&
    split.every((s) => s.length - 1 > common && s[common] === first[common])
  )
    common++;
  return split.map((s) => safeRelativePath(s.slice(common).join('/')));
}

/** Resolves `relativePath` under `root`; throws UnsafePathError when the result would leave it. */
export function resolveInside(root: string, relativePath: string): string {
  const base = resolve(root);
  if (isAbsolute(relativePath))
    throw new UnsafePathError(`'${relativePath}' is absolute; expected a path inside ${base}`);
  const target = resolve(base, relativePath);
  const rel = relative(base, target);
  if (rel === '' || isAbsolute(rel) || rel.split(sep).includes('..')) {
    throw new UnsafePathError(`'${relativePath}' would be written outside ${base}`);
  }
  return target;
}

/**
 * Creates the parent directory of `path` and checks, with symlinks resolved, that it is inside
 * `root`: a symlink planted in the destination cannot redirect the write.
 */
export async function prepareInside(root: string, path: string): Promise<void> {
  const parent = dirname(path);
  await mkdir(parent, { recursive: true });
  const [realRoot, realParent] = await Promise.all([realpath(resolve(root)), realpath(parent)]);
  if (realParent !== realRoot && !realParent.startsWith(`${realRoot}${sep}`)) {
    throw new UnsafePathError(`${path} resolves to ${realParent}, outside ${realRoot}`);
  }
}
