/**
 * Parquet's byte layout for flat columns: column chunks of one row group from dense typed values,
 * and the footer. The file has the layout hyparquet-writer gave it (data page v2, PLAIN numbers,
 * RLE booleans, dictionary-encoded strings where the dictionary pays, chunk statistics, offset
 * indexes for chunks of several pages) but values go from typed arrays to page bytes without a
 * JS value per cell: fixed-width values are the bytes of their typed array, int64 values are kept
 * as two 32-bit halves, strings are UTF-8 encoded once into one buffer.
 *
 * The caller (parquet-writer.ts) validates values and owns the error messages; what reaches this
 * module is already in physical form.
 */
import type { SchemaElement } from 'hyparquet';

import { ByteBuffer, T, ThriftWriter } from './thrift-compact';

/**
 * A page's compressor. Its result is read once, before the next call (writePage appends it to the
 * file's buffer), so it may be a view of a buffer the compressor reuses.
 */
export type Compress = (input: Uint8Array) => Uint8Array;

/** Dense non-null values of a leaf column, in its physical type. */
export type ChunkValues =
  | { readonly type: 'BOOLEAN'; readonly values: Uint8Array }
  | { readonly type: 'INT32'; readonly values: Int32Array }
  /** Two little-endian 32-bit halves per value: [low, high, low, high, ...]. */
  | { readonly type: 'INT64'; readonly values: Int32Array }
  | { readonly type: 'FLOAT'; readonly values: Float32Array }
  | { readonly type: 'DOUBLE'; readonly values: Float64Array }
  | { readonly type: 'BYTE_ARRAY'; readonly values: readonly string[] }
  /**
   * Byte arrays already in PLAIN form (a 4-byte length and the bytes of each value, value k at
   * plain[offsets[k], offsets[k + 1])): encoded to the same pages as the strings they are the
   * UTF-8 of, provided no two distinct strings of the chunk share their bytes (none holds a lone
   * surrogate), as no text decoded from bytes does.
   */
  | {
      readonly type: 'BYTE_ARRAY';
      readonly values: null;
      readonly plain: Uint8Array;
      readonly offsets: Int32Array;
    }
  /** `width` bytes per value; `signed` orders them as big-endian two's complement (decimals). */
  | {
      readonly type: 'FIXED_LEN_BYTE_ARRAY';
      readonly values: Uint8Array;
      readonly width: number;
      readonly signed: boolean;
    };

/** One row group's part of a leaf column. */
export interface ChunkInput {
  readonly rows: number;
  /** One byte per row (1 = a value), or null when every row holds a value. */
  readonly valid: Uint8Array | null;
  /** Non-null values (the length of the dense values, in values). */
  readonly count: number;
  readonly data: ChunkValues;
}

export interface Codec {
  /** Index in Parquet's CompressionCodec enum. */
  readonly id: number;
  /** Null: pages are stored as they are. */
  readonly compress: Compress | null;
}

/** hyparquet-writer's page size target, estimated from value sizes. */
const PAGE_BYTES = 1 << 20;
/**
 * A dictionary larger than this is not built (the column is PLAIN): the dictionary page must be
 * read whole before any value, and past this size distinct values rarely repeat enough to pay.
 */
const MAX_DICTIONARY_BYTES = 1 << 20;
/** Values looked at before deciding a column is too distinct for a dictionary. */
const DICTIONARY_PROBE = 4096;
/** Statistics of byte arrays are cut to this many bytes (as hyparquet-writer cuts them). */
const STATS_BYTES = 16;

const TYPE_IDS = {
  BOOLEAN: 0,
  INT32: 1,
  INT64: 2,
  INT96: 3,
  FLOAT: 4,
  DOUBLE: 5,
  BYTE_ARRAY: 6,
  FIXED_LEN_BYTE_ARRAY: 7,
} as const;
const REPETITION_IDS = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const CONVERTED_IDS: Readonly<Record<string, number>> = {
  UTF8: 0,
  ENUM: 4,
  DECIMAL: 5,
  DATE: 6,
  TIMESTAMP_MILLIS: 9,
  TIMESTAMP_MICROS: 10,
  INT_8: 15,
  INT_16: 16,
  INT_32: 17,
  INT_64: 18,
  JSON: 19,
};
const ENCODING = { PLAIN: 0, RLE: 3, RLE_DICTIONARY: 8 } as const;
const PAGE = { DICTIONARY: 2, DATA_V2: 3 } as const;
const TIME_UNIT_FIELDS = { MILLIS: 1, MICROS: 2, NANOS: 3 } as const;

export interface Statistics {
  readonly min?: Uint8Array;
  readonly max?: Uint8Array;
  readonly minExact: boolean;
  readonly maxExact: boolean;
  readonly nullCount: number;
  readonly nanCount?: number;
}

