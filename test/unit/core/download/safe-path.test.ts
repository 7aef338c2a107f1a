import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { UnsafePathError } from '../../../../lambdas/core/download/download-errors';
import {
  distinctRelativePaths,
  localPathsFor,
  prepareInside,
  resolveInside,
  safeFileName,
  safeRelativePath,
} from '../../../../lambdas/core/download/safe-path';

describe('safeRelativePath', () => {
  it.each([
    ['../../etc/passwd', 'etc/passwd'],
    ['/absolute/key.csv', 'absolute/key.csv'],
    ['a/./b/../c.csv', 'a/b/c.csv'],
    ['a//b///c', 'a/b/c'],
    ['..\\..\\windows\\win.ini', 'windows/win.ini'],
    ['nul\u0000byte/and\u0007bell', 'nul_byte/and_bell'],
    ['con/aux.txt', '_con/_aux.txt'],
    ['trailing dots.../spaces   ', 'trailing dots/spaces'],
    ['..', 'object'],
    ['', 'object'],
    ['q?u*o"t<e>s|:.csv', 'q_u_o_t_e_s__.csv'],
  ])('sanitizes %j to %j', (key, expected) => {
    // Act
    const path = safeRelativePath(key);

    // Assess
    expect(path).toBe(expected);
  });

  it('shortens an overlong segment, keeping it unique and its extension', () => {
    // Act
    const a = safeFileName(`${'x'.repeat(300)}-a.parquet`);
    const b = safeFileName(`${'x'.repeat(300)}-b.parquet`);

    // Assess
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(200);
    expect(a).toMatch(/~[0-9a-f]{12}\.parquet$/);
    expect(a).not.toBe(b);
  });
});

describe('resolveInside', () => {
  const root = resolve('/tmp/prt-root');

  it('keeps every key, however hostile, inside the root once sanitized', () => {
    // Act / Assess
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(fc.constantFrom('..', '.', '', '/', '\\', 'etc', 'passwd', '\u0000', 'C:'), fc.string()),
          { maxLength: 12 },
        ),
        (parts) => {
          const path = resolveInside(root, safeRelativePath(parts.join('/')));
          const rel = relative(root, path);
          // Outside is `..` or `../…`; a file named `..!` is inside.
          expect(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)).toBe(false);
          expect(path.startsWith(`${root}${sep}`)).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it.each([['../outside'], ['a/../../outside'], ['/etc/passwd'], ['.'], ['']])(
    'refuses %j given unsanitized',
    (path) => {
      // Act
      const act = () => resolveInside(root, path);

      // Assess
      expect(act).toThrow(UnsafePathError);
    },
  );

  it('accepts names that merely start with dots', () => {
    // Act
    const path = resolveInside(root, '..hidden/..x');

    // Assess
    expect(path).toBe(join(root, '..hidden', '..x'));
  });
});

describe('prepareInside', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prt-safe-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates the parent folder inside the root', async () => {
    // Prepare
    const root = join(dir, 'root');
    mkdirSync(root);

    // Act
    await prepareInside(root, join(root, 'a', 'b', 'file.csv'));

    // Assess: no throw, and a second call is fine too.
    await expect(prepareInside(root, join(root, 'a', 'b', 'other.csv'))).resolves.toBeUndefined();
  });

  it('refuses a destination whose folder is a symlink leading out of the root', async () => {
    // Prepare
    const root = join(dir, 'root');
    const outside = join(dir, 'outside');
    mkdirSync(root);
    mkdirSync(outside);
    symlinkSync(outside, join(root, 'escape'));

    // Act
    const act = prepareInside(root, join(root, 'escape', 'passwd'));

    // Assess
    await expect(act).rejects.toBeInstanceOf(UnsafePathError);
  });
});

describe('localPathsFor', () => {
  it.each([
    [['run/part-0.csv', 'run/part-0.csv.']],
    [['run/a:b.csv', 'run/a_b.csv']],
    [['run/A.csv', 'run/a.csv']],
    [['run/x/a', 'run/x/a/b.csv']],
    [['run/p=1/data_0.parquet', 'run/p=1/data_0.parquet.', 'run/p=2/data_0.parquet']],
  ])('gives distinct keys %j distinct local files', (keys) => {
    // Act
    const paths = localPathsFor(keys);

    // Assess: no two files, and no file and folder, share a name (case-insensitively).
    const files = paths.map((p) => p.path.toLowerCase());
    expect(new Set(files).size).toBe(keys.length);
    for (const file of files) expect(files.some((other) => other.startsWith(`${file}/`))).toBe(false);
  });

  it('keeps the first key in byte order as it is and names why the other was renamed', () => {
    // Act
    const [plain, dotted] = localPathsFor(['run/part-0.csv.', 'run/part-0.csv']);

    // Assess
    expect(dotted).toEqual({ key: 'run/part-0.csv', path: 'part-0.csv' });
    expect(plain!.path).toMatch(/^part-0~[0-9a-f]{12}\.csv$/);
    expect(plain!.renamedBecause).toBe('run/part-0.csv is written to part-0.csv');
  });

  it('gives the same name to a key whatever order the keys come in', () => {
    // Act
    const a = distinctRelativePaths(['d/a:b.csv', 'd/a_b.csv', 'd/c.csv']);
    const b = distinctRelativePaths(['d/c.csv', 'd/a_b.csv', 'd/a:b.csv']);

    // Assess
    expect([a[0], a[1], a[2]]).toEqual([b[2], b[1], b[0]]);
  });

  it('never maps two distinct keys to one file', () => {
    // Act / Assess
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc
            .array(fc.constantFrom('a', 'A', 'b', ':', '_', '.', ' ', '/', 'é', 'e\u0301'), {
              minLength: 1,
              maxLength: 6,
            })
            .map((chars) => `root/${chars.join('')}`),
          { maxLength: 8 },
        ),
        (keys) => {
          const files = localPathsFor(keys).map((p) => p.path.normalize('NFC').toLowerCase());
          expect(new Set(files).size).toBe(keys.length);
          for (const file of files) expect(files.some((o) => o.startsWith(`${file}/`))).toBe(false);
        },
      ),
      { numRuns: 500 },
    );
  });
});
