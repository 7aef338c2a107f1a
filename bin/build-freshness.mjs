// Whether the compiled CLI in dist/cli still matches its sources. Plain JavaScript: bin/prt.mjs asks
// before anything can compile TypeScript.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Where bin/build.mjs puts the compiled CLI, relative to the repository root. */
export const BUILD_DIR = join('dist', 'cli');

/** The record bin/build.mjs leaves in BUILD_DIR: when it started and the source files it read. */
export const BUILD_RECORD = 'build.json';

/**
 * True when `root`'s build exists and none of the files it was made from has changed, or gone,
 * since the build started. Any doubt (no record, a damaged one, an unreadable file) means stale.
 */
export function buildIsFresh(root) {
  try {
    const { builtAt, inputs } = JSON.parse(readFileSync(join(root, BUILD_DIR, BUILD_RECORD), 'utf8'));
    if (typeof builtAt !== 'number' || !Array.isArray(inputs) || inputs.length === 0) return false;
    return inputs.every(
      (input) => typeof input === 'string' && statSync(join(root, input)).mtimeMs < builtAt,
    );
  } catch {
    return false;
  }
}