export interface PageLocation {
  readonly offset: number;
  readonly size: number;
  readonly firstRow: number;
}

export interface ChunkMeta {
  readonly type: number;
  readonly encodings: readonly number[];
  readonly name: string;
  readonly numValues: number;
  readonly uncompressed: number;
  readonly compressed: number;
  readonly fileOffset: number;
  readonly dataPageOffset: number;
  readonly dictionaryPageOffset: number | undefined;
  readonly statistics: Statistics;
  readonly dataEncoding: number;
  readonly pages: readonly PageLocation[];
  offsetIndex?: { readonly offset: number; readonly length: number };
}

export interface RowGroupMeta {
  readonly columns: readonly ChunkMeta[];
  readonly rows: number;
  readonly uncompressed: number;
  readonly compressed: number;
}

/** A row group written `delta` bytes further into the file (a part placed after others). */
export function shiftRowGroup(group: RowGroupMeta, delta: number): RowGroupMeta {
  return {
    ...group,
    columns: group.columns.map((c) => {
      const { offsetIndex: _index, ...chunk } = c;
      void _index;
      return {
        ...chunk,
        fileOffset: c.fileOffset + delta,
        dataPageOffset: c.dataPageOffset + delta,
        dictionaryPageOffset:
          c.dictionaryPageOffset === undefined ? undefined : c.dictionaryPageOffset + delta,
        pages: c.pages.map((p) => ({ ...p, offset: p.offset + delta })),
      };
    }),
  };
}

const textEncoder = new TextEncoder();
const fatalUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Encodes a Parquet file row group by row group into `out`, whose bytes the caller drains
 * (`drain()`) after each group; `offset` keeps counting from the start of the file because the
 * footer records absolute offsets.
 *
 * @example
 * const file = new ParquetFileEncoder(elements, { id: 1, compress: snappyCompress }, 'prt');
 * file.writeRowGroup(chunks, rows); await sink.write(file.drain());
 * file.finish(); await sink.write(file.drain());
 */
export class ParquetFileEncoder {
  private out = new ByteBuffer(1 << 20);
  /** The file offset of out's first byte. */
  private base = 0;
  private readonly groups: RowGroupMeta[] = [];
  private readonly leaves: readonly SchemaElement[];

  /**
   * `schema`: the root element, then one leaf element per column (a flat schema). A `part` is row
   * groups only, offsets counted from its own first byte: no leading magic and no footer (a
   * range's share of one file, whose footer parquetTail writes).
   */
  constructor(
    private readonly schema: readonly SchemaElement[],
    private readonly codec: Codec,
    private readonly createdBy: string,
    options: { readonly part?: boolean } = {},
  ) {
    this.leaves = schema.slice(1);
    if (!options.part) this.out.u32(0x31524150); // PAR1
  }

  /** The row groups encoded so far, with their offsets. */
  rowGroups(): readonly RowGroupMeta[] {
    return this.groups;
  }

  /**
   * The end of a file whose row groups were written elsewhere (parts of one upload): offset
   * indexes, footer, its length and the magic, for `groups` whose offsets are already the file's,
   * starting at file offset `at` (the bytes of every part before it).
   */
  static tail(
    schema: readonly SchemaElement[],
    codec: Codec,
    createdBy: string,
    groups: readonly RowGroupMeta[],
    at: number,
  ): Uint8Array {
    const file = new ParquetFileEncoder(schema, codec, createdBy, { part: true });
    file.base = at;
    // finish() sets each chunk's offset index: copies, so the caller's groups stay as given.
    for (const g of groups) file.groups.push({ ...g, columns: g.columns.map((c) => ({ ...c })) });
    file.finish();
    return file.drain();
  }

  private get offset(): number {
    return this.base + this.out.length;
  }

  /** Bytes written since the last drain (a copy; the buffer is reused). */
  drain(): Uint8Array {
    const bytes = this.out.view().slice();
    this.base += this.out.length;
    this.out.length = 0;
    return bytes;
  }

  /** Encodes one row group: a chunk per leaf column, each of `rows` rows. */
  writeRowGroup(chunks: readonly ChunkInput[], rows: number): void {
    const start = this.offset;
    const columns = chunks.map((chunk, j) => this.writeChunk(this.leaves[j]!, chunk));
    let uncompressed = 0;
    for (const c of columns) uncompressed += c.uncompressed;
    this.groups.push({ columns, rows, uncompressed, compressed: this.offset - start });
  }

  /** Offset indexes, the footer and the closing magic. */
  finish(): void {
    for (const group of this.groups) {
      for (const chunk of group.columns) {
        if (chunk.pages.length <= 1) continue;
        const offset = this.offset;
        const t = new ThriftWriter(this.out);
        t.list(1, T.STRUCT, chunk.pages.length);
        for (const page of chunk.pages) {
          t.listStruct();
          t.i64Field(1, page.offset);
          t.i32Field(2, page.size);
          t.i64Field(3, page.firstRow);
          t.end();
        }
        t.end();
        chunk.offsetIndex = { offset, length: this.offset - offset };
      }
    }
    const footerStart = this.offset;
    this.writeFooter();
    this.out.u32(this.offset - footerStart);
    this.out.u32(0x31524150);
  }

