/**
 * Typed columns and the column-fed writers: rows appended to column builders and written with
 * writeColumns give the bytes write() gives for the same rows, in CSV and Parquet, whatever the
 * values (nulls, int64 past 2^53, 38-digit decimals, year 1 and 9999, ns timestamps) and however
 * the rows fall into row groups; a null in a non-nullable column fails with its row.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import type { TypedValue } from '../../../../lambdas/core/contracts/typed-values';
import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import type { TableWriter } from '../../../../lambdas/core/formats/table-io';
import { CsvWriter } from '../../../../lambdas/core/formats/text-writers';
import {
  dictionaryStrings,
  rowsOfColumns,
  TypedColumnBuilder,
  type DictionaryColumn,
  type TypedColumn,
} from '../../../../lambdas/core/formats/typed-column';

const schema: ColumnSpec[] = [
  { name: 'i', type: 'int64', nullable: true },
  { name: 'n', type: 'int32', nullable: false },
  { name: 's', type: 'string', nullable: true },
  { name: 't', type: 'timestamp', unit: 'ns', zone: 'UTC', nullable: true },
  { name: 'u', type: 'timestamp', unit: 'us', zone: 'naive', nullable: true },
  { name: 'd', type: 'decimal', precision: 38, scale: 3, nullable: true },
  { name: 'e', type: 'decimal', precision: 9, scale: 2, nullable: true },
  { name: 'f', type: 'float32', nullable: true },
  { name: 'g', type: 'float64', nullable: true },
  { name: 'b', type: 'boolean', nullable: true },
  { name: 'day', type: 'date', nullable: true },
];

/** Rows in the exact representation, and the same rows as a generator gives them (numbers where safe). */
const row = fc.tuple(
  fc.option(
    fc.oneof(
      fc.integer(),
      fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => b),
    ),
  ),
  fc.integer(),
  fc.option(fc.string({ unit: 'binary', maxLength: 12 })),
  fc.option(fc.bigInt({ min: -(10n ** 18n), max: 9n * 10n ** 18n })),
  fc.option(fc.bigInt({ min: -62_135_596_800_000_000n, max: 253_402_300_799_999_999n })),
  fc.option(fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n })),
  fc.option(fc.bigInt({ min: -(10n ** 9n) + 1n, max: 10n ** 9n - 1n })),
  fc.option(fc.float({ noNaN: true, noDefaultInfinity: true }).map(Math.fround)),
  fc.option(fc.double({ noNaN: true })),
  fc.option(fc.boolean()),
  fc.option(
    fc
      .integer({ min: 0, max: 9998 * 365 })
      .map((d) => new Date(Date.UTC(1, 0, 1) + d * 86400000).toISOString().slice(0, 10))
      .filter((d) => /^\d{4}-/.test(d)),
  ),
);

/** What a generator gives for an exact value: numbers where safe, bigints past 2^53. */
function generated(v: TypedValue): TypedValue {
  return typeof v === 'bigint' && v >= -(2n ** 53n) + 1n && v <= 2n ** 53n - 1n ? Number(v) : v;
}

function columnsOf(rows: readonly (readonly TypedValue[])[], chunk: number): TypedColumn[][] {
  const batches: TypedColumn[][] = [];
  for (let from = 0; from < rows.length; from += chunk) {
    const builders = schema.map((c) => new TypedColumnBuilder(c, chunk));
    for (const r of rows.slice(from, from + chunk)) r.forEach((v, c) => builders[c]!.append(generated(v)));
    batches.push(builders.map((b) => b.finish()));
  }
  return batches;
}

async function bytesOf(
  make: (sink: BufferSink) => TableWriter,
  feed: (writer: TableWriter) => Promise<void>,
): Promise<Uint8Array> {
  const sink = new BufferSink();
  const writer = make(sink);
  await feed(writer);
  await writer.close();
  return sink.bytes();
}

const writers: [string, (sink: BufferSink) => TableWriter][] = [
  ['csv', (sink) => new CsvWriter(sink, schema)],
  ['csv with ; and no header', (sink) => new CsvWriter(sink, schema, { delimiter: ';', header: false })],
  ['parquet', (sink) => createParquetWriter(sink, { schema, parquet: { rowGroupRows: 7 } })],
];

