/**
 * The schemas parquetSchemaOf and arrowSchemaOf derive keep what a writer needs to write the
 * same storage back: naive (zone-less) timestamps apart from instants, 8- and 16-bit integers,
 * float32, UUID and JSON.
 */
import {
  Field,
  Float32,
  Int16,
  Int8,
  RecordBatchStreamWriter,
  Schema,
  TimeUnit,
  Timestamp,
  FixedSizeBinary,
} from 'apache-arrow';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import type { SchemaElement } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import { NAIVE_ZONE } from '../../../../lambdas/core/contracts/output-contract';
import { arrowSchemaOf, readArrow } from '../../../../lambdas/core/formats/arrow-reader';
import { parquetSchemaOf } from '../../../../lambdas/core/formats/parquet-reader';
import { readAll, sourceOf } from '../../../fixtures/parquet-arrow-tables';

function parquetWithSchema(elements: SchemaElement[]): Uint8Array {
  const writer = new ByteWriter();
  const parquet = new ParquetWriter({
    writer,
    schema: [{ name: 'schema', num_children: elements.length }, ...elements],
    statistics: false,
  });
  void parquet.write({ columnData: elements.map((e) => ({ name: e.name, data: [] })) });
  void parquet.finish();
  return writer.getBytes();
}

describe('parquetSchemaOf', () => {
  it('tells naive timestamps, int8, int16, float32, UUID and JSON apart', async () => {
    // Prepare
    const bytes = parquetWithSchema([
      {
        name: 'local',
        type: 'INT64',
        repetition_type: 'OPTIONAL',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
      },
      {
        name: 'instant',
        type: 'INT64',
        repetition_type: 'OPTIONAL',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      },
      { name: 'tiny', type: 'INT32', repetition_type: 'OPTIONAL', converted_type: 'INT_8' },
      {
        name: 'small',
        type: 'INT32',
        repetition_type: 'OPTIONAL',
        logical_type: { type: 'INTEGER', bitWidth: 16, isSigned: true },
      },
      { name: 'single', type: 'FLOAT', repetition_type: 'OPTIONAL' },
      {
        name: 'id',
        type: 'FIXED_LEN_BYTE_ARRAY',
        type_length: 16,
        repetition_type: 'OPTIONAL',
        logical_type: { type: 'UUID' },
      },
      { name: 'doc', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL', converted_type: 'JSON' },
    ]);

    // Act
    const schema = await parquetSchemaOf(sourceOf(bytes));

    // Assess
    expect(schema).toEqual([
      { name: 'local', type: 'timestamp', unit: 'us', zone: NAIVE_ZONE, nullable: true },
      { name: 'instant', type: 'timestamp', unit: 'us', nullable: true },
      { name: 'tiny', type: 'int32', physical: 'int8', nullable: true },
      { name: 'small', type: 'int32', physical: 'int16', nullable: true },
      { name: 'single', type: 'float32', nullable: true },
      { name: 'id', type: 'string', physical: 'uuid', nullable: true },
      { name: 'doc', type: 'string', physical: 'json', nullable: true },
    ]);
  });
});

describe('arrowSchemaOf', () => {
  it('tells naive timestamps, int8, int16, float32 and the UUID extension apart', async () => {
    // Prepare
    const uuid = new Field(
      'id',
      new FixedSizeBinary(16),
      true,
      new Map([['ARROW:extension:name', 'arrow.uuid']]),
    );
    const schema = new Schema([
      new Field('local', new Timestamp(TimeUnit.MICROSECOND, null), true),
      new Field('instant', new Timestamp(TimeUnit.MICROSECOND, 'UTC'), true),
      new Field('tiny', new Int8(), true),
      new Field('small', new Int16(), true),
      new Field('single', new Float32(), true),
      uuid,
    ]);
    const writer = new RecordBatchStreamWriter();
    writer.reset(undefined, schema);
    const bytes = writer.toUint8Array(true);

    // Act
    const columns = await arrowSchemaOf(sourceOf(bytes));

    // Assess
    expect(columns).toEqual([
      { name: 'local', type: 'timestamp', unit: 'us', zone: NAIVE_ZONE, nullable: true },
      { name: 'instant', type: 'timestamp', unit: 'us', nullable: true },
      { name: 'tiny', type: 'int32', physical: 'int8', nullable: true },
      { name: 'small', type: 'int32', physical: 'int16', nullable: true },
      { name: 'single', type: 'float32', nullable: true },
      { name: 'id', type: 'string', physical: 'uuid', nullable: true },
    ]);
    expect(await readAll(readArrow(sourceOf(bytes)))).toHaveLength(1);
  });
});