  private writeFooter(): void {
    const t = new ThriftWriter(this.out);
    t.i32Field(1, 2); // version
    t.list(2, T.STRUCT, this.schema.length);
    for (const element of this.schema) writeSchemaElement(t, element);
    let rows = 0;
    for (const g of this.groups) rows += g.rows;
    t.i64Field(3, rows);
    t.list(4, T.STRUCT, this.groups.length);
    for (const group of this.groups) {
      t.listStruct();
      t.list(1, T.STRUCT, group.columns.length);
      for (const chunk of group.columns) this.writeChunkMeta(t, chunk);
      t.i64Field(2, group.uncompressed);
      t.i64Field(3, group.rows);
      t.i64Field(6, group.compressed);
      t.end();
    }
    t.stringField(6, this.createdBy);
    // Column orders: TypeDefinedOrder for every leaf (min/max compare as the type orders).
    t.list(7, T.STRUCT, this.leaves.length);
    for (let j = 0; j < this.leaves.length; j++) {
      t.listStruct();
      t.struct(1);
      t.end();
      t.end();
    }
    t.end();
  }

  private writeChunkMeta(t: ThriftWriter, chunk: ChunkMeta): void {
    t.listStruct();
    t.i64Field(2, chunk.fileOffset);
    t.struct(3);
    t.i32Field(1, chunk.type);
    t.list(2, T.I32, chunk.encodings.length);
    for (const e of chunk.encodings) t.i32(e);
    t.list(3, T.BINARY, 1);
    t.string(chunk.name);
    t.i32Field(4, this.codec.id);
    t.i64Field(5, chunk.numValues);
    t.i64Field(6, chunk.uncompressed);
    t.i64Field(7, chunk.compressed);
    t.i64Field(9, chunk.dataPageOffset);
    if (chunk.dictionaryPageOffset !== undefined) t.i64Field(11, chunk.dictionaryPageOffset);
    const s = chunk.statistics;
    t.struct(12);
    t.i64Field(3, s.nullCount);
    if (s.max !== undefined) t.binaryField(5, s.max);
    if (s.min !== undefined) t.binaryField(6, s.min);
    if (!s.maxExact) t.boolField(7, false);
    if (!s.minExact) t.boolField(8, false);
    if (s.nanCount !== undefined) t.i64Field(9, s.nanCount);
    t.end();
    const stats: [number, number, number][] = [];
    if (chunk.dictionaryPageOffset !== undefined) stats.push([PAGE.DICTIONARY, ENCODING.PLAIN, 1]);
    stats.push([PAGE.DATA_V2, chunk.dataEncoding, chunk.pages.length]);
    t.list(13, T.STRUCT, stats.length);
    for (const [pageType, encoding, count] of stats) {
      t.listStruct();
      t.i32Field(1, pageType);
      t.i32Field(2, encoding);
      t.i32Field(3, count);
      t.end();
    }
    t.end(); // meta_data
    if (chunk.offsetIndex !== undefined) {
      t.i64Field(4, chunk.offsetIndex.offset);
      t.i32Field(5, chunk.offsetIndex.length);
    }
    t.end();
  }

