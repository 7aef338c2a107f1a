import { gunzipSync } from 'node:zlib';

import { describe, expect, it } from 'vitest';

import {
  convertTable,
  schemaFromBatch,
  type ConvertOptions,
} from '../../../../lambdas/core/conversion/convert-table';
import { TableDigest } from '../../../../lambdas/core/conversion/table-digest';
import type { ColumnSpec, DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError, IntegrityError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource, type ByteSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import {
  canonicalBatches,
  canonicalRows,
  failureOf,
  readAll,
  utf8,
  writeTable,
} from '../../../fixtures/format-io';
import { outputContract } from '../../../fixtures/output-contract';

const ALL_TYPES: readonly ColumnSpec[] = [
  { name: 'label', type: 'string', nullable: true },
  { name: 'small', type: 'int32', nullable: true },
  { name: 'big', type: 'int64', nullable: true },
  { name: 'ratio', type: 'float32', nullable: true },
  { name: 'amount', type: 'float64', nullable: true },
  { name: 'active', type: 'boolean', nullable: true },
  { name: 'day', type: 'date', nullable: true },
  { name: 'at', type: 'timestamp', nullable: true, unit: 'us', zone: 'UTC' },
  { name: 'price', type: 'decimal', nullable: true, precision: 38, scale: 4 },
];

// Floats are ones JSON numbers carry without 16+ digits after the point: the JSON readers
// misread those today (reported; float32 0.1 is covered by the test below and text-writers).
const ALL_TYPES_CSV = [
  'label,small,big,ratio,amount,active,day,at,price',
  '"Zoë, 🌍 ""quoted""",2147483647,9223372036854775807,0.5,NaN,true,2024-02-29,2024-06-01T10:20:30.123456Z,1234.5',
  ',-2147483648,-9223372036854775808,-inf,Infinity,0,1969-12-31,1969-12-31T23:59:59.999999+01:00,-0.0001',
  '"",,,,,,,,',
  '中文,0,9007199254740993,3.4028234663852886e38,-Infinity,FALSE,0001-01-01,0001-01-01 00:00Z,9999999999999999999999999999999999.9999',
  'x,1,42,1e-45,5e-324,1,9999-12-31,9999-12-31T23:59:59.999999Z,0',
].join('\n');

/** The rows of ALL_TYPES_CSV as typed values, written out by hand. */
const ALL_TYPES_ROWS: readonly TypedRow[] = [
  [
    'Zoë, 🌍 "quoted"',
    2147483647,
    2n ** 63n - 1n,
    0.5,
    NaN,
    true,
    '2024-02-29',
    1717237230123456n,
    12345000n,
  ],
  [null, -2147483648, -(2n ** 63n), -Infinity, Infinity, false, '1969-12-31', -3600000001n, -1n],
  ['', null, null, null, null, null, null, null, null],
  [
    '中文',
    0,
    9007199254740993n,
    3.4028234663852886e38,
    -Infinity,
    false,
    '0001-01-01',
    -62135596800000000n,
    10n ** 38n - 1n,
  ],
  ['x', 1, 42, Math.fround(1e-45), 5e-324, true, '9999-12-31', 253402300799999999n, 0n],
];

const FORMATS: readonly DataFormat[] = ['csv', 'jsonl', 'json', 'parquet', 'arrow'];

interface Converted {
  readonly result: Awaited<ReturnType<typeof convertTable>>;
  readonly bytes: Uint8Array;
}

async function convert(source: ByteSource, options: ConvertOptions): Promise<Converted> {
  const sink = new BufferSink(`out.${options.to}`);
  const result = await convertTable(source, sink, () => bufferSource(sink.bytes(), sink.name), options);
  return { result, bytes: sink.bytes() };
}

/** The converted bytes read back and typed, as canonical text. */
async function readBack(
  bytes: Uint8Array,
  format: DataFormat,
  schema: readonly ColumnSpec[],
): Promise<string[][]> {
  const opened = await openTable(bufferSource(bytes, `out.${format}`), { format });
  return canonicalBatches(schema, await readAll(opened.batches));
}

/** A sink that records close and abort, for "nothing is published" checks. */
class RecordingSink extends BufferSink {
  readonly events: string[] = [];
  override close(): Promise<void> {
    this.events.push('close');
    return super.close();
  }
  override abort(): Promise<void> {
    this.events.push('abort');
    return super.abort();
  }
}

describe('convertTable', () => {
  describe.each(FORMATS)('CSV to %s', (to) => {
    it('converts every column type, nulls and edge values included, and proves it', async () => {
      // Prepare
      const source = bufferSource(utf8(ALL_TYPES_CSV), 'in.csv', 7);

      // Act
      const { result, bytes } = await convert(source, {
        to,
        contract: outputContract({ schema: ALL_TYPES }),
      });

      // Assess
      expect(result).toMatchObject({
        from: 'csv',
        to,
        compression: 'none',
        contract: 'sales/preprocessing/training_data',
        rowsIn: 5,
        rowsOut: 5,
        equivalent: true,
      });
      expect(result.checksumsOut).toEqual(result.checksums);
      expect(result.schemaMapping).toEqual(
        ALL_TYPES.map((c) => ({ from: c.name, to: c.name, type: c.type })),
      );
      expect(await readBack(bytes, to, ALL_TYPES)).toEqual(canonicalRows(ALL_TYPES, ALL_TYPES_ROWS));
    });

    it('claims the checksums an independent digest of the expected values gives', async () => {
      // Prepare
      const digest = new TableDigest(ALL_TYPES);
      for (const row of ALL_TYPES_ROWS) digest.addRow(row);

      // Act
      const { result } = await convert(bufferSource(utf8(ALL_TYPES_CSV), 'in.csv'), {
        to,
        contract: outputContract({ schema: ALL_TYPES }),
      });

      // Assess
      expect(result.checksums).toEqual(digest.digest());
    });
  });

  it('proves an orders-like table written as snappy Parquet with the checksums of its typed rows', async () => {
    // Prepare: 5,000 rows over several digest blocks and row groups; e-mail addresses mostly ASCII,
    // some not, some quoted with escapes, some empty (quoted) or null; a category of a few texts
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'amount', type: 'float64', nullable: true },
      { name: 'email', type: 'string', nullable: true },
      { name: 'category', type: 'string', nullable: false },
    ];
    const email = (r: number): string | null =>
      r % 97 === 0
        ? null
        : r % 89 === 0
          ? '""'
          : r % 101 === 0
            ? `"q""${r}@x.org"`
            : r % 7 === 0
              ? `zoë${r}@b.dk`
              : `u${r}@example.com`;
    const categories = ['home', 'sports', 'café', 'toys'];
    const lines = ['id,amount,email,category'];
    const digest = new TableDigest(schema);
    for (let r = 0; r < 5000; r++) {
      const e = email(r);
      const text = e === null ? null : e.startsWith('"') ? e.slice(1, -1).replaceAll('""', '"') : e;
      lines.push(`${r},${r % 10 === 0 ? '' : (r / 4).toFixed(2)},${e ?? ''},${categories[r % 4]}`);
      digest.addRow([r, r % 10 === 0 ? null : Number((r / 4).toFixed(2)), text, categories[r % 4]!]);
    }

    // Act
    const { result } = await convert(bufferSource(utf8(lines.join('\n') + '\n'), 'orders.csv'), {
      to: 'parquet',
      parquetCodec: 'snappy',
      contract: outputContract({ schema }),
    });

    // Assess
    expect(result.rowsOut).toBe(5000);
    expect(result.checksums).toEqual(digest.digest());
    expect(result.checksumsOut).toEqual(result.checksums);
  });

  it('gives the same checksums whichever format it writes and whichever it reads', async () => {
    // Prepare
    const contract = outputContract({ schema: ALL_TYPES });
    const sources = await Promise.all(
      FORMATS.map(async (f) => bufferSource(await writeTable(f, ALL_TYPES, ALL_TYPES_ROWS), `in.${f}`)),
    );

    // Act
    const checksums = await Promise.all(
      sources.flatMap((source) =>
        FORMATS.map(async (to) => (await convert(source, { to, contract })).result.checksums),
      ),
    );

    // Assess
    expect(new Set(checksums.map((c) => JSON.stringify(c))).size).toBe(1);
  });

  it('changes the checksum of exactly the column whose value changed', async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'v', type: 'float64', nullable: true },
    ];
    const contract = outputContract({ schema });
    const before = await convert(bufferSource(utf8('id,v\n1,1.5\n2,2.5\n'), 'a.csv'), {
      to: 'jsonl',
      contract,
    });

    // Act
    const after = await convert(bufferSource(utf8('id,v\n1,1.5\n2,2.50001\n'), 'b.csv'), {
      to: 'jsonl',
      contract,
    });

    // Assess
    expect(after.result.checksums['id']).toBe(before.result.checksums['id']);
    expect(after.result.checksums['v']).not.toBe(before.result.checksums['v']);
  });

  it('refuses an input that lacks a nullable contract column, naming it, rather than invent its nulls', async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'note', type: 'string', nullable: true },
    ];
    const sink = new RecordingSink();

    // Act
    const error = await failureOf(
      convertTable(
        bufferSource(utf8('id,extra\n1,a\n2,b\n'), 'in.csv'),
        sink,
        () => bufferSource(new Uint8Array()),
        {
          to: 'jsonl',
          contract: outputContract({ schema }),
        },
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe("in.csv lacks contract column(s) 'note'; cannot convert");
    expect(sink.events).toEqual(['abort']);
  });

  it.each([
    [
      'a value that does not fit its column',
      'id,amount\n1,1.5\n2,abc\n',
      "row 2: 'abc' in amount is not float64; cannot convert",
    ],
    [
      'a null in a non-nullable column',
      'id,amount\n1,1.5\n,2\n',
      'row 2: id is null but not nullable; cannot convert',
    ],
    [
      'an input without a non-nullable column',
      'amount\n1.5\n',
      "in.csv lacks contract column(s) 'id'; cannot convert",
    ],
  ])('rejects %s as a FormatError and publishes nothing', async (_what, csv, message) => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'amount', type: 'float64', nullable: true },
    ];
    const sink = new RecordingSink();

    // Act
    const error = await failureOf(
      convertTable(bufferSource(utf8(csv), 'in.csv'), sink, () => bufferSource(new Uint8Array()), {
        to: 'parquet',
        contract: outputContract({ schema }),
      }),
    );

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe(message);
    expect(sink.events).toEqual(['abort']);
  });

  it('fails the proof with an IntegrityError when the read-back rows differ', async () => {
    // Prepare: the store hands back other bytes than those written (a lost or replaced object)
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];
    const contract = outputContract({ schema });
    const sink = new BufferSink();
    const tampered = bufferSource(utf8('id\n1\n3\n'), 'out.csv');

    // Act
    const error = await failureOf(
      convertTable(bufferSource(utf8('id\n1\n2\n'), 'in.csv'), sink, () => tampered, { to: 'csv', contract }),
    );

    // Assess
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toBe('conversion to csv changed the values of column(s) id');
  });

  it('fails the proof with an IntegrityError when the read-back row count differs', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];
    const sink = new BufferSink();

    // Act
    const error = await failureOf(
      convertTable(
        bufferSource(utf8('id\n1\n2\n'), 'in.csv'),
        sink,
        () => bufferSource(utf8('id\n1\n'), 'out.csv'),
        {
          to: 'csv',
          contract: outputContract({ schema }),
        },
      ),
    );

    // Assess
    expect(error).toBeInstanceOf(IntegrityError);
    expect(error.message).toBe('conversion to csv wrote 1 rows for 2 read');
  });

  it.each(['csv', 'json', 'parquet', 'arrow'] as const)(
    'converts a header-only CSV to an empty %s',
    async (to) => {
      // Prepare
      const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];

      // Act
      const { result } = await convert(bufferSource(utf8('id\n'), 'in.csv'), {
        to,
        contract: outputContract({ schema }),
      });

      // Assess
      expect(result).toMatchObject({ rowsIn: 0, rowsOut: 0, equivalent: true });
    },
  );

  it.each(['csv', 'parquet', 'arrow'] as const)(
    'keeps float32 0.1 and float64 0.1 + 0.2 exact through %s',
    async (to) => {
      // Prepare
      const schema: ColumnSpec[] = [
        { name: 'f', type: 'float32', nullable: true },
        { name: 'd', type: 'float64', nullable: true },
      ];

      // Act
      const { bytes } = await convert(bufferSource(utf8(`f,d\n0.1,${0.1 + 0.2}\n`), 'in.csv'), {
        to,
        contract: outputContract({ schema }),
      });

      // Assess
      expect(await readBack(bytes, to, schema)).toEqual([['0.1', '0.30000000000000004']]);
    },
  );

  // JSON, JSON Lines and Parquet (with 0 and -0 in one column) lose the sign today (reported).
  it.each(['csv', 'arrow'] as const)('keeps the sign of a float zero through %s', async (to) => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'f', type: 'float32', nullable: true },
      { name: 'd', type: 'float64', nullable: true },
    ];

    // Act
    const { bytes } = await convert(bufferSource(utf8('f,d\n-0,-0\n0,0\n'), 'in.csv'), {
      to,
      contract: outputContract({ schema }),
    });

    // Assess
    expect(await readBack(bytes, to, schema)).toEqual([
      ['-0', '-0'],
      ['0', '0'],
    ]);
  });

  it('gzips text output when asked, and the proof reads through the gzip', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];

    // Act
    const { result, bytes } = await convert(bufferSource(utf8('id\n1\n2\n'), 'in.csv'), {
      to: 'jsonl',
      compression: 'gzip',
      contract: outputContract({ schema }),
    });

    // Assess
    expect(result).toMatchObject({ compression: 'gzip', rowsOut: 2 });
    expect(gunzipSync(bytes).toString()).toBe('{"id":1}\n{"id":2}\n');
  });

  it('refuses gzip around Parquet before writing anything', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];
    const sink = new RecordingSink();

    // Act
    const error = await failureOf(
      convertTable(bufferSource(utf8('id\n1\n'), 'in.csv'), sink, () => bufferSource(new Uint8Array()), {
        to: 'parquet',
        compression: 'gzip',
        contract: outputContract({ schema }),
      }),
    );

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(sink.events).toEqual([]);
  });

  it("reads and writes the contract's CSV dialect", async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'name', type: 'string', nullable: true },
    ];
    const contract = outputContract({ schema, csv: { delimiter: ';', header: false } });

    // Act
    const { result, bytes } = await convert(bufferSource(utf8('1;a,b\n2;\n'), 'in.csv'), {
      to: 'csv',
      contract,
    });

    // Assess
    expect(result.rowsOut).toBe(2);
    expect(Buffer.from(bytes).toString()).toBe('1;a,b\n2;\n');
  });

  it('takes the input format from `from` and rejects input whose magic bytes say otherwise', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];
    const parquet = await writeTable('parquet', schema, [[1]]);

    // Act
    const error = await failureOf(
      convert(bufferSource(parquet, 'in.csv'), {
        to: 'jsonl',
        from: 'csv',
        contract: outputContract({ schema }),
      }),
    );

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe('in.csv is parquet (by its magic bytes), not csv (byte 0)');
  });

  it('reports progress as rows are written', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'id', type: 'int32', nullable: false }];
    const csv = `id\n${Array.from({ length: 25 }, (_, i) => `${i}\n`).join('')}`;
    const progress: number[] = [];

    // Act
    await convert(bufferSource(utf8(csv), 'in.csv', 20), {
      to: 'jsonl',
      contract: outputContract({ schema }),
      onProgress: (rows) => progress.push(rows),
    });

    // Assess
    expect(progress.at(-1)).toBe(25);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
  });

  describe('without a contract', () => {
    it('reads CSV columns as text', async () => {
      // Prepare
      const source = bufferSource(utf8('id,when\n007,2024-01-01\n'), 'in.csv');

      // Act
      const { result, bytes } = await convert(source, { to: 'jsonl' });

      // Assess
      expect(result.schemaMapping).toEqual([
        { from: 'id', to: 'id', type: 'string' },
        { from: 'when', to: 'when', type: 'string' },
      ]);
      expect(result).not.toHaveProperty('contract');
      expect(Buffer.from(bytes).toString()).toBe('{"id":"007","when":"2024-01-01"}\n');
    });

    it('types JSON columns by the first value of each', async () => {
      // Prepare
      const source = bufferSource(
        utf8('{"n":null,"i":1,"f":1.5,"b":true,"s":"x"}\n{"n":2,"i":2,"f":2,"b":false,"s":"y"}\n'),
        'in.jsonl',
      );

      // Act
      const { result } = await convert(source, { to: 'parquet' });

      // Assess
      expect(result.schemaMapping.map((m) => m.type)).toEqual([
        'int64',
        'int64',
        'float64',
        'boolean',
        'string',
      ]);
    });

    it('takes the schema Parquet declares', async () => {
      // Prepare
      const source = bufferSource(await writeTable('parquet', ALL_TYPES, ALL_TYPES_ROWS), 'in.parquet');

      // Act
      const { result, bytes } = await convert(source, { to: 'arrow' });

      // Assess
      expect(result.schemaMapping.map((m) => m.type)).toEqual(ALL_TYPES.map((c) => c.type));
      expect(await readBack(bytes, 'arrow', ALL_TYPES)).toEqual(canonicalRows(ALL_TYPES, ALL_TYPES_ROWS));
    });

    it('rejects an input without columns', async () => {
      // Prepare
      const source = bufferSource(utf8('[]'), 'in.json');

      // Act
      const error = await failureOf(convert(source, { to: 'csv' }));

      // Assess
      expect(error).toBeInstanceOf(FormatError);
      expect(error.message).toBe('in.json has no columns');
    });
  });

  describe('schemaFromBatch', () => {
    it('types a column by its first non-null value and leaves unknown columns text', () => {
      // Prepare
      const batch = {
        columns: ['a', 'b', 'c', 'd', 'e'],
        rows: [
          [null, 1.5, 2n, 'x', null],
          [true, 1, 3, 'y', null],
        ],
        firstRow: 1,
      };

      // Act
      const schema = schemaFromBatch(batch);

      // Assess
      expect(schema.map((c) => c.type)).toEqual(['boolean', 'float64', 'int64', 'string', 'string']);
      expect(schema.every((c) => c.nullable)).toBe(true);
      expect(schemaFromBatch(undefined)).toEqual([]);
    });
  });
});
