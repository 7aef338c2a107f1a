/**
 * Number columns are hashed by value: two columns hash alike exactly when their values' canonical
 * texts are equal (the proof is as strong as hashing the texts), and rows and typed columns of
 * every layout give the same digest.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import { TableDigest } from '../../../../lambdas/core/conversion/table-digest';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { columnCodec, type TypedValue } from '../../../../lambdas/core/contracts/typed-values';
import { TypedColumnBuilder, type TypedColumn } from '../../../../lambdas/core/formats/typed-column';

const FLOAT64: ColumnSpec = { name: 'x', type: 'float64', nullable: true };
const FLOAT32: ColumnSpec = { name: 'x', type: 'float32', nullable: true };
const INT64: ColumnSpec = { name: 'x', type: 'int64', nullable: true };
const INT32: ColumnSpec = { name: 'x', type: 'int32', nullable: true };

function digestOfRows(spec: ColumnSpec, values: readonly TypedValue[]): string {
  const digest = new TableDigest([spec]);
  for (const v of values) digest.addRow([v]);
  return digest.digest()['x']!;
}

function digestOfColumn(spec: ColumnSpec, column: TypedColumn, length: number): string {
  const digest = new TableDigest([spec]);
  digest.addColumns([column], length);
  return digest.digest()['x']!;
}

/** The column a column-fed producer builds of the values (flat where the values allow). */
function built(spec: ColumnSpec, values: readonly TypedValue[]): TypedColumn {
  const builder = new TypedColumnBuilder(spec, Math.max(1, values.length));
  for (const v of values) builder.append(v);
  return builder.finish();
}

/** A float64 column of doubles given by their 32-bit halves (NaNs with any payload). */
function float64Bits(halves: readonly (readonly [number, number])[]): TypedColumn {
  const words = new Uint32Array(halves.flatMap(([high, low]) => [low, high]));
  return { kind: 'float64', values: new Float64Array(words.buffer), valid: null };
}

const canonical = (spec: ColumnSpec, values: readonly TypedValue[]): string[] =>
  values.map((v) => columnCodec(spec).canonical(v));

describe('float columns hashed by their bits', () => {
  it('keeps -0 and 0 apart, as their canonical texts are', () => {
    // Act
    const negative = digestOfRows(FLOAT64, [-0]);
    const positive = digestOfRows(FLOAT64, [0]);

    // Assess
    expect(canonical(FLOAT64, [-0, 0])).toEqual(['-0', '0']);
    expect(negative).not.toBe(positive);
    expect(digestOfRows(FLOAT32, [-0])).not.toBe(digestOfRows(FLOAT32, [0]));
  });

  it('hashes every NaN alike, whatever its bits, as every NaN has the text NaN', () => {
    // Prepare: 1.5, then NaNs of several payloads and signs
    const oneAndHalf = [0x3ff80000, 0] as const;
    const nans = [
      [0x7ff80000, 0],
      [0x7ff00000, 1],
      [0xfff80000, 0],
      [0x7fffffff, 0xffffffff],
    ] as const;
    const columns = nans.map((nan) => float64Bits([oneAndHalf, nan]));

    // Act
    const digests = columns.map((column) => digestOfColumn(FLOAT64, column, 2));
    const digests32 = columns.map((column) => digestOfColumn(FLOAT32, column, 2));

    // Assess
    for (const column of columns) {
      const values = column.kind === 'float64' ? [...column.values] : [];
      expect(values[0]).toBe(1.5);
      expect(Number.isNaN(values[1])).toBe(true);
    }
    expect(new Set(digests).size).toBe(1);
    expect(digests[0]).toBe(digestOfRows(FLOAT64, [1.5, NaN]));
    expect(new Set(digests32).size).toBe(1);
    expect(digests32[0]).toBe(digestOfRows(FLOAT32, [1.5, NaN]));
    expect(digestOfRows(FLOAT64, [NaN])).not.toBe(digestOfRows(FLOAT64, [null]));
  });

  it('hashes a float32 column by the float32 value: doubles rounding to it hash alike', () => {
    // Prepare: 0.1 and the double nearest 0.1's float32 have one float32 text
    const rounded = Math.fround(0.1);

    // Act
    const a = digestOfRows(FLOAT32, [0.1]);
    const b = digestOfRows(FLOAT32, [rounded]);
    const c = digestOfRows(FLOAT32, [Math.fround(0.1000001)]);

    // Assess
    expect(canonical(FLOAT32, [0.1, rounded])).toEqual(['0.1', '0.1']);
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    expect(digestOfRows(FLOAT64, [0.1])).not.toBe(digestOfRows(FLOAT64, [rounded]));
  });

  it.each([
    ['float64', FLOAT64],
    ['float32', FLOAT32],
  ])('%s: equal digests exactly when the canonical texts are equal', (_, spec) => {
    // Prepare: doubles of every kind, and neighbours, so that equal texts are common too
    const value = fc.oneof(
      fc.double(),
      fc.constantFrom(0, -0, NaN, Infinity, -Infinity, 0.1, Math.fround(0.1), 1e21, 5e-324),
      fc.float(),
    );
    const cells = fc.array(fc.option(value, { nil: null }), { maxLength: 4 });

    // Act + Assess
    fc.assert(
      fc.property(cells, cells, (a, b) => {
        const sameText = JSON.stringify(canonical(spec, a)) === JSON.stringify(canonical(spec, b));
        expect(digestOfRows(spec, a) === digestOfRows(spec, b)).toBe(sameText);
        expect(digestOfColumn(spec, built(spec, a), a.length)).toBe(digestOfRows(spec, a));
      }),
      { numRuns: 500 },
    );
  });

  it('hashes a value held in another representation as the number with its text', () => {
    // Prepare: a whole number as a bigint in a float column (a values column), and as the number
    const asBigint: TypedColumn = { kind: 'values', values: [5n, null, -3n] };

    // Act
    const byColumn = digestOfColumn(FLOAT64, asBigint, 3);

    // Assess
    expect(canonical(FLOAT64, [5n, -3n])).toEqual(canonical(FLOAT64, [5, -3]));
    expect(byColumn).toBe(digestOfRows(FLOAT64, [5, null, -3]));
  });
});