  private writeChunk(element: SchemaElement, chunk: ChunkInput): ChunkMeta {
    const fileOffset = this.offset;
    const optional = element.repetition_type === 'OPTIONAL';
    const { data } = chunk;
    let uncompressed = 0;
    let dictionaryPageOffset: number | undefined;
    let encoding: number = ENCODING.PLAIN;
    let statistics: Statistics;
    /** The bytes of dense values [from, to) of a page. */
    let pageBytes: (from: number, to: number) => Uint8Array;
    /**
     * The size hyparquet-writer estimates for each value, for page splitting: a number for
     * fixed-size values, else the PLAIN offsets (a value's bytes without its length prefix).
     */
    let sizeOf: Int32Array | number;

    switch (data.type) {
      case 'BYTE_ARRAY': {
        const dictionary =
          data.values === null ? dictionaryOfPlain(data.plain, data.offsets) : dictionaryOf(data.values);
        if (dictionary !== null) {
          dictionaryPageOffset = this.offset;
          uncompressed += this.writePage(PAGE.DICTIONARY, dictionary.plain, dictionary.count, null);
          statistics = byteArrayStatistics(dictionary.plain, dictionary.offsets, dictionary.count, element);
          encoding = ENCODING.RLE_DICTIONARY;
          const width = bitWidth(dictionary.count - 1);
          const { indices } = dictionary;
          pageBytes = (from, to) => {
            const b = new ByteBuffer(16 + (((to - from) * width) >> 3));
            b.u8(width);
            hybrid(b, indices, from, to, width);
            return b.view();
          };
          sizeOf = 4;
        } else {
          const plain =
            data.values === null ? { bytes: data.plain, offsets: data.offsets } : plainStrings(data.values);
          statistics = byteArrayStatistics(plain.bytes, plain.offsets, plain.offsets.length - 1, element);
          const { offsets } = plain;
          pageBytes = (from, to) => plain.bytes.subarray(offsets[from], offsets[to]);
          sizeOf = offsets;
        }
        break;
      }
      case 'BOOLEAN': {
        const values = data.values;
        statistics = booleanStatistics(values, chunk.count);
        if (chunk.rows > 16) encoding = ENCODING.RLE;
        const rle = encoding === ENCODING.RLE;
        pageBytes = (from, to) => {
          const b = new ByteBuffer(16 + ((to - from) >> 3));
          if (rle) {
            b.u32(0);
            hybrid(b, values, from, to, 1);
            const length = b.length - 4;
            b.length = 0;
            b.u32(length);
            b.length = length + 4;
          } else {
            packBits(b, values, from, to, 1);
          }
          return b.view();
        };
        sizeOf = 0.125;
        break;
      }
      case 'FIXED_LEN_BYTE_ARRAY': {
        const { values, width } = data;
        statistics = fixedStatistics(values, width, data.signed, chunk.count);
        pageBytes = (from, to) => values.subarray(from * width, to * width);
        sizeOf = width;
        break;
      }
      default: {
        const values = data.values;
        const width = values.BYTES_PER_ELEMENT * (data.type === 'INT64' ? 2 : 1);
        const bytes = new Uint8Array(values.buffer, values.byteOffset, chunk.count * width);
        statistics = numberStatistics(data, chunk.count);
        pageBytes = (from, to) => bytes.subarray(from * width, to * width);
        sizeOf = width;
      }
    }

    // Data pages, split where hyparquet-writer splits them: at the value that brings the
    // estimated size to the page target.
    const dataPageOffset = this.offset;
    const pages: PageLocation[] = [];
    const { rows, valid } = chunk;
    let startRow = 0;
    let startValue = 0;
    let k = 0;
    let estimated = 0;
    const emit = (endRow: number, endValue: number): void => {
      const offset = this.offset;
      const levels = optional ? definitionLevels(valid, startRow, endRow) : null;
      uncompressed += this.writePage(
        PAGE.DATA_V2,
        pageBytes(startValue, endValue),
        endRow - startRow,
        levels,
        endValue - startValue,
        encoding,
      );
      pages.push({ offset, size: this.offset - offset, firstRow: startRow });
      startRow = endRow;
      startValue = endValue;
    };
    if (typeof sizeOf === 'number' && valid === null) {
      // Every row the same size: a page ends at the row that brings it to the target.
      const pageRows = Math.max(1, Math.ceil(PAGE_BYTES / sizeOf) - 1);
      for (let r = pageRows; r < rows; r += pageRows) emit(r, r);
      k = rows;
    } else {
      const fixed = typeof sizeOf === 'number' ? sizeOf : 0;
      const offsets = typeof sizeOf === 'number' ? null : sizeOf;
      for (let r = 0; r < rows; r++) {
        const present = valid === null || valid[r] === 1;
        const size = !present ? 0 : offsets === null ? fixed : offsets[k + 1]! - offsets[k]! - 4;
        estimated += size;
        if (estimated >= PAGE_BYTES && r > startRow) {
          emit(r, k);
          estimated = size;
        }
        if (present) k++;
      }
    }
    if (startRow < rows || pages.length === 0) emit(rows, k);

    return {
      type: TYPE_IDS[data.type],
      encodings: dictionaryPageOffset === undefined ? [encoding] : [ENCODING.PLAIN, encoding],
      name: element.name,
      numValues: rows,
      uncompressed,
      compressed: this.offset - fileOffset,
      fileOffset,
      dataPageOffset,
      dictionaryPageOffset,
      statistics: { ...statistics, nullCount: rows - chunk.count },
      dataEncoding: encoding,
      pages,
    };
  }

