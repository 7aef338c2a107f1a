/**
 * The mapping between contract column types and Parquet's physical and logical types, both ways,
 * and the exact text typed formats (Parquet, Arrow) give for dates, timestamps and decimals.
 *
 * Readers never let a value pass through a JS `Date` or a float on its way out: dates are day
 * counts formatted with civil-calendar arithmetic, timestamps are bigint counts of the file's unit,
 * decimals are bigint unscaled values, so year 0001, nanoseconds and 38-digit decimals survive.
 */
import type { SchemaElement } from 'hyparquet';

import {
  NAIVE_ZONE,
  type ColumnSpec,
  type ColumnType,
  type PhysicalHint,
  type TimestampUnit,
} from '../contracts/output-contract';
import { FormatError } from '../errors';
import { formatTimestamp } from '../contracts/typed-values';

/** A column as a typed file declares it, in contract terms (for schema inference). */
export interface InferredColumn {
  readonly name: string;
  readonly type: ColumnType;
  readonly nullable: boolean;
  readonly unit?: TimestampUnit;
  /** NAIVE_ZONE for local (zone-less) timestamps; absent for instants (UTC). */
  readonly zone?: string;
  /** The narrower storage the file declared (int8, int16, uuid, json), as ColumnSpec.physical. */
  readonly physical?: PhysicalHint;
  readonly precision?: number;
  readonly scale?: number;
}

// ---- raw cells of typed formats ----

/** Integers from 64-bit columns: a number when it is exact, a bigint otherwise. */
export function int64Cell(value: bigint): number | bigint {
  return value >= -9007199254740991n && value <= 9007199254740991n ? Number(value) : value;
}

