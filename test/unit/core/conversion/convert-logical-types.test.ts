/**
 * Conversions between typed formats keep the logical types the source declared (naive
 * timestamps, UUID, int8/int16, float32), and text outputs write those values as the source meant
 * them: no 'Z' on a local date-time, a float32 as its shortest round-trip text.
 */
import {
  Field,
  Int16,
  Int8,
  makeData,
  RecordBatch,
  RecordBatchStreamWriter,
  Schema,
  Struct,
  Timestamp,
  TimeUnit,
  tableFromIPC,
} from 'apache-arrow';
import { parquetMetadata, type SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter, parquetWriteBuffer } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { convertTable } from '../../../../lambdas/core/conversion/convert-table';
import {
  NAIVE_ZONE,
  type ColumnSpec,
  type DataFormat,
} from '../../../../lambdas/core/contracts/output-contract';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { createParquetWriter } from '../../../../lambdas/core/formats/parquet-writer';
import { readParquet } from '../../../../lambdas/core/formats/parquet-reader';
import { columnCodec, float32Text, NOT_CONFORMING } from '../../../../lambdas/core/contracts/typed-values';

const UUID = '0f8fad5b-d9cb-469f-a165-70867728950e';
/** 2024-06-01T09:30:00 local, in microseconds since 1970-01-01T00:00 local. */
const LOCAL_US = 1717234200000000n;
const SIXTIETH = Math.fround(1 / 60);

/** A Parquet file as pandas/pyarrow write one: naive timestamps, UUID, int8, int16, float32. */
function typedParquet(): Uint8Array {
  const schema: SchemaElement[] = [
    { name: 'root', num_children: 5 },
    {
      name: 'local_at',
      type: 'INT64',
      repetition_type: 'OPTIONAL',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
    },
    {
      name: 'id',
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 16,
      repetition_type: 'OPTIONAL',
      logical_type: { type: 'UUID' },
    },
    {
      name: 'tiny',
      type: 'INT32',
      repetition_type: 'OPTIONAL',
      converted_type: 'INT_8',
      logical_type: { type: 'INTEGER', bitWidth: 8, isSigned: true },
    },
    {
      name: 'small',
      type: 'INT32',
      repetition_type: 'OPTIONAL',
      converted_type: 'INT_16',
      logical_type: { type: 'INTEGER', bitWidth: 16, isSigned: true },
    },
    { name: 'ratio', type: 'FLOAT', repetition_type: 'OPTIONAL' },
  ];
  const buffer = parquetWriteBuffer({
    schema,
    columnData: [
      { name: 'local_at', data: [LOCAL_US] },
      { name: 'id', data: [UUID] },
      { name: 'tiny', data: [-128] },
      { name: 'small', data: [32767] },
      { name: 'ratio', data: [SIXTIETH] },
    ],
  });
  return new Uint8Array(buffer);
}

async function convert(input: Uint8Array, name: string, to: DataFormat) {
  const sink = new BufferSink('out');
  const result = await convertTable(
    bufferSource(input, name),
    sink,
    () => bufferSource(sink.bytes(), 'out'),
    {
      to,
    },
  );
  return { result, bytes: sink.bytes() };
}

function footerOf(bytes: Uint8Array): SchemaElement[] {
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return parquetMetadata(buffer).schema.slice(1);
}

