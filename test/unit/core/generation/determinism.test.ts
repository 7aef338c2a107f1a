/**
 * Determinism: the same contract, seed and row count give byte-identical output in every format
 * and compression; a different seed gives different data; values depend on the row, not on the row
 * count or how rows are batched. Generated values in column builders, written column-fed, give
 * exactly what CsvWriter writes for the same rows.
 */
import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ColumnSpec, Compression, DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { CsvWriter } from '../../../../lambdas/core/formats/text-writers';
import type { TypedValue } from '../../../../lambdas/core/contracts/typed-values';
import { TypedColumnBuilder } from '../../../../lambdas/core/formats/typed-column';
import { planTable } from '../../../../lambdas/core/generation/table-plan';
import { bytesOf, contractOf, rowsOf } from '../../../fixtures/generation-fixtures';

const contract = contractOf(`schema:
  - { name: id, type: int64, nullable: false, unique: true }
  - { name: customer_id, type: int64, nullable: false, range: [1, 10000] }
  - { name: amount, type: 'decimal(10,2)', range: ['0.01', '5000'], generate: { distribution: lognormal, mu: 4, sigma: 0.8, null_rate: 0.05 } }
  - { name: ordered_at, type: timestamp, unit: us, nullable: false }
  - { name: shipped_on, type: date }
  - { name: email, type: string, nullable: false, generate: { kind: email } }
  - { name: address, type: string, generate: { kind: address } }
  - { name: category, type: string, allowed: [books, games, 'garden, outdoor', 'say "hi"'], generate: { weights: [5, 3, 1, 1] } }
  - { name: score, type: float32, range: [0, 1] }
  - { name: ratio, type: float64, generate: { distribution: normal, mean: 0, std: 3 } }
  - { name: active, type: boolean, generate: { true_rate: 0.7 } }
  - { name: code, type: string, pattern: '[A-Z]{2}-[0-9]{3}', unique: true }
  - { name: big, type: int64, range: ['9007199254740993', '9223372036854775807'] }
`);

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

const FORMATS: readonly [DataFormat, Compression][] = [
  ['csv', 'none'],
  ['csv', 'gzip'],
  ['jsonl', 'none'],
  ['jsonl', 'gzip'],
  ['json', 'none'],
  ['parquet', 'none'],
  ['arrow', 'none'],
];

describe('determinism', () => {
  it.each(FORMATS)(
    '%s (%s): same contract, seed and rows → identical bytes; another seed → other bytes',
    async (format, compression) => {
      // Act
      const a = await bytesOf(planTable(contract, { rows: 3000, seed: 7 }), format, compression);
      const b = await bytesOf(planTable(contract, { rows: 3000, seed: 7 }), format, compression);
      const c = await bytesOf(planTable(contract, { rows: 3000, seed: 8 }), format, compression);
      // Assess
      expect(a.length).toBeGreaterThan(1000);
      expect(sha(b)).toBe(sha(a));
      expect(sha(c)).not.toBe(sha(a));
    },
  );

  it('gives the first rows of a longer run to a shorter one (values depend on the row, not the count)', () => {
    // Act
    const short = rowsOf(
      planTable(
        contractOf(
          'schema: [{ name: x, type: float64 }, { name: e, type: string, generate: { kind: email } }]',
        ),
        { rows: 50, seed: 3 },
      ),
    );
    const long = rowsOf(
      planTable(
        contractOf(
          'schema: [{ name: x, type: float64 }, { name: e, type: string, generate: { kind: email } }]',
        ),
        { rows: 500, seed: 3 },
      ),
    );
    // Assess
    expect(long.slice(0, 50)).toEqual(short);
  });
});

describe('CsvWriter.writeColumns', () => {
  const schema: ColumnSpec[] = [
    { name: 'i', type: 'int64', nullable: true },
    { name: 's', type: 'string', nullable: true },
    { name: 't', type: 'timestamp', unit: 'ns', zone: 'UTC', nullable: true },
    { name: 'u', type: 'timestamp', unit: 'us', zone: 'UTC', nullable: true },
    { name: 'd', type: 'decimal', precision: 20, scale: 3, nullable: true },
    { name: 'f', type: 'float32', nullable: true },
    { name: 'g', type: 'float64', nullable: true },
    { name: 'b', type: 'boolean', nullable: true },
    { name: 'day', type: 'date', nullable: true },
  ];
  const row = fc.tuple(
    fc.option(
      fc.oneof(
        fc.integer(),
        fc
          .bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
          .filter((b) => b > 2n ** 53n || b < -(2n ** 53n)),
      ),
    ),
    fc.option(fc.string({ unit: 'binary', maxLength: 12 })),
    fc.option(fc.bigInt({ min: -(10n ** 18n), max: 9n * 10n ** 18n })),
    fc.option(
      fc.oneof(
        fc.bigInt({ min: -(10n ** 16n), max: 10n ** 17n }),
        fc.integer({ min: -(2 ** 52), max: 2 ** 52 }),
      ),
    ),
    fc.option(
      fc.oneof(fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }), fc.integer({ min: -1e9, max: 1e9 })),
    ),
    fc.option(fc.float({ noNaN: true, noDefaultInfinity: true })),
    fc.option(fc.double({ noNaN: true })),
    fc.option(fc.boolean()),
    fc.option(
      fc
        .integer({ min: 0, max: 9999 * 365 })
        .map((d) => new Date(Date.UTC(1, 0, 1) + d * 86400000).toISOString().slice(0, 10))
        .filter((d) => /^\d{4}-/.test(d)),
    ),
  );

  it.each([',', ';', '\t', '1'])('writes what CsvWriter writes (delimiter %j)', async (delimiter) => {
    await fc.assert(
      fc.asyncProperty(fc.array(row, { maxLength: 30 }), fc.boolean(), async (rows, header) => {
        // Prepare: builders take fast-representation numbers; CsvWriter.write takes exact values.
        const exact = rows.map(
          (r) =>
            r.map((v, c) =>
              typeof v === 'number' && ['t', 'u', 'd'].includes(schema[c]!.name) ? BigInt(v) : v,
            ) as TypedValue[],
        );
        const sink = new BufferSink();
        const writer = new CsvWriter(sink, schema, { delimiter, header });
        await writer.write(exact);
        await writer.close();
        // Act: the generator's values, fast representation included, through column builders
        const builders = schema.map((c) => new TypedColumnBuilder(c, Math.max(1, rows.length)));
        for (const r of rows) r.forEach((v, c) => builders[c]!.append(v ?? null));
        const columnSink = new BufferSink();
        const columnWriter = new CsvWriter(columnSink, schema, { delimiter, header });
        await columnWriter.writeColumns(
          builders.map((b) => b.finish()),
          rows.length,
        );
        await columnWriter.close();
        // Assess
        expect(Buffer.from(columnSink.bytes()).toString('utf8')).toBe(
          Buffer.from(sink.bytes()).toString('utf8'),
        );
      }),
      { numRuns: 200 },
    );
  });
});
