/**
 * The guarantee: data generated without --violate passes its own contract. A property test over
 * random valid contracts (every column type, every column constraint, value rules, null rates,
 * distributions) generates rows, writes CSV, reads it back and validates it: zero failures.
 */
import fc from 'fast-check';
import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { contractOf, generateAndValidate, failures } from '../../../fixtures/generation-fixtures';

type Column = Record<string, unknown>;

const name = (i: number) => `c${i}`;

const intColumn = fc.record({
  type: fc.constantFrom('int32', 'int64'),
  range: fc.option(
    fc
      .tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: 0, max: 5000 }))
      .map(([a, w]) => [a, a + w]),
    { nil: undefined },
  ),
  distribution: fc.constantFrom(undefined, 'uniform', 'normal', 'poisson', 'exponential', 'lognormal'),
  unique: fc.boolean(),
});

const columnArb: fc.Arbitrary<Column> = fc.oneof(
  intColumn.map((c) => ({
    type: c.type,
    ...(c.range ? { range: c.range } : {}),
    ...(c.unique ? { unique: true } : {}),
    ...(c.distribution && !c.unique ? { generate: { distribution: c.distribution } } : {}),
  })),
  fc
    .record({
      lo: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
      w: fc.double({ min: 0.001, max: 1e5, noNaN: true }),
      t: fc.constantFrom('float32', 'float64'),
    })
    .map(({ lo, w, t }) => ({ type: t, range: [lo, lo + w] })),
  fc
    .record({
      p: fc.integer({ min: 3, max: 18 }),
      s: fc.integer({ min: 0, max: 3 }),
      lo: fc.integer({ min: -5000, max: 5000 }),
      w: fc.integer({ min: 1, max: 100000 }),
    })
    .map(({ p, s, lo, w }) => ({
      type: `decimal(${p},${s})`,
      range: [String(lo / 10 ** Math.min(s, 2)), String((lo + w) / 10 ** Math.min(s, 2))].map((x) => x) as [
        string,
        string,
      ],
    })),
  fc.constant({ type: 'boolean' }),
  fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 0, max: 3000 })).map(([a, w]) => {
    const day = (n: number) => new Date(Date.UTC(2020, 0, 1) + n * 86400000).toISOString().slice(0, 10);
    return { type: 'date', range: [day(a), day(a + w)] };
  }),
  fc
    .record({
      unit: fc.constantFrom('ms', 'us', 'ns'),
      a: fc.integer({ min: 0, max: 10 ** 6 }),
      w: fc.integer({ min: 1, max: 10 ** 7 }),
    })
    .map(({ unit, a, w }) => ({
      type: 'timestamp',
      unit,
      range: [new Date(1.6e12 + a * 1000).toISOString(), new Date(1.6e12 + (a + w) * 1000).toISOString()],
    })),
  fc
    .record({
      pattern: fc.constantFrom(
        '[A-Z]{3}-[0-9]{4}',
        'o-[0-9]+',
        '(ab|cd)?x[a-f0-9]{2,6}',
        '\\d{3}-\\d{2}-\\d{4}',
        '[a-z]+(_[a-z]+)*',
        'SKU[0-9]{5}',
      ),
      unique: fc.boolean(),
    })
    .map((c) => ({ type: 'string', ...c })),
  fc
    .record({
      allowed: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 6 }),
      weights: fc.boolean(),
    })
    .map(({ allowed, weights }) => ({
      type: 'string',
      allowed,
      ...(weights ? { generate: { weights: allowed.map((_, i) => i + 1) } } : {}),
    })),
  fc
    .tuple(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 20 }))
    .map(([a, w]) => ({ type: 'string', length: [a, a + w] })),
  fc
    .constantFrom('email', 'name', 'city', 'uuid', 'phone', 'company', 'ip', 'iban', 'country_code')
    .chain((kind) =>
      fc.boolean().map((unique) => ({
        type: 'string',
        generate: { kind },
        ...(unique && ['email', 'uuid', 'ip', 'phone'].includes(kind) ? { unique: true } : {}),
      })),
    ),
);