describe('Parquet → Parquet keeps the logical types the source declared', () => {
  it('keeps a naive timestamp naive, a UUID a UUID and int8/int16 themselves', async () => {
    // Prepare
    const input = typedParquet();

    // Act
    const { bytes, result } = await convert(input, 'in.parquet', 'parquet');

    // Assess
    const [localAt, id, tiny, small, ratio] = footerOf(bytes);
    expect(localAt?.logical_type).toEqual({ type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' });
    expect(localAt?.converted_type).toBeUndefined();
    expect(id).toMatchObject({
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 16,
      logical_type: { type: 'UUID' },
    });
    expect(tiny?.logical_type).toEqual({ type: 'INTEGER', bitWidth: 8, isSigned: true });
    expect(small?.logical_type).toEqual({ type: 'INTEGER', bitWidth: 16, isSigned: true });
    expect(ratio?.type).toBe('FLOAT');
    expect(result).toMatchObject({ columnsIn: 5, columnsOut: 5, equivalent: true });
  });

  it('reads back the same values it was given', async () => {
    // Prepare
    const input = typedParquet();
    const { bytes } = await convert(input, 'in.parquet', 'parquet');

    // Act
    const batches = [];
    for await (const batch of readParquet(bufferSource(bytes, 'out.parquet'))) batches.push(batch);

    // Assess
    expect(batches.flatMap((b) => b.rows)).toEqual([['2024-06-01T09:30:00', UUID, -128, 32767, SIXTIETH]]);
  });
});

describe('text outputs write typed values as the source meant them', () => {
  it('writes CSV without a Z on the naive timestamp and float32 as its shortest text', async () => {
    // Prepare
    const input = typedParquet();

    // Act
    const { bytes } = await convert(input, 'in.parquet', 'csv');

    // Assess
    expect(Buffer.from(bytes).toString('utf8')).toBe(
      `local_at,id,tiny,small,ratio\n2024-06-01T09:30:00,${UUID},-128,32767,0.016666668\n`,
    );
  });

  it('writes JSON Lines the same way', async () => {
    // Prepare
    const input = typedParquet();

    // Act
    const { bytes } = await convert(input, 'in.parquet', 'jsonl');

    // Assess
    expect(Buffer.from(bytes).toString('utf8')).toBe(
      `{"local_at":"2024-06-01T09:30:00","id":"${UUID}","tiny":-128,"small":32767,"ratio":0.016666668}\n`,
    );
  });
});

describe('Arrow → Arrow keeps int8/int16 and a timestamp without a timezone', () => {
  it('writes the same Arrow types it read', async () => {
    // Prepare
    const fields = [
      new Field('tiny', new Int8(), true),
      new Field('small', new Int16(), true),
      new Field('local_at', new Timestamp(TimeUnit.MICROSECOND, null), true),
    ];
    const schema = new Schema(fields);
    const children = [
      makeData({ type: new Int8(), length: 1, nullCount: 0, data: Int8Array.of(-128) }),
      makeData({ type: new Int16(), length: 1, nullCount: 0, data: Int16Array.of(32767) }),
      makeData({
        type: new Timestamp(TimeUnit.MICROSECOND, null),
        length: 1,
        nullCount: 0,
        data: BigInt64Array.of(LOCAL_US),
      }),
    ];
    const batch = new RecordBatch(
      schema,
      makeData({ type: new Struct(fields), length: 1, nullCount: 0, children }),
    );
    const input = RecordBatchStreamWriter.writeAll([batch]).toUint8Array(true);

    // Act
    const { bytes } = await convert(input, 'in.arrow', 'arrow');

    // Assess
    const table = tableFromIPC(bytes);
    expect(table.schema.fields.map((f) => String(f.type))).toEqual([
      'Int8',
      'Int16',
      'Timestamp<MICROSECOND>',
    ]);
    expect(table.getChild('tiny')?.get(0)).toBe(-128);
  });
});

describe('nested values carried as JSON text', () => {
  it('are written to Parquet as JSON text and read back unchanged', async () => {
    // Prepare
    const schema: ColumnSpec[] = [{ name: 'tags', type: 'string', nullable: true, physical: 'json' }];
    const sink = new BufferSink('out.parquet');
    const writer = createParquetWriter(sink, { schema });

    // Act
    await writer.write([['["a",{"b":1}]'], [null]]);
    await writer.close();

    // Assess
    const bytes = sink.bytes();
    expect(footerOf(bytes)[0]?.logical_type).toEqual({ type: 'JSON' });
    const rows = [];
    for await (const batch of readParquet(bufferSource(bytes, 'out.parquet'))) rows.push(...batch.rows);
    expect(rows).toEqual([['["a",{"b":1}]'], [null]]);
  });
});

/** A Parquet file with a list and a map column beside a flat one. */
function nestedParquet(): Uint8Array {
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({
    writer,
    schema: [
      { name: 'schema', num_children: 3 },
      { name: 'id', type: 'INT32', repetition_type: 'REQUIRED' },
      { name: 'tags', repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'attrs', repetition_type: 'OPTIONAL', converted_type: 'MAP', num_children: 1 },
      { name: 'key_value', repetition_type: 'REPEATED', num_children: 2 },
      { name: 'key', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' },
      { name: 'value', type: 'INT64', repetition_type: 'OPTIONAL' },
    ],
    codec: 'UNCOMPRESSED',
    statistics: false,
  });
  void parquet.write({
    columnData: [
      { name: 'id', data: [1, 2] },
      { name: 'tags', data: [['a', null], null] },
      { name: 'attrs', data: [{ zeta: 1n }, null] },
    ],
  });
  void parquet.finish();
  return writer.getBytes();
}

describe('nested Parquet columns, read as JSON text', () => {
  it.each(['parquet', 'arrow', 'csv', 'jsonl'] as const)('are carried to %s as text columns', async (to) => {
    // Prepare
    const input = nestedParquet();

    // Act
    const { result } = await convert(input, 'in.parquet', to);

    // Assess
    expect(result.schemaMapping.map((m) => [m.to, m.type])).toEqual([
      ['id', 'int32'],
      ['tags', 'string'],
      ['attrs', 'string'],
    ]);
    expect(result).toMatchObject({ rowsIn: 2, rowsOut: 2, columnsIn: 3, columnsOut: 3, equivalent: true });
  });

  it('are written to Parquet under the JSON logical type, with the text they were read as', async () => {
    // Prepare
    const input = nestedParquet();
    const read = async (bytes: Uint8Array) => {
      const rows = [];
      for await (const batch of readParquet(bufferSource(bytes, 'f.parquet'))) rows.push(...batch.rows);
      return rows;
    };

    // Act
    const { bytes } = await convert(input, 'in.parquet', 'parquet');

    // Assess
    expect(footerOf(bytes).map((e) => e.logical_type?.type)).toEqual([undefined, 'JSON', 'JSON']);
    expect(await read(bytes)).toEqual(await read(input));
  });
});

describe('typed values of the logical types', () => {
  it.each([
    [Math.fround(1 / 60), '0.016666668'],
    [Math.fround(0.1), '0.1'],
    [Math.fround(3.4028234663852886e38), '3.4028235e+38'],
    [Math.fround(1e-45), '1e-45'],
    [-0, '-0'],
  ])('prints float32 %s as %s, which reads back to the same float32', (value, text) => {
    // Prepare
    const codec = columnCodec({ name: 'f', type: 'float32', nullable: true });

    // Act
    const printed = codec.format(value);

    // Assess
    expect(printed).toBe(text);
    expect(float32Text(value)).toBe(text);
    expect(codec.parse(printed)).toBe(value);
  });

  it('refuses a zoned value in a naive timestamp column instead of shifting it', () => {
    // Prepare
    const codec = columnCodec({ name: 't', type: 'timestamp', unit: 'us', zone: NAIVE_ZONE, nullable: true });

    // Act
    const values = ['2024-06-01T09:30:00', '2024-06-01T09:30:00Z', '2024-06-01T09:30:00+02:00'].map((t) =>
      codec.parse(t),
    );

    // Assess
    expect(values).toEqual([LOCAL_US, NOT_CONFORMING, NOT_CONFORMING]);
  });

  it('refuses an int8 value beyond -128..127 rather than write it wider', () => {
    // Prepare
    const codec = columnCodec({ name: 'i', type: 'int32', physical: 'int8', nullable: true });

    // Act
    const values = ['127', '-128', '128', 300].map((v) => codec.parse(v));

    // Assess
    expect(values).toEqual([127, -128, NOT_CONFORMING, NOT_CONFORMING]);
  });
});