  /**
   * Writes a page: its header, the definition levels (v2 pages keep them uncompressed), then the
   * values, compressed. Returns the uncompressed size with the header, as the chunk records it.
   */
  private writePage(
    type: number,
    values: Uint8Array,
    rows: number,
    levels: Uint8Array | null,
    count = rows,
    encoding: number = ENCODING.PLAIN,
  ): number {
    const compressed = this.codec.compress === null ? values : this.codec.compress(values);
    const levelBytes = levels === null ? 0 : levels.length;
    const headerStart = this.out.length;
    const t = new ThriftWriter(this.out);
    t.i32Field(1, type);
    t.i32Field(2, levelBytes + values.length);
    t.i32Field(3, levelBytes + compressed.length);
    if (type === PAGE.DICTIONARY) {
      t.struct(7);
      t.i32Field(1, rows);
      t.i32Field(2, ENCODING.PLAIN);
      t.end();
    } else {
      t.struct(8);
      t.i32Field(1, rows);
      t.i32Field(2, rows - count);
      t.i32Field(3, rows);
      t.i32Field(4, encoding);
      t.i32Field(5, levelBytes);
      t.i32Field(6, 0);
      if (this.codec.compress === null) t.boolField(7, false);
      t.end();
    }
    t.end();
    const headerBytes = this.out.length - headerStart;
    if (levels !== null) this.out.append(levels);
    this.out.append(compressed);
    return headerBytes + levelBytes + values.length;
  }
}

// ---- schema ----

function writeSchemaElement(t: ThriftWriter, e: SchemaElement): void {
  t.listStruct();
  if (e.type !== undefined) t.i32Field(1, TYPE_IDS[e.type]);
  if (e.type_length !== undefined) t.i32Field(2, e.type_length);
  if (e.repetition_type !== undefined) t.i32Field(3, REPETITION_IDS[e.repetition_type]);
  t.stringField(4, e.name);
  if (e.num_children !== undefined) t.i32Field(5, e.num_children);
  if (e.converted_type !== undefined) {
    const id = CONVERTED_IDS[e.converted_type];
    if (id === undefined) throw new Error(`converted type ${e.converted_type} is not written here`);
    t.i32Field(6, id);
  }
  if (e.scale !== undefined) t.i32Field(7, e.scale);
  if (e.precision !== undefined) t.i32Field(8, e.precision);
  const logical = e.logical_type;
  if (logical !== undefined) {
    t.struct(10);
    switch (logical.type) {
      case 'STRING':
        t.struct(1);
        break;
      case 'ENUM':
        t.struct(4);
        break;
      case 'DECIMAL':
        t.struct(5);
        t.i32Field(1, logical.scale);
        t.i32Field(2, logical.precision);
        break;
      case 'DATE':
        t.struct(6);
        break;
      case 'TIMESTAMP':
        t.struct(8);
        t.boolField(1, logical.isAdjustedToUTC);
        t.struct(2);
        t.struct(TIME_UNIT_FIELDS[logical.unit]);
        t.end();
        t.end();
        break;
      case 'INTEGER':
        t.struct(10);
        t.byteField(1, logical.bitWidth);
        t.boolField(2, logical.isSigned);
        break;
      case 'JSON':
        t.struct(12);
        break;
      case 'UUID':
        t.struct(14);
        break;
      default:
        throw new Error(`logical type ${logical.type} is not written here`);
    }
    t.end(); // the union member
    t.end(); // the union
  }
  t.end();
}

// ---- levels and the RLE/bit-packed hybrid ----

/** Bits needed for values up to `max`. */
function bitWidth(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

function definitionLevels(valid: Uint8Array | null, from: number, to: number): Uint8Array {
  const b = new ByteBuffer(16 + ((to - from) >> 3));
  if (valid === null) {
    // Every row holds a value: one run of 1s.
    if (to > from) {
      b.varint((to - from) * 2);
      b.u8(1);
    }
  } else {
    hybrid(b, valid, from, to, 1);
  }
  return b.view();
}

/**
 * The RLE/bit-packed hybrid of values [from, to) at `width` bits: runs of 8 or more equal values
 * as RLE runs, everything else in bit-packed groups of 8 (the last padded with zeros).
 */
function hybrid(
  b: ByteBuffer,
  values: Uint8Array | Int32Array,
  from: number,
  to: number,
  width: number,
): void {
  const valueBytes = (width + 7) >> 3;
  let groupsFrom = -1;
  let groups = 0;
  let i = from;
  while (i < to) {
    const v = values[i]!;
    let run = 1;
    while (i + run < to && values[i + run] === v) run++;
    if (run >= 8) {
      if (groups > 0) {
        packGroups(b, values, groupsFrom, groups, to, width);
        groups = 0;
      }
      b.varint(run * 2);
      for (let j = 0; j < valueBytes; j++) b.u8((v >>> (j * 8)) & 0xff);
      i += run;
    } else {
      if (groups === 0) groupsFrom = i;
      groups++;
      i += 8;
    }
  }
  if (groups > 0) packGroups(b, values, groupsFrom, groups, to, width);
}

function packGroups(
  b: ByteBuffer,
  values: Uint8Array | Int32Array,
  from: number,
  groups: number,
  end: number,
  width: number,
): void {
  b.varint(groups * 2 + 1);
  packBits(b, values, from, Math.min(end, from + groups * 8), width, groups * 8);
}

/**
 * Values [from, to) packed LSB first at `width` bits, zero-padded to `slots` values. Widths stay
 * at most 24 bits (levels and booleans take 1; a dictionary of at most MAX_DICTIONARY_BYTES holds
 * fewer than 2^18 values), so a value and the bits left over always fit the 32-bit buffer.
 */
function packBits(
  b: ByteBuffer,
  values: Uint8Array | Int32Array,
  from: number,
  to: number,
  width: number,
  slots = to - from,
): void {
  if (width === 0) return;
  b.ensure(Math.ceil((slots * width) / 8) + 1);
  const bytes = b.bytes;
  let at = b.length;
  let buffer = 0;
  let bits = 0;
  const mask = width === 32 ? -1 : (1 << width) - 1;
  for (let i = 0; i < slots; i++) {
    const idx = from + i;
    const v = idx < to ? values[idx]! & mask : 0;
    buffer |= v << bits;
    bits += width;
    while (bits >= 8) {
      bytes[at++] = buffer & 0xff;
      buffer >>>= 8;
      bits -= 8;
    }
  }
  if (bits > 0) bytes[at++] = buffer & 0xff;
  b.length = at;
}

// ---- strings ----

/** Appends s as a 4-byte length and its UTF-8 bytes (ASCII copied by hand; the rest encoded). */
function appendString(b: ByteBuffer, s: string): void {
  const n = s.length;
  b.ensure(4 + n * 3);
  const bytes = b.bytes;
  const start = b.length + 4;
  let at = start;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) break;
    bytes[at++] = c;
  }
  if (i < n) at = start + textEncoder.encodeInto(s, bytes.subarray(start)).written;
  const length = at - start;
  const p = b.length;
  bytes[p] = length;
  bytes[p + 1] = length >>> 8;
  bytes[p + 2] = length >>> 16;
  bytes[p + 3] = length >>> 24;
  b.length = at;
}