/** Exact decimal text of an unscaled value ('-0.05' for -5 at scale 2). */
export function decimalText(unscaled: bigint, scale: number): string {
  const negative = unscaled < 0n;
  const digits = (negative ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text =
    scale <= 0 ? digits + '0'.repeat(-scale) : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return negative ? `-${text}` : text;
}

/**
 * ISO-8601 text of a count of `unit` since the epoch. Instants (UTC-adjusted) end in 'Z'; local
 * (zone-less) timestamps do not, so the contract's `zone` decides what they mean.
 */
export function timestampText(value: bigint, unit: TimestampUnit, utc: boolean): string {
  const text = formatTimestamp(value, unit);
  return utc ? text : text.slice(0, -1);
}

/** Big-endian two's-complement bytes (Parquet decimals) to a bigint. */
export function bigEndianSigned(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let value = 0n;
  for (const byte of bytes) value = (value << 8n) | BigInt(byte);
  const bits = BigInt(bytes.length * 8);
  return bytes[0]! & 0x80 ? value - (1n << bits) : value;
}

/** Binary values travel as base64 text: raw cells carry no byte arrays. */
export function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict UTF-8: invalid text in a file is an error, never replacement characters. */
export const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Decimal digits an unscaled bigint has. */
export function digitCount(unscaled: bigint): number {
  return (unscaled < 0n ? -unscaled : unscaled).toString().length;
}

// ---- contract → Parquet ----

const TIMESTAMP_UNITS = { ms: 'MILLIS', us: 'MICROS', ns: 'NANOS' } as const;

/** Smallest FIXED_LEN_BYTE_ARRAY length that holds every unscaled value of `precision` digits. */
export function decimalByteLength(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (max >= 1n << BigInt(bytes * 8 - 1)) bytes++;
  return bytes;
}

/** The Parquet schema element of a contract column (the spec's preferred encodings). */
export function parquetElementFor(column: ColumnSpec): SchemaElement {
  const base = { name: column.name, repetition_type: column.nullable ? 'OPTIONAL' : 'REQUIRED' } as const;
  switch (column.type) {
    case 'string':
      return { ...base, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'int32':
      return { ...base, type: 'INT32' };
    case 'int64':
      return { ...base, type: 'INT64' };
    case 'float32':
      return { ...base, type: 'FLOAT' };
    case 'float64':
      return { ...base, type: 'DOUBLE' };
    case 'boolean':
      return { ...base, type: 'BOOLEAN' };
    case 'date':
      return { ...base, type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'timestamp': {
      const unit = column.unit ?? 'us';
      const element: SchemaElement = {
        ...base,
        type: 'INT64',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: TIMESTAMP_UNITS[unit] },
      };
      // Older readers only know the converted types, which exist for ms and us.
      if (unit === 'ms') element.converted_type = 'TIMESTAMP_MILLIS';
      if (unit === 'us') element.converted_type = 'TIMESTAMP_MICROS';
      return element;
    }
    case 'decimal': {
      const precision = column.precision ?? 38;
      const scale = column.scale ?? 0;
      const decimal = {
        ...base,
        converted_type: 'DECIMAL',
        precision,
        scale,
        logical_type: { type: 'DECIMAL', precision, scale },
      } as const;
      // The spec: INT32 for up to 9 digits, INT64 up to 18, a fixed-length byte array beyond.
      if (precision <= 9) return { ...decimal, type: 'INT32' };
      if (precision <= 18) return { ...decimal, type: 'INT64' };
      return { ...decimal, type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalByteLength(precision) };
    }
  }
}

// ---- Parquet → contract ----

/** How a reader turns a leaf column's decoded values into raw cells. */
export type ParquetLeafKind =
  | { readonly kind: 'decimal'; readonly scale: number }
  | { readonly kind: 'date' }
  | { readonly kind: 'timestamp'; readonly unit: TimestampUnit; readonly utc: boolean }
  | { readonly kind: 'integer' }
  | { readonly kind: 'float' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'text' }
  | { readonly kind: 'binary' }
  /** INTERVAL: 12 bytes, three little-endian uint32 (months, days, milliseconds). */
  | { readonly kind: 'interval' };

/**
 * Text of a Parquet INTERVAL: `{"months":m,"days":d,"millis":n}`. The three parts do not reduce to
 * one another (a month has no fixed number of days), so all three are kept as the file has them.
 */
export function intervalText(bytes: Uint8Array): string {
  if (bytes.byteLength !== 12) throw new Error(`an INTERVAL of ${bytes.byteLength} bytes (it takes 12)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 12);
  const [months, days, millis] = [0, 4, 8].map((at) => view.getUint32(at, true));
  return `{"months":${months},"days":${days},"millis":${millis}}`;
}

const UNIT_OF = { MILLIS: 'ms', MICROS: 'us', NANOS: 'ns' } as const;

/** Classifies a Parquet leaf element; unsupported annotations are a FormatError. */
export function parquetLeafKind(element: SchemaElement, path: string): ParquetLeafKind {
  const { type, converted_type: ctype, logical_type: ltype } = element;
  if (ctype === 'DECIMAL' || ltype?.type === 'DECIMAL') {
    const scale = ltype?.type === 'DECIMAL' ? ltype.scale : (element.scale ?? 0);
    const precision = ltype?.type === 'DECIMAL' ? ltype.precision : (element.precision ?? 38);
    // The spec: 0 <= scale <= precision; anything else is a corrupt footer, not a number format.
    if (!(
      Number.isInteger(scale) &&
      Number.isInteger(precision) &&
      scale >= 0 &&
      scale <= precision &&
      precision <= 1000
    )) {
      throw new FormatError(`Parquet column ${path} has an invalid decimal type (${precision}, ${scale})`);
    }
    return { kind: 'decimal', scale };
  }
  if (ctype === 'DATE' || ltype?.type === 'DATE') return { kind: 'date' };
  if (ltype?.type === 'TIMESTAMP') {
    return { kind: 'timestamp', unit: UNIT_OF[ltype.unit], utc: ltype.isAdjustedToUTC };
  }
  if (ctype === 'TIMESTAMP_MILLIS') return { kind: 'timestamp', unit: 'ms', utc: true };
  if (ctype === 'TIMESTAMP_MICROS') return { kind: 'timestamp', unit: 'us', utc: true };
  // INT96: the legacy Impala/Spark timestamp, nanoseconds of a UTC-normalized instant.
  if (type === 'INT96') return { kind: 'timestamp', unit: 'ns', utc: true };
  if (ctype === 'INTERVAL' || ltype?.type === 'INTERVAL') {
    if (type !== 'FIXED_LEN_BYTE_ARRAY' || element.type_length !== 12) {
      throw new FormatError(`Parquet column ${path} is an INTERVAL that is not 12 fixed bytes`);
    }
    return { kind: 'interval' };
  }
  // BSON documents are bytes: carried like any binary value, as base64 text.
  if (ctype === 'BSON' || ltype?.type === 'BSON') return { kind: 'binary' };
  switch (type) {
    case 'BOOLEAN':
      return { kind: 'boolean' };
    case 'INT32':
    case 'INT64':
      return { kind: 'integer' };
    case 'FLOAT':
    case 'DOUBLE':
      return { kind: 'float' };
    case 'BYTE_ARRAY':
    case 'FIXED_LEN_BYTE_ARRAY':
      if (ltype?.type === 'FLOAT16') return { kind: 'float' };
      if (ctype === 'UTF8' || ctype === 'ENUM' || ctype === 'JSON') return { kind: 'text' };
      if (
        ltype?.type === 'STRING' ||
        ltype?.type === 'ENUM' ||
        ltype?.type === 'JSON' ||
        ltype?.type === 'UUID'
      ) {
        return { kind: 'text' };
      }
      return { kind: 'binary' };
    default:
      throw new FormatError(`Parquet column ${path} has no physical type`);
  }
}

/** The contract type a Parquet leaf column maps to. */
export function contractColumnOf(element: SchemaElement, name: string, nullable: boolean): InferredColumn {
  const leaf = parquetLeafKind(element, name);
  const base = { name, nullable };
  switch (leaf.kind) {
    case 'decimal': {
      const precision =
        element.logical_type?.type === 'DECIMAL' ? element.logical_type.precision : (element.precision ?? 38);
      return { ...base, type: 'decimal', precision, scale: leaf.scale };
    }
    case 'date':
      return { ...base, type: 'date' };
    case 'timestamp':
      return leaf.utc
        ? { ...base, type: 'timestamp', unit: leaf.unit }
        : { ...base, type: 'timestamp', unit: leaf.unit, zone: NAIVE_ZONE };
    case 'integer': {
      const { converted_type: ctype, logical_type: ltype } = element;
      const unsigned = ctype?.startsWith('UINT_') || (ltype?.type === 'INTEGER' && !ltype.isSigned);
      if (element.type === 'INT64') {
        // Unsigned 64-bit values reach 2^64 - 1, past int64: exact as a 20-digit decimal.
        return unsigned ? { ...base, type: 'decimal', precision: 20, scale: 0 } : { ...base, type: 'int64' };
      }
      if (unsigned && (ctype === 'UINT_32' || (ltype?.type === 'INTEGER' && ltype.bitWidth === 32))) {
        return { ...base, type: 'int64' };
      }
      // Signed 8- and 16-bit integers are stored as INT32; the hint keeps their width.
      const width =
        ltype?.type === 'INTEGER' ? ltype.bitWidth : ctype === 'INT_8' ? 8 : ctype === 'INT_16' ? 16 : 32;
      if (!unsigned && width === 8) return { ...base, type: 'int32', physical: 'int8' };
      if (!unsigned && width === 16) return { ...base, type: 'int32', physical: 'int16' };
      return { ...base, type: 'int32' };
    }
    case 'float':
      return { ...base, type: element.type === 'DOUBLE' ? 'float64' : 'float32' };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'text': {
      const { converted_type: ctype, logical_type: ltype } = element;
      if (ltype?.type === 'UUID') return { ...base, type: 'string', physical: 'uuid' };
      if (ctype === 'JSON' || ltype?.type === 'JSON') return { ...base, type: 'string', physical: 'json' };
      return { ...base, type: 'string' };
    }
    case 'binary':
    case 'interval':
      return { ...base, type: 'string' };
  }
}
