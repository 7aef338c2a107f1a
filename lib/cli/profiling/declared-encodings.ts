/**
 * Columns of a typed file whose values the readers carry in another form than the file declares,
 * so a draft can say what its type means: TIME columns (Parquet TIME_MILLIS/TIME_MICROS/TIME,
 * Arrow Time) are read as whole counts of their unit since midnight, binary columns (Parquet
 * BYTE_ARRAY without a text annotation, BSON; Arrow Binary, LargeBinary, FixedSizeBinary) as
 * base64 text. Read from the footer or schema message only, never the data.
 */
import { DataType, RecordBatchReader, TimeUnit, type Field } from 'apache-arrow';
import { parquetMetadataAsync, type SchemaElement } from 'hyparquet';
import type { DataFormat } from '../../../lambdas/core/contracts';
import { type ByteSource, parquetLeafKind } from '../../../lambdas/core/formats';

export type DeclaredEncoding =
  { readonly kind: 'time'; readonly unit: 's' | 'ms' | 'us' | 'ns' } | { readonly kind: 'binary' };

/** Column name (dotted for struct fields, as the readers name them) → how its values are carried. */
export async function declaredEncodings(
  source: ByteSource,
  format: DataFormat,
  gzip: boolean,
): Promise<Map<string, DeclaredEncoding>> {
  if (format === 'parquet') return parquetEncodings(source);
  if (format === 'arrow' && !gzip) return arrowEncodings(source);
  return new Map();
}

const PARQUET_TIME_UNITS = { MILLIS: 'ms', MICROS: 'us', NANOS: 'ns' } as const;

async function parquetEncodings(source: ByteSource): Promise<Map<string, DeclaredEncoding>> {
  const byteLength = await source.size();
  const metadata = await parquetMetadataAsync({
    byteLength,
    slice: async (start, end) => {
      const bytes = await source.readRange(start, end ?? byteLength);
      return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    },
  });
  const found = new Map<string, DeclaredEncoding>();
  const elements = metadata.schema;
  let at = 1; // elements[0] is the root
  // Depth-first, as the footer lists them; lists, maps and repeated fields are one JSON column
  // each, never TIME or binary cells, so their subtrees are skipped.
  const walk = (prefix: string, nested: boolean): void => {
    const element = elements[at++] as SchemaElement;
    const name = prefix + element.name;
    const children = element.num_children ?? 0;
    const asJson =
      nested ||
      element.repetition_type === 'REPEATED' ||
      element.converted_type === 'LIST' ||
      element.converted_type === 'MAP' ||
      element.logical_type?.type === 'LIST' ||
      element.logical_type?.type === 'MAP';
    for (let i = 0; i < children; i++) walk(`${name}.`, asJson);
    if (children > 0 || asJson) return;
    const encoding = parquetEncodingOf(element, name);
    if (encoding) found.set(name, encoding);
  };
  const top = elements[0]?.num_children ?? 0;
  for (let i = 0; i < top; i++) walk('', false);
  return found;
}

function parquetEncodingOf(element: SchemaElement, name: string): DeclaredEncoding | undefined {
  if (element.converted_type === 'TIME_MILLIS') return { kind: 'time', unit: 'ms' };
  if (element.converted_type === 'TIME_MICROS') return { kind: 'time', unit: 'us' };
  if (element.logical_type?.type === 'TIME')
    return { kind: 'time', unit: PARQUET_TIME_UNITS[element.logical_type.unit] };
  try {
    return parquetLeafKind(element, name).kind === 'binary' ? { kind: 'binary' } : undefined;
  } catch {
    return undefined; // the reader reports an unsupported column itself
  }
}

const ARROW_TIME_UNITS = {
  [TimeUnit.SECOND]: 's',
  [TimeUnit.MILLISECOND]: 'ms',
  [TimeUnit.MICROSECOND]: 'us',
  [TimeUnit.NANOSECOND]: 'ns',
} as const;

async function arrowEncodings(source: ByteSource): Promise<Map<string, DeclaredEncoding>> {
  const reader = await RecordBatchReader.from(source.stream());
  await reader.open();
  const found = new Map<string, DeclaredEncoding>();
  const walk = (field: Field, prefix: string): void => {
    const name = prefix + field.name;
    const type = field.type as DataType;
    if (DataType.isStruct(type)) {
      for (const child of type.children) walk(child, `${name}.`);
      return;
    }
    if (DataType.isTime(type)) found.set(name, { kind: 'time', unit: ARROW_TIME_UNITS[type.unit] });
    else if (
      DataType.isBinary(type) ||
      DataType.isLargeBinary(type) ||
      DataType.isBinaryView(type) ||
      // A 16-byte UUID extension is read as UUID text, not base64.
      (DataType.isFixedSizeBinary(type) && field.metadata.get('ARROW:extension:name') !== 'arrow.uuid')
    )
      found.set(name, { kind: 'binary' });
  };
  for (const field of reader.schema.fields) walk(field, '');
  await reader.cancel();
  return found;
}
