/** Strings from regular expressions: every sample matches, lengths are exact, unique values distinct. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CellRandom } from '../../../../lambdas/core/generation/cell-random';
import { compilePattern } from '../../../../lambdas/core/generation/regex-generator';

const PATTERNS = [
  'o-[0-9]+',
  '[A-Z]{3}-\\d{4}',
  '(ab|cd|e)?x[a-f0-9]{2,6}',
  '[^a-z]{3}',
  '\\w+@\\w+\\.(com|org)',
  '(?:[0-9]{1,3}\\.){3}[0-9]{1,3}',
  '(?<year>20[0-9]{2})-(0[1-9]|1[0-2])',
  'a*b+c?',
  '\\u00e9t\\u00e9|caf\\x65',
  '[\\-.]x{0}y',
  '^start$',
  '.{2,5}',
  '[\\s\\d]{4}',
];

describe('compilePattern', () => {
  it.each(PATTERNS)('samples strings that match %s', (pattern) => {
    // Prepare
    const re = new RegExp(`^(?:${pattern})$`, 'u');
    const gen = compilePattern(pattern);
    const rand = new CellRandom(7);
    // Act
    const samples = Array.from({ length: 500 }, (_, i) => gen.sample(rand.at(i)));
    // Assess
    expect(samples.filter((s) => !re.test(s))).toEqual([]);
    expect(new Set(samples).size).toBeGreaterThan(pattern === '^start$' ? 0 : 1);
  });

  it('meets length bounds exactly, for any feasible bounds', () => {
    const refusals: string[] = [];
    fc.assert(
      fc.property(
        fc.constantFrom(...PATTERNS.slice(0, 8)),
        fc.integer({ min: 0, max: 20 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer(),
        (pattern, lo, width, seed) => {
          // Prepare: infeasible bounds are refused (and collected), feasible ones met.
          let gen;
          try {
            gen = compilePattern(pattern, [lo, lo + width]);
          } catch (error) {
            refusals.push((error as Error).message);
            return;
          }
          const re = new RegExp(`^(?:${pattern})$`, 'u');
          const rand = new CellRandom(seed);
          // Act
          const values = Array.from({ length: 50 }, (_, i) => gen.sample(rand.at(i)));
          // Assess
          expect(values.filter((v) => !re.test(v) || v.length < lo || v.length > lo + width)).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
    expect(refusals.filter((m) => !/only matches strings of/.test(m))).toEqual([]);
  });

  it('enumerates distinct matching strings by index for unique columns', () => {
    // Prepare
    const gen = compilePattern('[A-C]{2}-[0-9]{2}(x|yz)?');
    const re = /^[A-C]{2}-[0-9]{2}(x|yz)?$/;
    // Act
    const all = Array.from({ length: gen.uniqueCapacity }, (_, i) => gen.nth(i));
    // Assess
    expect(gen.uniqueCapacity).toBe(900);
    expect(new Set(all).size).toBe(900);
    expect(all.every((s) => re.test(s))).toBe(true);
  });

  it.each([
    ['(a)\\1', /backreference/],
    ['a(?=b)', /lookaround/],
    ['\\bword', /word boundary/],
    ['\\p{L}', /the escape \\p/],
    ['a^b', /anchor '\^' after the start/],
    ['[]', /matches nothing/],
  ])('Noncompliance: rejects %s with a clear error', (pattern, message) => {
    // Act / Assess
    expect(() => compilePattern(pattern, undefined, 'code')).toThrow(message);
  });
});