/** PLAIN byte arrays of every value, and where each starts (offsets[count] is the end). */
function plainStrings(values: readonly string[]): { bytes: Uint8Array; offsets: Int32Array } {
  const b = new ByteBuffer(Math.max(1024, values.length * 16));
  const offsets = new Int32Array(values.length + 1);
  for (let k = 0; k < values.length; k++) {
    offsets[k] = b.length;
    appendString(b, values[k]!);
  }
  offsets[values.length] = b.length;
  return { bytes: b.view(), offsets };
}

interface Dictionary {
  /** The dictionary page's values: PLAIN byte arrays of the distinct values, in index order. */
  readonly plain: Uint8Array;
  readonly offsets: Int32Array;
  readonly count: number;
  readonly indices: Int32Array;
}

/**
 * A dictionary of the values, when it pays: kept if the dictionary and its bit-packed indices
 * take at most half the PLAIN bytes (hyparquet-writer's rule), given up early when the first
 * values are nearly all distinct or the dictionary passes MAX_DICTIONARY_BYTES.
 */
function dictionaryOf(values: readonly string[]): Dictionary | null {
  const n = values.length;
  if (n === 0) return null;
  const index = new Map<string, number>();
  const b = new ByteBuffer(1 << 12);
  const starts: number[] = [];
  const lengths: number[] = [];
  const indices = new Int32Array(n);
  let plainBytes = 0;
  for (let k = 0; k < n; k++) {
    const s = values[k]!;
    let i = index.get(s);
    if (i === undefined) {
      i = index.size;
      index.set(s, i);
      const start = b.length;
      appendString(b, s);
      starts.push(start);
      lengths.push(b.length - start);
      if (b.length > MAX_DICTIONARY_BYTES) return null;
    }
    indices[k] = i;
    plainBytes += lengths[i]!;
    if (k === DICTIONARY_PROBE && index.size > 0.9 * DICTIONARY_PROBE) return null;
  }
  const count = index.size;
  const indexBytes = Math.ceil((n * bitWidth(count - 1)) / 8);
  if (2 * (b.length + indexBytes) > plainBytes) return null;
  const offsets = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) offsets[i] = starts[i]!;
  offsets[count] = b.length;
  return { plain: b.view(), offsets, count, indices };
}

/** Hash slots the byte dictionary starts with (a power of two); it doubles past half full. */
const PLAIN_SLOTS = 1 << 12;

/**
 * dictionaryOf for values in PLAIN form: the same dictionary (distinct byte strings in order of
 * first appearance), the same indices and the same decisions at the same values, with distinct
 * values found in a hash table keyed by their bytes instead of a Map of strings. Bounded as
 * dictionaryOf is: the dictionary's bytes by MAX_DICTIONARY_BYTES, its table by its entries.
 */
