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
import { PathCollisionError, UnsafePathError } from './download-errors';

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

/** A local path and, when it is not the key's plain sanitized form, why. */
export interface LocalPath {
  readonly key: string;
  readonly path: string;
  /** Set when the path was given a suffix because another key would have landed on the same file. */
  readonly renamedBecause?: string;
}

/**
 * How a file system compares names: case-insensitively on macOS and Windows by default, and macOS
 * normalizes Unicode, so `A.csv`, `a.csv` and the NFD spelling of `é.csv` are one file there.
 */
function collisionKey(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

/** `name~<hash>.ext`: the key's own digest, so the suffix is the same whatever else is downloaded. */
function withKeySuffix(path: string, key: string): string {
  const hash = createHash('sha256').update(key).digest('hex').slice(0, 12);
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash + 1);
  const name = path.slice(slash + 1);
  const extension = /(\.[A-Za-z0-9]{1,10})?(\.gz)?$/.exec(name)?.[0] ?? '';
  const stem = name.slice(0, name.length - extension.length);
  return `${dir}${stem}~${hash}${extension}`;
}

/**
 * Local paths for several keys, injective: sanitizing maps `part-0.csv` and `part-0.csv.`,
 * `a:b.csv` and `a_b.csv`, `A.csv` and `a.csv` (on a case-insensitive disk) to one file, and S3
 * lets `x/a` be an object and a folder at once. The first key of each such group, in UTF-8 byte
 * order (S3's listing order), keeps its name; every other gets `~<sha256 of its key>` before its
 * extension, and says so, so nothing is overwritten and nothing is renamed silently. Each key is
 * made relative to the longest folder all of them share (part files of one run keep their
 * sub-folders; one key gets its file name), or to `relativeTo` when given. Throws PathCollisionError if a suffixed name still
 * collides (two keys would need the same 12-hex-digit digest prefix).
 */
export function localPathsFor(
  keys: readonly string[],
  options: { readonly relativeTo?: string } = {},
): LocalPath[] {
  const split = keys.map((k) => k.split('/'));
  const first = split[0] ?? [];
  let common = 0;
  const base = options.relativeTo;
  if (base !== undefined) {
    // A folder download mirrors the keys below the folder's parent: `<folder>/<part path>`.
    const outside = keys.find((k) => !k.startsWith(base));
    if (outside !== undefined) throw new UnsafePathError(`${outside} is not under ${base}`);
    common = base === '' ? 0 : base.replace(/\/$/, '').split('/').length;
  } else {
    while (
      common < first.length - 1 &&
      split.every((s) => s.length - 1 > common && s[common] === first[common])
    )
      common++;
  }
  const plain = split.map((s) => safeRelativePath(s.slice(common).join('/')));
  const order = keys
    .map((_k, i) => i)
    .sort((a, b) => Buffer.compare(Buffer.from(keys[a]!, 'utf8'), Buffer.from(keys[b]!, 'utf8')));
  // Every folder the plain paths need: a file may not take a folder's name.
  const folders = new Map<string, number>();
  for (const i of order) {
    const segments = plain[i]!.split('/');
    for (let n = 1; n < segments.length; n++) {
      const folder = collisionKey(segments.slice(0, n).join('/'));
      if (!folders.has(folder)) folders.set(folder, i);
    }
  }
  const taken = new Map<string, number>();
  const result = new Array<LocalPath>(keys.length);
  for (const i of order) {
    const key = keys[i]!;
    let path = plain[i]!;
    let because: string | undefined;
    const owner = taken.get(collisionKey(path)) ?? folders.get(collisionKey(path));
    if (owner !== undefined && keys[owner] !== key) {
      because = `${keys[owner]!} is written to ${plain[owner]!}`;
      path = withKeySuffix(path, key);
    }
    const clash = taken.get(collisionKey(path)) ?? folders.get(collisionKey(path));
    if (clash !== undefined && keys[clash] !== key) {
      throw new PathCollisionError(
        `keys ${keys[clash]!} and ${key} both map to the local file ${path}; download them into separate folders`,
      );
    }
    taken.set(collisionKey(path), i);
    result[i] = { key, path, ...(because !== undefined ? { renamedBecause: because } : {}) };
  }
  return result;
}

/** The paths of localPathsFor alone: distinct for distinct keys. */
export function distinctRelativePaths(keys: readonly string[]): string[] {
  return localPathsFor(keys).map((p) => p.path);
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