const contractArb = fc
  .array(fc.record({ column: columnArb, nullable: fc.boolean(), nullRate: fc.constantFrom(0, 0.1, 0.5) }), {
    minLength: 1,
    maxLength: 6,
  })
  .chain((cols) => {
    const schema: Record<string, unknown>[] = cols.map(({ column, nullable, nullRate }, i) => {
      const hints = {
        ...((column['generate'] as object | undefined) ?? {}),
        ...(nullable && nullRate > 0 ? { null_rate: nullRate } : {}),
      };
      return {
        name: name(i),
        ...column,
        nullable,
        ...(Object.keys(hints).length ? { generate: hints } : {}),
      };
    });
    // Value rules on numeric columns, consistent with their ranges.
    const numeric = schema
      .map((c, i) => ({ c, i }))
      .filter(({ c }) => /^(int|float|decimal)/.test(String(c['type'])) && !c['unique']);
    return fc.subarray(numeric, { maxLength: Math.min(2, numeric.length) }).map((picked) => ({
      schema,
      quality: [
        ...picked.map(({ c, i }) => {
          const range = c['range'] as [number | string, number | string] | undefined;
          const lo = range ? Number(range[0]) : 0;
          return {
            name: `r${i}`,
            field: name(i),
            condition: 'greater_or_equal',
            value: Math.ceil(lo),
            threshold: 1,
          };
        }),
        ...schema
          .filter((c) => c['nullable'] === false)
          .slice(0, 1)
          .map((c) => ({
            name: `present_${String(c['name'])}`,
            field: c['name'],
            condition: 'not_null',
            threshold: 1,
          })),
      ],
    }));
  });

describe('generated data passes its own contract', () => {
  it('for random valid contracts: zero failed rules, schema strict', async () => {
    const seen = { validated: 0, invalid: 0 };
    const refusals: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        contractArb,
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 1, max: 300 }),
        async (spec, seed, rows) => {
          // Prepare: a contract whose greater_or_equal rules may lie inside, below or above the range.
          const yaml = stringify({ schema: spec.schema, quality: spec.quality });
          let contract;
          try {
            contract = contractOf(yaml);
          } catch {
            seen.invalid++;
            return; // the random contract is not a valid contract (e.g. decimal range beyond precision)
          }
          // A rule bound above the range makes the contract unsatisfiable: the generator must say so.
          let result;
          try {
            result = await generateAndValidate(contract, { rows, seed });
          } catch (error) {
            refusals.push(`${(error as Error).name}: ${(error as Error).message}`);
            return;
          }
          // Assess
          expect(failures(result.report)).toEqual({});
          expect(result.report.status).toBe('passed');
          expect(result.report.rowCount).toBe(rows);
          seen.validated++;
        },
      ),
      { numRuns: 150 },
    );
    // The property must mostly exercise generation, not the refusal paths; refusals name a column.
    expect(seen.validated).toBeGreaterThan(100);
    expect(refusals.filter((r) => !/^GenerationError: c\d+: /.test(r))).toEqual([]);
  });
});

describe('a rule on a mostly-null column', () => {
  it('still evaluates: the first generated row of a column a rule reads is never null', async () => {
    // Prepare: one row, a null rate that would otherwise null it; a rule that evaluated nothing warns.
    const contract = contractOf(
      'schema: [{ name: amount, type: float64, nullable: true, range: [0, 10], generate: { null_rate: 0.99 } }]\n' +
        'quality: [{ name: amount_non_negative, field: amount, condition: greater_or_equal, value: 0, threshold: 1 }]',
    );

    // Act
    const result = await generateAndValidate(contract, { rows: 1, seed: 7 });

    // Assess
    const rule = result.report.rules.find((r) => r.name === 'amount_non_negative');
    expect(rule?.evaluated).toBe(1);
    expect(result.report.status).toBe('passed');
  });
});
