import fc from 'fast-check';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import { TableDigest } from '../../../lambdas/core/conversion/canonical-digest';
import { convertRecords } from '../../../lambdas/core/conversion/convert-records';
import type { ColumnSpec, ColumnType, OutputContract } from '../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../lambdas/core/errors';
import { readCsv } from '../../../lambdas/core/formats/csv-reader';

function contract(schema: readonly ColumnSpec[]): OutputContract {
  return {
    pipeline: 'sales',
    step: 'preprocessing',
    output: 'training_data',
    path: 'pipelines/sales/{run_id}/preprocessing/training_data/',
    format: 'csv',
    compatibility: 'compatible',
    inputs: [],
    allowExtraColumns: true,
    schema,
    quality: [],
  };
}

async function* chunks(...parts: string[]): AsyncGenerator<Uint8Array> {
  for (const part of parts) {
    await Promise.resolve();
    yield Buffer.from(part, 'utf8');
  }
}

function arrayBufferOf(body: Uint8Array): ArrayBuffer {
  return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
}

function jsonLines(body: Uint8Array): Record<string, unknown>[] {
  return Buffer.from(body)
    .toString('utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function parquetRows(body: Uint8Array): Promise<Record<string, unknown>[]> {
  return (await parquetReadObjects({ file: arrayBufferOf(body), utf8: true })) as Record<string, unknown>[];
}

/** Digest of decoded rows, computed here, to check the converter's claimed checksums independently. */
function digestOf(
  schema: readonly ColumnSpec[],
  rows: readonly Record<string, unknown>[],
  decode: (type: ColumnType, v: unknown) => unknown,
) {
  const digest = new TableDigest(schema);
  for (const row of rows) digest.addRow(schema.map((c) => decode(c.type, row[c.name])));
  return digest.digest();
}

/** JSON Lines spell what JSON cannot hold as strings: int64 beyond 2^53, NaN and infinities. */
function fromJson(type: ColumnType, v: unknown): unknown {
  if (typeof v === 'string' && (type === 'int64' || type === 'int32')) return BigInt(v);
  if (typeof v === 'string' && (type === 'float32' || type === 'float64')) return Number(v);
  return v ?? null;
}

const ALL_TYPES: readonly ColumnSpec[] = [
  { name: 'label', type: 'string', nullable: true },
  { name: 'small', type: 'int32', nullable: true },
  { name: 'big', type: 'int64', nullable: true },
  { name: 'ratio', type: 'float32', nullable: true },
  { name: 'amount', type: 'float64', nullable: true },
  { name: 'active', type: 'boolean', nullable: true },
  { name: 'day', type: 'date', nullable: true },
  { name: 'at', type: 'timestamp', nullable: true },
];

const ALL_TYPES_CSV = [
  'label,small,big,ratio,amount,active,day,at',
  '"Zoë, 🌍 ""quoted""",2147483647,9223372036854775807,0.1,NaN,true,2024-02-29,2024-06-01T10:20:30.123Z',
  ',-2147483648,-9223372036854775808,-inf,Infinity,0,1969-12-31,1969-12-31T23:59:59.999+01:00',
  '"",,,,,,,',
  '中文,0,9007199254740993,3.4028234663852886e38,-Infinity,FALSE,0001-01-01,2024-06-01 10:20Z',
  'x,1,42,-0,-0,1,9999-12-31,9999-12-31T23:59:59.999Z',
].join('\n');

describe('convertRecords', () => {
  describe.each(['jsonl', 'parquet'] as const)('to %s', (to) => {
    const read = (body: Uint8Array) =>
      to === 'jsonl' ? Promise.resolve(jsonLines(body)) : parquetRows(body);
    const decode = to === 'jsonl' ? fromJson : (_t: ColumnType, v: unknown) => v;

    it('converts every column type, nulls included, with equal row counts', async () => {
      // Prepare
      const source = readCsv(chunks(ALL_TYPES_CSV), { batchSize: 2 });

      // Act
      const result = await convertRecords(contract(ALL_TYPES), source, to);

      // Assess
      expect(result).toMatchObject({ format: to, rowsIn: 5, rowsOut: 5, equivalent: true });
      expect(Object.keys(result.checksums)).toEqual(ALL_TYPES.map((c) => c.name));
      expect((await read(result.body)).length).toBe(5);
    });

    it('writes values a reader decodes to exactly what the CSV said', async () => {
      // Prepare
      const source = readCsv(chunks(ALL_TYPES_CSV));

      // Act
      const result = await convertRecords(contract(ALL_TYPES), source, to);

      // Assess
      const rows = (await read(result.body)).map((row) =>
        Object.fromEntries(ALL_TYPES.map((c) => [c.name, decode(c.type, row[c.name])])),
      );
      const [first, second, third, fourth, fifth] = rows;
      expect(first?.['label']).toBe('Zoë, 🌍 "quoted"');
      expect(first?.['small']).toBe(2147483647);
      expect(BigInt(first?.['big'] as bigint)).toBe(9223372036854775807n);
      expect(Math.fround(first?.['ratio'] as number)).toBe(Math.fround(0.1));
      expect(first?.['amount']).toBeNaN();
      expect(first?.['active']).toBe(true);
      expect(second?.['label']).toBeNull();
      expect(BigInt(second?.['big'] as bigint)).toBe(-9223372036854775808n);
      expect(second?.['ratio']).toBe(-Infinity);
      expect(second?.['amount']).toBe(Infinity);
      expect(second?.['active']).toBe(false);
      expect(third).toEqual({
        label: '',
        small: null,
        big: null,
        ratio: null,
        amount: null,
        active: null,
        day: null,
        at: null,
      });
      expect(fourth?.['label']).toBe('中文');
      expect(BigInt(fourth?.['big'] as bigint)).toBe(9007199254740993n);
      expect(fourth?.['ratio']).toBe(3.4028234663852886e38);
      expect(fifth?.['amount']).toBe(to === 'jsonl' ? 0 : -0);
      const dayOf = (v: unknown) => (v instanceof Date ? v.toISOString().slice(0, 10) : v);
      const instantOf = (v: unknown) => new Date(v as string | Date).toISOString();
      expect(rows.map((r) => dayOf(r['day']))).toEqual([
        '2024-02-29',
        '1969-12-31',
        null,
        '0001-01-01',
        '9999-12-31',
      ]);
      expect(rows.filter((r) => r['at'] !== null).map((r) => instantOf(r['at']))).toEqual([
        '2024-06-01T10:20:30.123Z',
        '1969-12-31T22:59:59.999Z',
        '2024-06-01T10:20:00.000Z',
        '9999-12-31T23:59:59.999Z',
      ]);
    });

    it('claims checksums that a digest of the written data reproduces', async () => {
      // Prepare
      const source = readCsv(chunks(ALL_TYPES_CSV));

      // Act
      const result = await convertRecords(contract(ALL_TYPES), source, to);

      // Assess
      expect(digestOf(ALL_TYPES, await read(result.body), decode)).toEqual(result.checksums);
    });

    it('fills a nullable column the file lacks with nulls', async () => {
      // Prepare
      const schema: ColumnSpec[] = [
        { name: 'id', type: 'int32', nullable: false },
        { name: 'note', type: 'string', nullable: true },
      ];

      // Act
      const result = await convertRecords(contract(schema), readCsv(chunks('id,extra\n1,a\n2,b\n')), to);

      // Assess
      expect((await read(result.body)).map((r) => [r['id'], r['note'], r['extra']])).toEqual([
        [1, null, undefined],
        [2, null, undefined],
      ]);
    });

    it('rejects a value that does not conform to its column type, naming row and column', async () => {
      // Prepare
      const schema: ColumnSpec[] = [
        { name: 'id', type: 'int32', nullable: false },
        { name: 'amount', type: 'float64', nullable: true },
      ];

      // Act
      const act = convertRecords(contract(schema), readCsv(chunks('id,amount\n1,1.5\n2,abc\n')), to);

      // Assess
      await expect(act).rejects.toBeInstanceOf(FormatError);
      await expect(act).rejects.toThrow("row 2: 'abc' in amount is not float64; cannot convert");
    });

    it('rejects a null in a non-nullable column', async () => {
      // Prepare
      const schema: ColumnSpec[] = [{ name: 'id', type: 'int64', nullable: false }];

      // Act
      const act = convertRecords(
        contract([...schema, { name: 'v', type: 'string', nullable: true }]),
        readCsv(chunks('id,v\n1,a\n,b\n')),
        to,
      );

      // Assess
      await expect(act).rejects.toBeInstanceOf(FormatError);
      await expect(act).rejects.toThrow('row 2: id is null but not nullable; cannot convert');
    });

    it('converts a file without data rows to an empty output', async () => {
      // Prepare
      const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];

      // Act
      const result = await convertRecords(contract(schema), readCsv(chunks('id\n')), to);

      // Assess
      expect(result).toMatchObject({ rowsIn: 0, rowsOut: 0 });
      expect(await read(result.body)).toEqual([]);
    });
  });

  it('gives the same checksums whichever format it writes', async () => {
    // Prepare
    const toJsonl = await convertRecords(contract(ALL_TYPES), readCsv(chunks(ALL_TYPES_CSV)), 'jsonl');

    // Act
    const toParquet = await convertRecords(contract(ALL_TYPES), readCsv(chunks(ALL_TYPES_CSV)), 'parquet');

    // Assess
    expect(toParquet.checksums).toEqual(toJsonl.checksums);
  });

  it('changes the checksum of a column when one of its values changes', async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'v', type: 'float64', nullable: true },
    ];
    const before = await convertRecords(contract(schema), readCsv(chunks('id,v\n1,1.5\n2,2.5\n')), 'jsonl');

    // Act
    const after = await convertRecords(
      contract(schema),
      readCsv(chunks('id,v\n1,1.5\n2,2.50001\n')),
      'jsonl',
    );

    // Assess
    expect(after.checksums['id']).toBe(before.checksums['id']);
    expect(after.checksums['v']).not.toBe(before.checksums['v']);
  });

  it('writes one Parquet row group per record batch', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];
    const csv = 'id\n' + Array.from({ length: 7 }, (_, i) => `${i}\n`).join('');

    // Act
    const result = await convertRecords(
      contract(schema),
      readCsv(chunks(...csv.split(/(?<=\n)/)), { batchSize: 3 }),
      'parquet',
    );

    // Assess
    const metadata = parquetMetadata(arrayBufferOf(result.body));
    expect(metadata.row_groups.map((g) => Number(g.num_rows))).toEqual([3, 3, 1]);
    expect(result.contentType).toBe('application/vnd.apache.parquet');
  });

  it('labels JSON Lines output as application/x-ndjson, one object per line', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];

    // Act
    const result = await convertRecords(contract(schema), readCsv(chunks('id\n1\n2\n')), 'jsonl');

    // Assess
    expect(result.contentType).toBe('application/x-ndjson');
    expect(Buffer.from(result.body).toString('utf8')).toBe('{"id":1}\n{"id":2}\n');
  });

  it('refuses to convert to CSV', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];

    // Act
    const act = convertRecords(contract(schema), readCsv(chunks('id\n1\n')), 'csv');

    // Assess
    await expect(act).rejects.toThrow(
      new FormatError('conversion to csv is not supported by the converter yet; use jsonl or parquet'),
    );
  });

  describe('properties', () => {
    type Value = string | number | bigint | boolean | Date | null;
    const TYPES: readonly ColumnType[] = [
      'string',
      'int32',
      'int64',
      'float32',
      'float64',
      'boolean',
      'date',
      'timestamp',
    ];
    const MIN_DATE = new Date('0001-01-01T00:00:00.000Z');
    const MAX_DATE = new Date('9999-12-31T23:59:59.999Z');

    const valueOf: Record<ColumnType, fc.Arbitrary<Value>> = {
      string: fc.string({ unit: 'grapheme', maxLength: 12 }),
      int32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      int64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      float32: fc.float(),
      float64: fc.double(),
      boolean: fc.boolean(),
      date: fc
        .date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true })
        .map((d) => new Date(d.toISOString().slice(0, 10))),
      timestamp: fc.date({ min: MIN_DATE, max: MAX_DATE, noInvalidDate: true }),
    };

    const tables = fc
      // Two columns at least: in a one-column CSV a null row is a blank line, which readers skip by design.
      .array(fc.record({ type: fc.constantFrom(...TYPES), nullable: fc.boolean() }), {
        minLength: 2,
        maxLength: 6,
      })
      .chain((columns) => {
        const schema: ColumnSpec[] = columns.map((c, i) => ({ name: `c${i}`, ...c }));
        const row = fc.tuple(
          ...schema.map((c) => (c.nullable ? fc.option(valueOf[c.type], { nil: null }) : valueOf[c.type])),
        );
        return fc.record({
          schema: fc.constant(schema),
          rows: fc.array(row, { maxLength: 12 }),
          batchSize: fc.integer({ min: 1, max: 5 }),
        });
      });

    function cell(type: ColumnType, v: Value): string {
      if (v === null) return '';
      if (type === 'string') return `"${String(v).replaceAll('"', '""')}"`;
      if (type === 'date') return (v as Date).toISOString().slice(0, 10);
      if (type === 'timestamp') return (v as Date).toISOString();
      return String(v);
    }

    /** What a reader of the output must find for a generated value, in comparable form. */
    function comparable(type: ColumnType, v: unknown): unknown {
      if (v === null || v === undefined) return null;
      switch (type) {
        case 'int32':
        case 'int64':
          return BigInt(v as number | bigint | string);
        case 'float32':
          return Math.fround(Number(v)) + 0; // + 0 folds -0 into 0: JSON has no -0
        case 'float64':
          return Number(v) + 0;
        case 'date':
          return v instanceof Date ? v.toISOString().slice(0, 10) : v;
        case 'timestamp':
          return new Date(v as string | Date).getTime();
        default:
          return v;
      }
    }

    it.each(['jsonl', 'parquet'] as const)('round-trips random typed tables through %s', async (to) => {
      // Prepare
      const property = fc.asyncProperty(tables, async ({ schema, rows, batchSize }) => {
        const csv = [
          schema.map((c) => c.name).join(','),
          ...rows.map((r) => r.map((v, i) => cell(schema[i]!.type, v)).join(',')),
        ].join('\n');

        // Act
        const result = await convertRecords(contract(schema), readCsv(chunks(csv), { batchSize }), to);

        // Assess
        expect(result.rowsIn).toBe(rows.length);
        expect(result.rowsOut).toBe(rows.length);
        const written =
          to === 'jsonl' ? jsonLines(result.body) : rows.length > 0 ? await parquetRows(result.body) : [];
        const decode = to === 'jsonl' ? fromJson : (_t: ColumnType, v: unknown) => v;
        expect(written.map((r) => schema.map((c) => comparable(c.type, decode(c.type, r[c.name]))))).toEqual(
          rows.map((r) => r.map((v, i) => comparable(schema[i]!.type, v))),
        );
      });

      await fc.assert(property, { numRuns: 150 });
    });
  });
});