describe('integer columns hashed by their value', () => {
  const SAFE = Number.MAX_SAFE_INTEGER;
  const edges: TypedValue[] = [
    0,
    -1,
    1,
    SAFE,
    -SAFE,
    2n ** 53n,
    2n ** 53n + 1n,
    -(2n ** 53n),
    -(2n ** 53n) - 1n,
    2n ** 63n - 1n,
    -(2n ** 63n),
    -(2 ** 31),
    2 ** 31 - 1,
    -123456789012,
  ];

  it('gives a safe integer held as a number the digest of the same integer as a bigint', () => {
    // Prepare
    const numbers = [0, -1, SAFE, -SAFE, -(2 ** 31), 2 ** 31 - 1, -123456789012];

    // Act
    const asNumbers = digestOfColumn(INT64, built(INT64, numbers), numbers.length);
    const asBigints = digestOfRows(
      INT64,
      numbers.map((n) => BigInt(n)),
    );

    // Assess
    expect(built(INT64, numbers).kind).toBe('integer');
    expect(asNumbers).toBe(asBigints);
  });

  it('tells apart integers one apart around 2^53 and at the ends of int64', () => {
    // Act
    const digests = edges.map((v) => digestOfRows(INT64, [v]));

    // Assess
    expect(new Set(digests).size).toBe(edges.length);
    expect(digestOfRows(INT64, [2n ** 53n + 1n])).not.toBe(digestOfRows(INT64, [2 ** 53]));
    expect(digestOfRows(INT64, [2 ** 53])).toBe(digestOfRows(INT64, [2n ** 53n]));
    expect(digestOfRows(INT64, [-0])).toBe(digestOfRows(INT64, [0]));
  });

  it('gives typed columns of every layout the digest of their rows', () => {
    // Prepare: past 2^53 a batch is a values column of bigints; int32 columns are Int32Arrays
    const int32s: TypedValue[] = [0, -1, 2 ** 31 - 1, -(2 ** 31), null, 7];

    // Act + Assess
    expect(built(INT64, edges).kind).toBe('values');
    expect(digestOfColumn(INT64, built(INT64, edges), edges.length)).toBe(digestOfRows(INT64, edges));
    expect(built(INT32, int32s).kind).toBe('int32');
    expect(digestOfColumn(INT32, built(INT32, int32s), int32s.length)).toBe(digestOfRows(INT32, int32s));
    expect(digestOfRows(INT32, int32s)).toBe(digestOfRows(INT64, int32s));
  });

  it('equal digests exactly when the canonical texts are equal, numbers and bigints alike', () => {
    // Prepare: values near each other, as numbers where exact and as bigints, and odd values a
    // producer could hold (fractions, integers past int64) that are hashed by their text
    const integer = fc.oneof(
      fc.constantFrom(...edges),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.integer({ min: -5, max: 5 }),
      fc.integer({ min: -5, max: 5 }).map(BigInt),
      fc.constantFrom(1.5, 2 ** 63, -(2 ** 64), 2n ** 63n, 1e21, NaN),
    );
    const cells = fc.array(fc.option(integer, { nil: null }), { maxLength: 4 });

    // Act + Assess
    fc.assert(
      fc.property(cells, cells, (a, b) => {
        const sameText = JSON.stringify(canonical(INT64, a)) === JSON.stringify(canonical(INT64, b));
        expect(digestOfRows(INT64, a) === digestOfRows(INT64, b)).toBe(sameText);
        expect(digestOfColumn(INT64, built(INT64, a), a.length)).toBe(digestOfRows(INT64, a));
      }),
      { numRuns: 500 },
    );
  });
});