function dictionaryOfPlain(plain: Uint8Array, offsets: Int32Array): Dictionary | null {
  const n = offsets.length - 1;
  if (n <= 0) return null;
  const b = new ByteBuffer(1 << 12);
  const starts: number[] = [];
  const lengths: number[] = [];
  const hashes: number[] = [];
  const indices = new Int32Array(n);
  let slots = new Int32Array(PLAIN_SLOTS).fill(-1);
  let mask = PLAIN_SLOTS - 1;
  let plainBytes = 0;
  for (let k = 0; k < n; k++) {
    const s = offsets[k]! + 4;
    const e = offsets[k + 1]!;
    // FNV-1a over the value's bytes.
    let h = 0x811c9dc5;
    for (let j = s; j < e; j++) h = Math.imul(h ^ plain[j]!, 0x01000193);
    let slot = h & mask;
    let i = -1;
    for (;;) {
      const at = slots[slot]!;
      if (at < 0) break;
      if (hashes[at] === h && sameBytes(plain, s, e, b.bytes, starts[at]! + 4, starts[at]! + lengths[at]!)) {
        i = at;
        break;
      }
      slot = (slot + 1) & mask;
    }
    if (i < 0) {
      i = starts.length;
      const start = b.length;
      b.append(plain.subarray(s - 4, e));
      starts.push(start);
      lengths.push(b.length - start);
      hashes.push(h);
      if (b.length > MAX_DICTIONARY_BYTES) return null;
      slots[slot] = i;
      if (2 * starts.length > slots.length) {
        slots = new Int32Array(slots.length * 2).fill(-1);
        mask = slots.length - 1;
        for (let x = 0; x < starts.length; x++) {
          let y = hashes[x]! & mask;
          while (slots[y]! >= 0) y = (y + 1) & mask;
          slots[y] = x;
        }
      }
    }
    indices[k] = i;
    plainBytes += lengths[i]!;
    if (k === DICTIONARY_PROBE && starts.length > 0.9 * DICTIONARY_PROBE) return null;
  }
  const count = starts.length;
  const indexBytes = Math.ceil((n * bitWidth(count - 1)) / 8);
  if (2 * (b.length + indexBytes) > plainBytes) return null;
  const dictionaryOffsets = new Int32Array(count + 1);
  for (let i = 0; i < count; i++) dictionaryOffsets[i] = starts[i]!;
  dictionaryOffsets[count] = b.length;
  return { plain: b.view(), offsets: dictionaryOffsets, count, indices };
}

function sameBytes(a: Uint8Array, a0: number, a1: number, c: Uint8Array, c0: number, c1: number): boolean {
  if (a1 - a0 !== c1 - c0) return false;
  for (let i = 0; i < a1 - a0; i++) if (a[a0 + i] !== c[c0 + i]) return false;
  return true;
}

// ---- statistics ----

function leBytes(write: (view: DataView) => void, size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  write(new DataView(bytes.buffer));
  return bytes;
}

function numberStatistics(data: ChunkValues, count: number): Statistics {
  const exact = { minExact: true, maxExact: true, nullCount: 0 };
  switch (data.type) {
    case 'INT32': {
      const v = data.values;
      if (count === 0) return exact;
      let min = v[0]!;
      let max = min;
      for (let k = 1; k < count; k++) {
        const x = v[k]!;
        if (x < min) min = x;
        else if (x > max) max = x;
      }
      return {
        ...exact,
        min: leBytes((d) => d.setInt32(0, min, true), 4),
        max: leBytes((d) => d.setInt32(0, max, true), 4),
      };
    }
    case 'INT64': {
      const v = data.values;
      if (count === 0) return exact;
      // Ordered by the signed high half, then the unsigned low half.
      let minHi = v[1]!;
      let minLo = v[0]! >>> 0;
      let maxHi = minHi;
      let maxLo = minLo;
      for (let k = 1; k < count; k++) {
        const hi = v[2 * k + 1]!;
        const lo = v[2 * k]! >>> 0;
        if (hi < minHi || (hi === minHi && lo < minLo)) {
          minHi = hi;
          minLo = lo;
        } else if (hi > maxHi || (hi === maxHi && lo > maxLo)) {
          maxHi = hi;
          maxLo = lo;
        }
      }
      const half = (lo: number, hi: number) =>
        leBytes((d) => {
          d.setUint32(0, lo, true);
          d.setInt32(4, hi, true);
        }, 8);
      return { ...exact, min: half(minLo, minHi), max: half(maxLo, maxHi) };
    }
    case 'FLOAT':
    case 'DOUBLE': {
      const v = data.values;
      let min = Infinity;
      let max = -Infinity;
      let nans = 0;
      let seen = false;
      for (let k = 0; k < count; k++) {
        const x = v[k]!;
        if (x !== x) {
          nans++;
          continue;
        }
        seen = true;
        if (x < min) min = x;
        if (x > max) max = x;
      }
      if (!seen) return { ...exact, nanCount: nans };
      // The spec's signed zeros: a zero minimum is written -0, a zero maximum +0.
      if (min === 0) min = -0;
      if (max === 0) max = 0;
      const size = data.type === 'FLOAT' ? 4 : 8;
      const put = (x: number) =>
        leBytes((d) => (size === 4 ? d.setFloat32(0, x, true) : d.setFloat64(0, x, true)), size);
      return { ...exact, nanCount: nans, min: put(min), max: put(max) };
    }
    default:
      throw new Error(`${data.type} has no number statistics`);
  }
}

