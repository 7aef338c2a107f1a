import {
  DateMillisecond,
  Dictionary,
  Field,
  Int32,
  Int8,
  makeData,
  makeVector,
  Struct,
  TimestampNanosecond,
  TimestampSecond,
  Uint64,
  Utf8,
  tableFromArrays,
  tableFromIPC,
  tableToIPC,
  vectorFromArray,
  Table,
  Binary,
  List,
} from 'apache-arrow';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import { arrowSchemaOf, readArrow } from '../../../../lambdas/core/formats/arrow-reader';
import { createArrowWriter } from '../../../../lambdas/core/formats/arrow-writer';
import { BufferSink, type ByteSource } from '../../../../lambdas/core/formats/byte-io';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import {
  canonicalCells,
  canonicalRows,
  EDGE_ROWS,
  EVERY_TYPE,
  readAll,
  RecordingSink,
  sourceOf,
  tableArbitrary,
  writeTable,
} from '../../../fixtures/parquet-arrow-tables';

const ID_SCHEMA: readonly ColumnSpec[] = [
  { name: 'id', type: 'int64', nullable: false },
  { name: 'label', type: 'string', nullable: true },
];
function idRows(count: number): TypedRow[] {
  return Array.from({ length: count }, (_, i) => [i + 1, `row ${i + 1}`]);
}
const streamWriter = createArrowWriter;
const fileWriter: typeof createArrowWriter = (sink, options) =>
  createArrowWriter(sink, { ...options, file: true });

