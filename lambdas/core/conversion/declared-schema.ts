/**
 * The schema a typed file (Parquet, Arrow) declares, in contract terms, with what the contract
 * types alone would lose on a conversion: local (naive) timestamps, int8/int16, UUID, and nested
 * values carried as JSON text. The readers' derived schema gives the column types; the hints come
 * from the same footer or schema message, read once more (both are bounded by the readers, which
 * validate them first).
 */
import { DataType, RecordBatchReader, type Field } from 'apache-arrow';
import { parquetMetadataAsync, parquetSchema, type SchemaElement, type SchemaTree } from 'hyparquet';

import { NAIVE_ZONE, type ColumnSpec, type DataFormat } from '../contracts/output-contract';
import { arrowSchemaOf } from '../formats/arrow-lazy';
import type { ByteSource } from '../formats/byte-io';
import { parquetSchemaOf } from '../formats/parquet-reader';

type Hint = Pick<ColumnSpec, 'zone' | 'physical'>;

/** Hints of one column, by the flattened (dotted) name the readers give it. */
type Hints = Map<string, Hint>;

const ARROW_FILE_MAGIC = 'ARROW1';
/** 'ARROW1' and two bytes of padding precede the schema message of an Arrow IPC file. */
const ARROW_FILE_PREFIX = 8;

/**
 * The columns of a typed file with their declared types and hints; undefined for text formats.
 * Timestamps are instants in UTC unless the file says they name no zone.
 */
export async function declaredSchema(
  source: ByteSource,
  format: DataFormat,
): Promise<ColumnSpec[] | undefined> {
  if (format !== 'parquet' && format !== 'arrow') return undefined;
  const columns = format === 'parquet' ? await parquetSchemaOf(source) : await arrowSchemaOf(source);
  const hints = format === 'parquet' ? await parquetHints(source) : await arrowHints(source);
  return columns.map((c) => {
    // The reader's own word first (its derived schema may carry zone and physical); the footer's
    // annotations where it does not.
    const derived = c as ColumnSpec;
    const hint = hints.get(c.name);
    const zone = derived.zone ?? hint?.zone;
    const physical = derived.physical ?? hint?.physical;
    const spec: ColumnSpec = { ...c };
    if (c.type === 'timestamp') return { ...spec, zone: zone ?? 'UTC' };
    if (c.type === 'int32' && (physical === 'int8' || physical === 'int16')) return { ...spec, physical };
    if (c.type === 'string' && (physical === 'uuid' || physical === 'json')) return { ...spec, physical };
    const { physical: _dropped, ...rest } = spec;
    return rest;
  });
}

function parquetHintOf(element: SchemaElement): Hint | undefined {
  const { converted_type: ctype, logical_type: ltype } = element;
  if (ltype?.type === 'TIMESTAMP' && !ltype.isAdjustedToUTC) return { zone: NAIVE_ZONE };
  if (ltype?.type === 'UUID') return { physical: 'uuid' };
  if (ctype === 'JSON' || ltype?.type === 'JSON') return { physical: 'json' };
  if (ctype === 'LIST' || ctype === 'MAP' || ltype?.type === 'LIST' || ltype?.type === 'MAP')
    return { physical: 'json' };
  const signed = ltype?.type === 'INTEGER' ? ltype.isSigned : true;
  const bits =
    ltype?.type === 'INTEGER' ? ltype.bitWidth : ctype === 'INT_8' ? 8 : ctype === 'INT_16' ? 16 : 0;
  if (signed && bits === 8) return { physical: 'int8' };
  if (signed && bits === 16) return { physical: 'int16' };
  return undefined;
}

async function parquetHints(source: ByteSource): Promise<Hints> {
  const size = await source.size();
  const metadata = await parquetMetadataAsync({
    byteLength: size,
    // A copy: a Node Buffer's `.buffer` is its whole pool.
    slice: async (start, end = size) => new Uint8Array(await source.readRange(start, end)).buffer,
  });
  const hints: Hints = new Map();
  const walk = (node: SchemaTree, prefix: string): void => {
    const name = prefix + node.element.name;
    const hint = parquetHintOf(node.element);
    // Lists and maps arrive as one column of JSON text under their own name; structs flatten.
    if (hint || node.children.length === 0) {
      if (hint) hints.set(name, hint);
      return;
    }
    for (const child of node.children) walk(child, `${name}.`);
  };
  for (const child of parquetSchema(metadata).children) walk(child, '');
  return hints;
}

function arrowHintOf(type: DataType): Hint | undefined {
  if (DataType.isTimestamp(type) && (type.timezone === null || type.timezone === ''))
    return { zone: NAIVE_ZONE };
  if (DataType.isInt(type) && type.isSigned && type.bitWidth === 8) return { physical: 'int8' };
  if (DataType.isInt(type) && type.isSigned && type.bitWidth === 16) return { physical: 'int16' };
  if (DataType.isList(type) || DataType.isMap(type)) return { physical: 'json' };
  return undefined;
}

/** The schema message of an Arrow stream or file (after the file's magic), nothing more. */
async function arrowHints(source: ByteSource): Promise<Hints> {
  const head = await source.readRange(0, ARROW_FILE_PREFIX);
  const skip =
    Buffer.from(head.subarray(0, 6)).toString('latin1') === ARROW_FILE_MAGIC ? ARROW_FILE_PREFIX : 0;
  async function* body(): AsyncGenerator<Uint8Array> {
    let at = 0;
    for await (const chunk of source.stream()) {
      const from = Math.max(0, skip - at);
      at += chunk.byteLength;
      if (from < chunk.byteLength) yield chunk.subarray(from);
    }
  }
  const reader = await RecordBatchReader.from(body());
  await reader.open();
  const hints: Hints = new Map();
  const walk = (field: Field, prefix: string): void => {
    const name = prefix + field.name;
    if (DataType.isStruct(field.type)) {
      for (const child of field.type.children) walk(child, `${name}.`);
      return;
    }
    const hint = arrowHintOf(field.type as DataType);
    if (hint) hints.set(name, hint);
  };
  for (const field of reader.schema.fields) walk(field, '');
  await reader.cancel();
  return hints;
}
