/**
 * ESLint's RuleTester driven by vitest, with the TypeScript parser, over the miniature tree in
 * test/fixtures/layers/ (the rules judge paths relative to its root as they judge the repo's).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, it } from 'vitest';

RuleTester.describe = describe;
RuleTester.it = it;
RuleTester.itOnly = it.only;

export const FIXTURE_ROOT = fileURLToPath(new URL('../../fixtures/layers/', import.meta.url));

export const ruleTester = new RuleTester({ languageOptions: { parser: tseslint.parser } });

/** A fixture file as a RuleTester case: its path under the fixture root and its text. */
export function fixture(path: string): { filename: string; code: string; options: [{ root: string }] } {
  const filename = join(FIXTURE_ROOT, path);
  return { filename, code: readFileSync(filename, 'utf8'), options: [{ root: FIXTURE_ROOT }] };
}