describe('writeColumns', () => {
  it.each(writers)('%s: writes the bytes write() writes for the same rows', async (_, make) => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(row, { maxLength: 40 }),
        fc.integer({ min: 1, max: 16 }),
        async (rows, chunk) => {
          // Prepare
          const expected = await bytesOf(make, (w) => w.write(rows));
          // Act
          const actual = await bytesOf(make, async (w) => {
            for (const [k, columns] of columnsOf(rows, chunk).entries()) {
              await w.writeColumns!(columns, Math.min(chunk, rows.length - k * chunk));
            }
          });
          // Assess
          expect(Buffer.from(actual).equals(Buffer.from(expected))).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('gives back the exact rows it was built from', () => {
    // Prepare
    const rows: TypedValue[][] = [
      [2n ** 60n, 1, 'a', 5n, null, 10n ** 37n, 5n, 0.5, -0, true, '0001-01-01'],
      [7, -2, null, null, 3n, null, null, null, null, null, '9999-12-31'],
    ];
    // Act
    const [columns] = columnsOf(rows, 2);
    // Assess: int64 keeps numbers where safe; timestamps and decimals are bigints again
    expect(rowsOfColumns(columns!, schema, 2)).toEqual(
      rows.map((r) => r.map((v, c) => (c === 0 ? generated(v) : v))),
    );
  });

  it('fails on a null in a non-nullable column, naming its row', async () => {
    // Prepare
    const spec: ColumnSpec[] = [{ name: 'n', type: 'int64', nullable: false }];
    const builder = new TypedColumnBuilder(spec[0]!, 4);
    for (const v of [1, 2, null, 4]) builder.append(v);
    const writer = createParquetWriter(new BufferSink(), { schema: spec });
    // Act
    await writer.write([[0]]);
    const failure = writer.writeColumns!([builder.finish()], 4).catch((e: unknown) => e);
    // Assess
    const error = await failure;
    expect(error).toBeInstanceOf(FormatError);
    expect((error as Error).message).toBe('row 4: column n is not nullable but the value is null');
  });

  it('refuses more rows than a builder was made for', () => {
    // Prepare
    const builder = new TypedColumnBuilder(schema[0]!, 1);
    builder.append(1);
    // Act
    const overflow = () => builder.append(2);
    // Assess
    expect(overflow).toThrow(RangeError);
  });
});

describe('TypedColumnBuilder.appendNumber', () => {
  it('builds the column append builds, in every layout, and leaves a layout as append does', () => {
    // Prepare: numbers that fit each layout, then (in a second batch) a value that does not
    const cases: [ColumnSpec, number[], TypedValue][] = [
      [{ name: 'f', type: 'float64', nullable: true }, [1.5, -0, NaN, 2 ** 60], 'x'],
      [{ name: 'i', type: 'int32', nullable: true }, [1, -(2 ** 31), 2 ** 31 - 1], 2n ** 40n],
      [{ name: 'l', type: 'int64', nullable: true }, [0, 2 ** 53 - 1, -(2 ** 53) + 1], 2n ** 60n],
      [
        { name: 't', type: 'timestamp', unit: 'us', zone: 'UTC', nullable: true },
        [0, -1, 2 ** 52],
        2n ** 62n,
      ],
      [{ name: 'd', type: 'decimal', precision: 38, scale: 2, nullable: true }, [5, -5], 10n ** 30n],
    ];

    for (const [spec, numbers, misfit] of cases) {
      // Act
      const byAppend = new TypedColumnBuilder(spec, 8);
      const byNumber = new TypedColumnBuilder(spec, 8);
      for (const v of numbers) byAppend.append(v);
      byAppend.append(null);
      for (const v of numbers) byNumber.appendNumber(v);
      byNumber.append(null);
      const flat = rowsOfColumns([byNumber.finish()], [spec], numbers.length + 1);
      byAppend.append(misfit);
      byNumber.append(misfit);
      byAppend.append(numbers[0]!);
      byNumber.appendNumber(numbers[0]!);

      // Assess
      expect(flat).toEqual(
        rowsOfColumns([byAppend.finish()], [spec], numbers.length + 1).slice(0, numbers.length + 1),
      );
      expect(byNumber.finish()).toEqual(byAppend.finish());
      expect(byNumber.length).toBe(numbers.length + 3);
    }
  });

  it('refuses more rows than the builder was made for, as append does', () => {
    // Prepare
    const builder = new TypedColumnBuilder({ name: 'f', type: 'float64', nullable: false }, 1);
    builder.appendNumber(1);

    // Act
    const overflow = () => builder.appendNumber(2);

    // Assess
    expect(overflow).toThrow(RangeError);
  });
});

describe('dictionary columns', () => {
  const spec: ColumnSpec = { name: 's', type: 'string', nullable: true };
  const dictionary = [
    'eu',
    'a text longer than sixteen bytes',
    'x,"y"',
    ' padded ',
    'Zürich',
    'line\nbreak',
    '',
  ];
  const indices = Int32Array.from({ length: 40 }, (_, r) => (r % 9 === 4 ? -1 : (r * 3) % dictionary.length));
  const column: DictionaryColumn = { kind: 'dictionary', indices, dictionary };
  const texts = dictionaryStrings(column, indices.length);

  const dictionaryWriters: [string, (sink: BufferSink) => TableWriter][] = [
    ['csv', (sink) => new CsvWriter(sink, [spec])],
    ["csv with ; and ' quotes", (sink) => new CsvWriter(sink, [spec], { delimiter: ';', quote: "'" })],
    ['parquet', (sink) => createParquetWriter(sink, { schema: [spec], parquet: { rowGroupRows: 16 } })],
  ];

  it.each(dictionaryWriters)('%s: writes the bytes of the same texts as a string column', async (_, make) => {
    // Act: two batches sharing the dictionary, as a row group's batches do
    const fromDictionary = await bytesOf(make, async (w) => {
      await w.writeColumns!([{ kind: 'dictionary', indices: indices.subarray(0, 25), dictionary }], 25);
      await w.writeColumns!([{ kind: 'dictionary', indices: indices.subarray(25), dictionary }], 15);
    });
    const fromTexts = await bytesOf(make, async (w) => {
      await w.writeColumns!([{ kind: 'string', values: texts.values.slice(0, 25) }], 25);
      await w.writeColumns!([{ kind: 'string', values: texts.values.slice(25) }], 15);
    });

    // Assess
    expect(Buffer.from(fromDictionary).equals(Buffer.from(fromTexts))).toBe(true);
  });

  it('writes a second dictionary with the texts of its own indices', async () => {
    // Act: the next row group's dictionary holds other texts at the same indices
    const other = dictionary.map((t) => `${t}!`);
    const bytes = await bytesOf(
      (sink) => new CsvWriter(sink, [spec], { header: false }),
      async (w) => {
        await w.writeColumns!([{ kind: 'dictionary', indices: Int32Array.of(0, 4), dictionary }], 2);
        await w.writeColumns!([{ kind: 'dictionary', indices: Int32Array.of(0, 4), dictionary: other }], 2);
      },
    );

    // Assess
    expect(Buffer.from(bytes).toString('utf8')).toBe('eu\nZürich\neu!\nZürich!\n');
  });

  it('is built from indices, and turns into texts when a value is appended after them', () => {
    // Arrange
    const builder = new TypedColumnBuilder(spec, 8);

    // Act
    builder.takeDictionary(Int32Array.of(1, -1, 0), dictionary);
    const taken = builder.finish();
    builder.append('late');
    const appended = builder.finish();
    builder.reset();
    builder.append('a');
    builder.takeDictionary(Int32Array.of(0), dictionary);
    const mixed = builder.finish();

    // Assess
    expect(taken.kind).toBe('dictionary');
    expect(rowsOfColumns([taken], [spec], 3)).toEqual([[dictionary[1]], [null], ['eu']]);
    expect(appended).toEqual({ kind: 'string', values: [dictionary[1], null, 'eu', 'late'] });
    expect(mixed).toEqual({ kind: 'string', values: ['a', 'eu'] });
  });
});