describe.each([
  ['stream', streamWriter],
  ['file', fileWriter],
])('Arrow IPC %s format: writer → reader round trip', (format, create) => {
  it('keeps every column type exactly', async () => {
    // Prepare
    const bytes = await writeTable(create, EVERY_TYPE, EDGE_ROWS, {}, 3);

    // Act
    const batches = await readAll(readArrow(sourceOf(bytes)));

    // Assess
    expect(batches[0]!.columns).toEqual(EVERY_TYPE.map((c) => c.name));
    expect(canonicalCells(EVERY_TYPE, batches)).toEqual(canonicalRows(EVERY_TYPE, EDGE_ROWS));
    expect(Buffer.from(bytes.subarray(0, 6)).toString('latin1') === 'ARROW1').toBe(format === 'file');
  });

  it('round-trips random typed tables exactly', async () => {
    await fc.assert(
      fc.asyncProperty(
        tableArbitrary,
        fc.integer({ min: 1, max: 9 }),
        async ({ schema, rows }, batchSize) => {
          // Prepare
          const bytes = await writeTable(create, schema, rows, {}, 7);

          // Act
          const batches = await readAll(readArrow(sourceOf(bytes), { batchSize }));

          // Assess
          expect(canonicalCells(schema, batches)).toEqual(canonicalRows(schema, rows));
          expect(batches.every((b) => b.rows.length <= batchSize)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('writes a record batch per write() call, streamed before close, and reads bounded batches', async () => {
    // Prepare
    const sink = new RecordingSink();
    const writer = create(sink, { schema: ID_SCHEMA });

    // Act
    await writer.write(idRows(300));
    await writer.write(idRows(50));
    const beforeClose = sink.written;
    await writer.close();
    const batches = await readAll(readArrow(sourceOf(sink.bytes()), { batchSize: 120 }));

    // Assess
    expect(beforeClose).toBeGreaterThan(350 * 8);
    expect(sink.events.at(-1)).toBe('close');
    expect(batches.map((b) => [b.firstRow, b.rows.length])).toEqual([
      [1, 120],
      [121, 120],
      [241, 60],
      [301, 50],
    ]);
    expect(batches[3]!.rows[49]).toEqual([50, 'row 50']);
  });

  it('writes a readable empty table (schema only)', async () => {
    // Prepare
    const bytes = await writeTable(create, ID_SCHEMA, []);

    // Act
    const batches = await readAll(readArrow(sourceOf(bytes)));
    const schema = await arrowSchemaOf(sourceOf(bytes));

    // Assess: one empty batch carries the declared columns
    expect(batches).toEqual([{ columns: ['id', 'label'], rows: [], firstRow: 1 }]);
    expect(schema).toEqual([
      { name: 'id', type: 'int64', nullable: false },
      { name: 'label', type: 'string', nullable: true },
    ]);
  });
});

describe('Arrow raw cells and schema', () => {
  it('yields the representation typed formats promise', async () => {
    // Prepare
    const bytes = await writeTable(createArrowWriter, EVERY_TYPE, EDGE_ROWS);

    // Act
    const [batch] = await readAll(readArrow(sourceOf(bytes)));

    // Assess
    const cell = (row: number, name: string): unknown =>
      batch!.rows[row]![EVERY_TYPE.findIndex((c) => c.name === name)];
    expect(cell(0, 'i64')).toBe(1);
    expect(cell(2, 'i64')).toBe(2n ** 53n + 1n);
    expect(cell(3, 'day')).toBe('0001-01-01');
    expect(cell(4, 'day')).toBe('9999-12-31');
    expect(cell(5, 'ts_ns')).toBe('2023-11-14T22:13:20.123456789Z');
    expect(cell(4, 'ts_us')).toBe('9999-12-31T23:59:59.999999Z');
    expect(cell(3, 'dec38')).toBe('9999999999999999999999999999.9999999999');
    expect(cell(2, 'dec38')).toBe('-9999999999999999999999999999.9999999999');
    expect(cell(1, 'flag')).toBeNull();
    expect(cell(3, 'f64')).toBe(Infinity);
  });

  it('maps the contract schema to Arrow types and back', async () => {
    // Prepare
    const bytes = await writeTable(createArrowWriter, EVERY_TYPE, []);

    // Act
    const schema = await arrowSchemaOf(sourceOf(bytes));

    // Assess
    expect(schema).toEqual(
      EVERY_TYPE.map((c) => ({
        name: c.name,
        type: c.type,
        nullable: c.nullable,
        ...(c.type === 'timestamp' ? { unit: c.unit ?? 'us' } : {}),
        ...(c.type === 'decimal' ? { precision: c.precision, scale: c.scale } : {}),
      })),
    );
  });

  it('reads Arrow data made elsewhere: dictionaries, structs, zone-less timestamps, Date64, uint64, small ints', async () => {
    // Prepare: a table built with apache-arrow's own builders, not our writer
    const dictionary = vectorFromArray(
      ['red', 'green', 'red', null, 'blue'],
      new Dictionary(new Utf8(), new Int32()),
    );
    const address = makeData({
      type: new Struct([new Field('city', new Utf8(), true), new Field('zip', new Int32(), true)]),
      length: 5,
      nullCount: 1,
      nullBitmap: Uint8Array.of(0b11101),
      children: [
        vectorFromArray(['Oslo', 'Lima', 'x', 'Pune', null], new Utf8()).data[0]!,
        vectorFromArray([1, 2, 3, 4, 5], new Int32()).data[0]!,
      ],
    });
    const table = new Table({
      colour: dictionary,
      address: makeVector(address),
      local: makeVector(
        makeData({ type: new TimestampNanosecond(), length: 5, data: BigInt64Array.of(1n, 2n, 3n, 4n, 5n) }),
      ),
      seconds: makeVector(
        makeData({
          type: new TimestampSecond('Europe/Oslo'),
          length: 5,
          data: BigInt64Array.of(0n, 1n, -1n, 86400n, 1n),
        }),
      ),
      day64: makeVector(
        makeData({
          type: new DateMillisecond(),
          length: 5,
          data: BigInt64Array.of(0n, 86_400_000n, -86_400_000n, 0n, 0n),
        }),
      ),
      big: makeVector(
        makeData({ type: new Uint64(), length: 5, data: BigUint64Array.of(2n ** 64n - 1n, 1n, 0n, 2n, 3n) }),
      ),
      tiny: makeVector(makeData({ type: new Int8(), length: 5, data: Int8Array.of(-128, 127, 0, 1, 2) })),
    });
    const bytes = tableToIPC(table, 'stream');

    // Act
    const [batch] = await readAll(readArrow(sourceOf(bytes)));
    const schema = await arrowSchemaOf(sourceOf(bytes));

    // Assess
    expect(batch!.columns).toEqual([
      'colour',
      'address.city',
      'address.zip',
      'local',
      'seconds',
      'day64',
      'big',
      'tiny',
    ]);
    expect(batch!.rows[0]).toEqual([
      'red',
      'Oslo',
      1,
      '1970-01-01T00:00:00.000000001',
      '1970-01-01T00:00:00Z',
      '1970-01-01',
      2n ** 64n - 1n,
      -128,
    ]);
    expect(batch!.rows[1]).toEqual([
      'green',
      null,
      null,
      '1970-01-01T00:00:00.000000002',
      '1970-01-01T00:00:01Z',
      '1970-01-02',
      1,
      127,
    ]);
    expect(batch!.rows[2]!.slice(0, 6)).toEqual([
      'red',
      'x',
      3,
      '1970-01-01T00:00:00.000000003',
      '1969-12-31T23:59:59Z',
      '1969-12-31',
    ]);
    expect(batch!.rows[3]![0]).toBeNull();
    expect(batch!.rows[4]!.slice(1, 3)).toEqual([null, 5]);
    expect(schema.find((c) => c.name === 'big')).toEqual({
      name: 'big',
      type: 'decimal',
      precision: 20,
      scale: 0,
      nullable: true,
    });
    expect(schema.find((c) => c.name === 'address.zip')).toEqual({
      name: 'address.zip',
      type: 'int32',
      nullable: true,
    });
    expect(schema.find((c) => c.name === 'seconds')).toMatchObject({ type: 'timestamp', unit: 'ms' });
  });

  it('reads the stream format from a source that can only stream (a gunzipped object)', async () => {
    // Prepare: no random access, and a size that is not the stream's (the compressed size)
    const bytes = await writeTable(createArrowWriter, EVERY_TYPE, EDGE_ROWS);
    const streamOnly: ByteSource = {
      ...sourceOf(bytes),
      size: () => Promise.resolve(10),
      readRange: () => Promise.reject(new FormatError('gzip-compressed Arrow is read as a stream only')),
    };

    // Act
    const batches = await readAll(readArrow(streamOnly));

    // Assess
    expect(canonicalCells(EVERY_TYPE, batches)).toEqual(canonicalRows(EVERY_TYPE, EDGE_ROWS));
  });

  it('reads binary columns as base64 text', async () => {
    // Prepare
    const table = new Table({ blob: vectorFromArray([Uint8Array.of(0, 255, 1), null], new Binary()) });

    // Act
    const [batch] = await readAll(readArrow(sourceOf(tableToIPC(table, 'file'))));

    // Assess
    expect(batch!.rows).toEqual([['AP8B'], [null]]);
  });

  it('reads only the requested columns, in the requested order', async () => {
    // Prepare
    const bytes = tableToIPC(
      tableFromArrays({ a: Int32Array.of(1, 2), b: Float64Array.of(0.5, 1.5) }),
      'stream',
    );

    // Act
    const batches = await readAll(readArrow(sourceOf(bytes), { columns: ['b', 'a'] }));

    // Assess
    expect(batches).toEqual([
      {
        columns: ['b', 'a'],
        rows: [
          [0.5, 1],
          [1.5, 2],
        ],
        firstRow: 1,
      },
    ]);
  });

  it('rejects list columns with a FormatError naming the column', async () => {
    // Prepare
    const list = vectorFromArray([[1, 2], [3]], new List(new Field('item', new Int32(), true)));
    const bytes = tableToIPC(new Table({ tags: list }), 'stream');

    // Act + Assess
    await expect(readAll(readArrow(sourceOf(bytes)))).rejects.toThrow(/Arrow column tags has type List/);
  });

  it.each([
    ['stream', createArrowWriter],
    ['file', fileWriter],
  ])('writes a %s apache-arrow itself reads, with the contract types', async (_, create) => {
    // Prepare
    const bytes = await writeTable(create, EVERY_TYPE, EDGE_ROWS, {}, 4);

    // Act
    const table = tableFromIPC(bytes);

    // Assess
    expect(table.numRows).toBe(EDGE_ROWS.length);
    expect(table.batches.map((b) => b.numRows)).toEqual([4, 3]);
    expect(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual([
      ['text', 'Utf8', true],
      ['i32', 'Int32', true],
      ['i64', 'Int64', true],
      ['f32', 'Float32', true],
      ['f64', 'Float64', true],
      ['flag', 'Bool', true],
      ['day', 'Date32<DAY>', true],
      ['ts_ms', 'Timestamp<MILLISECOND, UTC>', true],
      ['ts_us', 'Timestamp<MICROSECOND, UTC>', true],
      ['ts_ns', 'Timestamp<NANOSECOND, UTC>', true],
      ['dec9', 'Decimal[9e+2]', true],
      ['dec18', 'Decimal[18e+6]', true],
      ['dec38', 'Decimal[38e+10]', true],
      ['id', 'Int64', false],
    ]);
    expect(table.getChild('text')!.get(2)).toBe('Zoë 🌍 日本語 \u0000 "quoted", comma');
    expect(table.getChild('i64')!.get(3)).toBe(2n ** 63n - 1n);
  });
});

describe('Arrow writer errors', () => {
  it('rejects a null in a non-nullable column', async () => {
    // Prepare
    const writer = createArrowWriter(new BufferSink(), { schema: ID_SCHEMA });

    // Act + Assess
    await expect(
      writer.write([
        [1, 'a'],
        [null, 'b'],
      ]),
    ).rejects.toThrow(new FormatError('row 2: column id is not nullable but the value is null'));
  });

  it('rejects a value of the wrong type and refuses further writes', async () => {
    // Prepare
    const writer = createArrowWriter(new BufferSink(), { schema: ID_SCHEMA });

    // Act + Assess
    await expect(writer.write([[1.5, 'a']])).rejects.toThrow(/expected a 64-bit integer/);
    await expect(writer.close()).rejects.toThrow(/is failed/);
  });

  it('aborts through the sink', async () => {
    // Prepare
    const sink = new RecordingSink();
    const writer = createArrowWriter(sink, { schema: ID_SCHEMA });
    await writer.write(idRows(5));

    // Act
    await writer.abort();

    // Assess
    expect(sink.events.at(-1)).toBe('abort');
    expect(sink.events).not.toContain('close');
  });
});