describe('timestamp columns hashed by their count', () => {
  const units = ['ms', 'us', 'ns'] as const;
  const DAY_US = 86_400_000_000n;
  /** Counts of microseconds: 0000-01-01, the last of 9999-12-31, and one either side of them. */
  const firstUs = -62_167_219_200_000_000n;
  const lastUs = 253_402_300_800_000_000n - 1n;

  it.each(units)('%s: equal digests exactly when the canonical texts are equal', (unit) => {
    // Prepare: counts as numbers and bigints, within the four-digit years and past them
    const spec: ColumnSpec = { name: 'x', type: 'timestamp', unit, zone: 'UTC', nullable: true };
    const count = fc.oneof(
      fc.integer({ min: -5, max: 5 }),
      fc.integer({ min: -5, max: 5 }).map(BigInt),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fc.constantFrom(
        Number.MAX_SAFE_INTEGER,
        -Number.MAX_SAFE_INTEGER,
        2n ** 53n,
        firstUs,
        firstUs - 1n,
        lastUs,
        lastUs + 1n,
      ),
    );
    const cells = fc.array(fc.option(count, { nil: null }), { maxLength: 3 });

    // Act + Assess
    fc.assert(
      fc.property(cells, cells, (a, b) => {
        const sameText = JSON.stringify(canonical(spec, a)) === JSON.stringify(canonical(spec, b));
        expect(digestOfRows(spec, a) === digestOfRows(spec, b)).toBe(sameText);
        expect(digestOfColumn(spec, built(spec, a), a.length)).toBe(digestOfRows(spec, a));
      }),
      { numRuns: 300 },
    );
  });

  it('keeps years 0000 and 9999 and the counts past them apart, naive or zoned', () => {
    // Prepare
    const counts = [firstUs - 1n, firstUs, lastUs, lastUs + 1n, lastUs + DAY_US, 0n, -1n];

    // Act + Assess
    for (const zone of ['UTC', 'naive']) {
      const spec: ColumnSpec = { name: 'x', type: 'timestamp', unit: 'us', zone, nullable: true };
      const digests = counts.map((c) => digestOfRows(spec, [c]));
      expect(new Set(digests).size).toBe(counts.length);
      expect(canonical(spec, [firstUs, lastUs])).toEqual(
        zone === 'UTC'
          ? ['0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999Z']
          : ['0000-01-01T00:00:00', '9999-12-31T23:59:59.999999'],
      );
      const mixed: TypedValue[] = [5, null, lastUs + 1n, -7];
      expect(digestOfColumn(spec, built(spec, mixed), mixed.length)).toBe(digestOfRows(spec, mixed));
    }
  });

  it('hashes a safe count past year 9999 among counts within, in one column, as its row does', () => {
    // Prepare: milliseconds of 9999-12-31T23:59:59.999 and the next one, both safe integers
    const spec: ColumnSpec = { name: 'x', type: 'timestamp', unit: 'ms', zone: 'UTC', nullable: true };
    const last = 253_402_300_799_999;
    const values: TypedValue[] = [1, last + 1, null, last, last + 1, -2, last + 86_400_000];

    // Act
    const column = built(spec, values);

    // Assess
    expect(column.kind).toBe('integer');
    expect(canonical(spec, [last + 1])).toEqual(['10000-01-01T00:00:00Z']);
    expect(digestOfColumn(spec, column, values.length)).toBe(digestOfRows(spec, values));
    expect(digestOfRows(spec, [last + 1])).toBe(digestOfRows(spec, [BigInt(last + 1)]));
    expect(digestOfRows(spec, [last + 1])).not.toBe(digestOfRows(spec, [last]));
  });
});