function booleanStatistics(values: Uint8Array, count: number): Statistics {
  let hasFalse = false;
  let hasTrue = false;
  for (let k = 0; k < count && !(hasFalse && hasTrue); k++) {
    if (values[k] === 1) hasTrue = true;
    else hasFalse = true;
  }
  const base = { minExact: true, maxExact: true, nullCount: 0 };
  if (count === 0) return base;
  return { ...base, min: Uint8Array.of(hasFalse ? 0 : 1), max: Uint8Array.of(hasTrue ? 1 : 0) };
}

/** Unsigned lexicographic order of two byte ranges (UTF-8 bytes order as code points do). */
function compareRanges(b: Uint8Array, a0: number, a1: number, c0: number, c1: number): number {
  const n = Math.min(a1 - a0, c1 - c0);
  for (let i = 0; i < n; i++) {
    const d = b[a0 + i]! - b[c0 + i]!;
    if (d !== 0) return d;
  }
  return a1 - a0 - (c1 - c0);
}

/** Min and max of length-prefixed byte arrays; string bounds are cut to STATS_BYTES. */
function byteArrayStatistics(
  bytes: Uint8Array,
  offsets: Int32Array,
  count: number,
  element: SchemaElement,
): Statistics {
  const base = { minExact: true, maxExact: true, nullCount: 0 };
  if (count === 0) return base;
  let min = 0;
  let max = 0;
  const start = (k: number) => offsets[k]! + 4;
  for (let k = 1; k < count; k++) {
    const s = start(k);
    const e = offsets[k + 1]!;
    if (compareRanges(bytes, s, e, start(min), offsets[min + 1]!) < 0) min = k;
    else if (compareRanges(bytes, s, e, start(max), offsets[max + 1]!) > 0) max = k;
  }
  const minBytes = bytes.slice(start(min), offsets[min + 1]);
  const maxBytes = bytes.slice(start(max), offsets[max + 1]);
  // JSON documents are kept whole (a prefix is no document); text is cut on a code point.
  const cut = element.logical_type?.type !== 'JSON' && element.converted_type !== 'JSON';
  const lower = cut ? truncateMin(minBytes) : minBytes;
  const upper = cut ? truncateMax(maxBytes) : maxBytes;
  return { ...base, min: lower, max: upper, minExact: lower === minBytes, maxExact: upper === maxBytes };
}

/** A lower bound of at most STATS_BYTES bytes: the longest whole-code-point prefix. */
function truncateMin(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= STATS_BYTES) return bytes;
  let end = STATS_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return bytes.slice(0, end);
}

/**
 * An upper bound of at most STATS_BYTES bytes: a prefix whose last code point is incremented
 * (dropping code points that have no successor fitting), or the value whole when none exists.
 */
function truncateMax(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= STATS_BYTES) return bytes;
  let end = STATS_BYTES;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  const codePoints = Array.from(fatalUtf8.decode(bytes.subarray(0, end)), (c) => c.codePointAt(0) ?? 0);
  for (let i = codePoints.length - 1; i >= 0; i--) {
    end--;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
    const code = codePoints[i]!;
    if (code === 0x10ffff) continue;
    const suffix = textEncoder.encode(String.fromCodePoint(code === 0xd7ff ? 0xe000 : code + 1));
    if (end + suffix.length > STATS_BYTES) continue;
    const rounded = new Uint8Array(end + suffix.length);
    rounded.set(bytes.subarray(0, end));
    rounded.set(suffix, end);
    return rounded;
  }
  return bytes;
}

function fixedStatistics(values: Uint8Array, width: number, signed: boolean, count: number): Statistics {
  const base = { minExact: true, maxExact: true, nullCount: 0 };
  if (count === 0) return base;
  const compare = (a: number, c: number): number => {
    const x = a * width;
    const y = c * width;
    if (signed && values[x] !== values[y]) return (values[x]! ^ 0x80) - (values[y]! ^ 0x80);
    for (let i = 0; i < width; i++) {
      const d = values[x + i]! - values[y + i]!;
      if (d !== 0) return d;
    }
    return 0;
  };
  let min = 0;
  let max = 0;
  for (let k = 1; k < count; k++) {
    if (compare(k, min) < 0) min = k;
    else if (compare(k, max) > 0) max = k;
  }
  return {
    ...base,
    min: values.slice(min * width, (min + 1) * width),
    max: values.slice(max * width, (max + 1) * width),
  };
}
