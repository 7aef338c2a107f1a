import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { sniffCsvDialect } from '../../../../lib/cli/profiling/sniff-csv-dialect';
import { StringShape } from '../../../../lib/cli/profiling/string-shape';

function patternOf(values: readonly string[]): string | undefined {
  const shape = new StringShape();
  for (const v of values) shape.observe(v);
  return shape.pattern()?.pattern;
}

/** As the validator applies a column pattern: whole value, `u` flag. */
const matches = (pattern: string, value: string): boolean => new RegExp(`^(?:${pattern})$`, 'u').test(value);

describe('StringShape', () => {
  it.each([
    [['AB-1234', 'XY-0001'], '[A-Z]{2}-[0-9]{4}'],
    [['o-1', 'o-22', 'o-99999'], 'o-[0-9]+'],
    [['US-1', 'US-22'], 'US-[0-9]+'],
    [['01234', '98765'], '[0-9]{5}'],
    [['2026Q1', '2025Q4'], '[0-9]{4}Q[0-9]'],
    [['a.b(1)', 'a.b(22)'], 'a\\.b\\([0-9]+\\)'],
    [['[x]{1}', '[y]{2}'], '\\[[a-z]\\]\\{[0-9]\\}'],
    [['3fa2c9e01b', '0c1d2e3f4a'], '[0-9a-f]{10}'],
    [
      ['550e8400-e29b-41d4-a716-446655440000', '6ba7b810-9dad-11d1-80b4-00c04fd430c8'],
      '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
    ],
    [
      ['550E8400-E29B-41D4-A716-446655440000'],
      '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}',
    ],
    [['ann@example.com', 'b.o+b@mail.example.org'], '[^@\\s]+@[^@\\s]+\\.[^@\\s]+'],
    [['😀-1', '😀-22'], '😀-[0-9]+'],
  ])('Compliance: %j → %s', (values, pattern) => {
    expect(patternOf(values)).toBe(pattern);
    for (const v of values) expect(matches(pattern, v)).toBe(true);
  });

  it.each([
    [['Alice', 'Bob', 'Christopher']],
    [['hello world', 'good morning']],
    [['AB-12', 'AB12']],
    [['', 'x']],
    [[]],
    [['x'.repeat(300), 'y'.repeat(300)]],
    [['3fa2c9', '0c1d2e']],
  ])('Noncompliance: %j has no pattern (free text, no common shape, too short for hex)', (values) => {
    expect(patternOf(values)).toBeUndefined();
  });

  it('Compliance: any proposed pattern matches every value it was learnt from (u flag, whole value)', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(fc.stringMatching(/^[A-Za-z0-9 .\-_/:#()[\]{}|^$*+?\\]{1,12}$/), {
            minLength: 1,
            maxLength: 8,
          }),
          fc.array(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }), {
            minLength: 1,
            maxLength: 8,
          }),
          fc.array(fc.stringMatching(/^[A-Z]{1,3}[-/][0-9]{1,4}$/), { minLength: 1, maxLength: 8 }),
        ),
        (values) => {
          const pattern = patternOf(values);
          const unmatched = pattern === undefined ? [] : values.filter((v) => !matches(pattern, v));
          expect(unmatched, `${pattern}`).toEqual([]);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('sniffCsvDialect', () => {
  it.each([
    ['a,b,c\n1,2,3\n', ',', 3],
    ['a\tb\n1\tx, y\n', '\t', 2],
    ['a;b\n"1;2";3\n', ';', 2],
    ['a|b|c\n1|2|3', '|', 3],
    ['"a,1";b\n"x\ny";2\n', ';', 2],
    ['single\n1\n', ',', 1],
    ['', ',', 1],
  ])('Compliance: %j → %j with %i fields', (text, delimiter, fields) => {
    expect(sniffCsvDialect(text)).toEqual({ delimiter, fields });
  });

  it('Compliance: a delimiter the user chose is kept', () => {
    expect(sniffCsvDialect('a,b;c\n', ';')).toEqual({ delimiter: ';', fields: 2 });
  });
});
