/**
 * Columnar Parquet reader: one ColumnBatch per row group (or per slice of `batchSize` rows), one
 * typed vector per column asked for and null for the others, which are neither fetched nor
 * decoded. It shares the footer, limits and page checks of parquet-reader.ts: the same files are
 * refused with the same errors, and a file it reads gives, through `rawCellOf`, exactly the cells
 * readParquet yields.
 *
 * Flat columns of the common types are decoded here, page by page, straight into typed arrays:
 * definition levels become validity bytes, PLAIN values are read in place, and dictionary-encoded
 * pages become dictionary indices (strings) or are looked up in a typed dictionary (numbers).
 * readParquet's path builds a JS value per cell and per row (hyparquet dereferences every
 * dictionary index into a string, levels go through JS arrays) and, for timestamps, exact text per
 * cell; here none of that happens (docs/decisions/0009-parquet-decoder.md has the measurements).
 * Rare encodings (DELTA_*, BYTE_STREAM_SPLIT) are decoded by hyparquet's page decoder and copied
 * into the same vectors. Everything else (decimals, lists, maps, intervals, binary, UUIDs, INT96,
 * unsigned 32- and 64-bit integers, float16) goes through readParquet's own conversion and
 * arrives as a `cells` vector holding exactly readParquet's cells.
 *
 * Memory: the arrays a page needs only while it is placed (definition levels, dictionary indices,
 * string offsets, looked-up dictionary values) are kept by the read and reused page after page,
 * bounded by the largest page's value count. With `reuseBatches`, so are each column's batch
 * arrays, row group after row group, bounded by the largest row group's rows: reading then
 * allocates, per page, only the decompressed page (hysnappy returns a new array per call).
 */
import { isAscii } from 'node:buffer';

import type { DecodedArray, ParquetType, SchemaElement, SchemaTree } from 'hyparquet';
import { parquetHeader } from 'hyparquet/src/column.js';
import { DEFAULT_PARSERS } from 'hyparquet/src/convert.js';
import { decompressPage, readDataPage, readDataPageV2 } from 'hyparquet/src/datapage.js';
import { readPlain } from 'hyparquet/src/plain.js';
import { getMaxDefinitionLevel, getSchemaPath } from 'hyparquet/src/schema.js';

import type { TimestampUnit } from '../contracts/output-contract';
import { FormatError } from '../errors';
import type { ByteSource } from './byte-io';
import { TEXT_NULL, type ColumnBatch, type ColumnVector } from './column-batch';
import { boundedDecompressors, PageSizeError } from './parquet-decompressors';
import { hybrid } from './parquet-hybrid';
import {
  cellConverter,
  checkRowGroupSize,
  DEFAULT_MAX_ROW_GROUP_BYTES,
  DEFAULT_MAX_ROW_GROUP_ROWS,
  limitOf,
  messageOf,
  openParquet,
  pick,
  prefetchRowGroup,
  readRowGroup,
  selectLeaves,
  shortColumnError,
  type Leaf,
  type OpenedParquet,
  type ParquetReadOptions,
} from './parquet-reader';
import { utf8 } from './parquet-types';
import type { RawCell } from './record-batch';

/** How a selected column is decoded: into a typed vector here, or as readParquet's cells. */
type Plan =
  | { readonly kind: 'int32' | 'int64' | 'float64' | 'boolean' | 'date' | 'string' }
  | { readonly kind: 'timestamp'; readonly unit: TimestampUnit; readonly utc: boolean }
  | { readonly kind: 'cells' };

interface Selected {
  /** Index of the column in the batch (file order). */
  readonly index: number;
  /** Index in the order asked for: readParquet reports the first bad cell of a row in this order. */
  readonly order: number;
  readonly leaf: Leaf;
  readonly plan: Plan;
  /** Highest definition level (a value is present when its level reaches it); typed plans only. */
  readonly maxDefinition: number;
  readonly schemaPath: readonly SchemaTree[];
  /** Plain ASCII strings as a text vector (`stringsAsText`). */
  readonly asText: boolean;
}

/** The first cell of a row group that readParquet would refuse, where it would report it. */
interface CellError {
  readonly row: number;
  readonly order: number;
  readonly message: string;
}

/**
 * Reads a Parquet file as column batches, one row group at a time.
 *
 * @example
 * for await (const batch of readParquetColumns(source, { columns: ['id', 'amount'] })) check(batch);
 */
export async function* readParquetColumns(
  source: ByteSource,
  options: ParquetReadOptions = {},
): AsyncGenerator<ColumnBatch> {
  const batchSize = options.batchSize ?? Infinity;
  if (batchSize !== Infinity && (!Number.isInteger(batchSize) || batchSize < 1)) {
    throw new RangeError(`batchSize must be a positive integer`);
  }
  const maxRows = limitOf('maxRowGroupRows', options.maxRowGroupRows, DEFAULT_MAX_ROW_GROUP_ROWS);
  const maxBytes = limitOf('maxRowGroupBytes', options.maxRowGroupBytes, DEFAULT_MAX_ROW_GROUP_BYTES);
  const opened = await openParquet(source);
  // A selection naming columns the file lacks (a contract's column that is missing) reads the
  // others: the caller sees the missing one as absent from `columns`, as it would reading all.
  const wanted = options.presentOnly
    ? options.columns?.filter((name) => opened.leaves.some((l) => l.name === name))
    : options.columns;
  const leaves = selectLeaves(source, opened.leaves, wanted);
  const columns = opened.leaves.map((l) => l.name);
  const maxField = options.maxFieldLength ?? Infinity;
  const selected: Selected[] = [];
  for (const [order, leaf] of leaves.entries()) {
    const index = opened.leaves.indexOf(leaf);
    // A column asked for twice is read once (the batch has one slot per column).
    if (selected.some((s) => s.index === index)) continue;
    const plan = planOf(leaf.element, leaf.kind);
    const schemaPath = plan.kind === 'cells' ? [] : getSchemaPath(opened.metadata.schema, [...leaf.path]);
    selected.push({
      index,
      order,
      leaf,
      plan,
      schemaPath,
      maxDefinition: getMaxDefinitionLevel(schemaPath),
      asText: options.stringsAsText === true && plan.kind === 'string',
    });
  }
  const keep = options.reuseBatches === true;
  const scratch = new PageScratch();
  // One set per column, kept for the whole read when batches may be overwritten; otherwise each
  // take allocates, so a yielded batch owns its arrays.
  const arrays = new Map(selected.map((s) => [s.index, new ColumnArrays(keep)]));
  const cellColumns = selected.filter((s) => s.plan.kind === 'cells');
  const topLevel = [...new Set(cellColumns.map((s) => s.leaf.keys[0]!))];
  const convert = cellConverter(opened.keyOf, maxField);
  opened.metadata.row_groups.forEach((_, g) =>
    checkRowGroupSize(source, opened, g, leaves, maxRows, maxBytes),
  );

  const range = options.rowGroups ?? { start: 0, end: opened.metadata.row_groups.length };
  let groupStart = 0;
  // Rows of the file before the range: batches count rows from the range's first.
  let rangeStart = 0;
  let yielded = false;
  for (const [g, group] of opened.metadata.row_groups.entries()) {
    const groupRows = Number(group.num_rows);
    if (g < range.start) rangeStart += groupRows;
    if (g < range.start || g >= range.end) {
      groupStart += groupRows;
      continue;
    }
    if (groupRows === 0) continue;
    await prefetchRowGroup(source, opened, g, leaves, maxRows, maxBytes);
    const vectors: (ColumnVector | null)[] = columns.map(() => null);
    let firstError: CellError | undefined;
    const noteError = (error: CellError | undefined): void => {
      if (!error) return;
      if (
        !firstError ||
        error.row < firstError.row ||
        (error.row === firstError.row && error.order < firstError.order)
      ) {
        firstError = error;
      }
    };
    for (const column of selected) {
      if (column.plan.kind === 'cells') continue;
      const buffers = { arrays: arrays.get(column.index)!, scratch };
      const decoded = decodeColumn(source, opened, g, groupRows, column, column.plan, buffers);
      vectors[column.index] = decoded;
      noteError(textLengthError(decoded, maxField, column.order));
    }
    if (topLevel.length > 0) {
      const data = await readRowGroup(source, opened, g, groupStart, groupRows, topLevel);
      for (const column of cellColumns) {
        const values = data.get(column.leaf.keys[0]!)!;
        const cells = new Array<RawCell>(groupRows);
        for (let i = 0; i < groupRows; i++) {
          try {
            cells[i] = convert(column.leaf, pick(values[i], column.leaf.keys));
          } catch (e) {
            noteError({ row: i, order: column.order, message: messageOf(e) });
            break;
          }
        }
        vectors[column.index] = { kind: 'cells', values: cells };
      }
    }
    opened.cache.clear();
    // Rows before the first bad cell are yielded, as readParquet yields the batches before it.
    const end = firstError ? firstError.row : groupRows;
    const step = batchSize === Infinity ? groupRows : batchSize;
    for (let start = 0; start < groupRows; start += step) {
      const stop = Math.min(groupRows, start + step);
      if (firstError && stop > end) break;
      yielded = true;
      yield {
        columns,
        vectors:
          start === 0 && stop === groupRows ? vectors : vectors.map((v) => v && sliceVector(v, start, stop)),
        length: stop - start,
        firstRow: groupStart - rangeStart + start + 1,
      };
    }
    if (firstError) {
      const leaf = selected.find((s) => s.order === firstError!.order)!.leaf;
      throw new FormatError(
        `${source.name}: row group ${g}, row ${groupStart + firstError.row + 1}, column ${leaf.name}: ${firstError.message}`,
      );
    }
    groupStart += groupRows;
  }
  // A file without rows still declares its columns (as readParquet's empty batch does).
  if (!yielded) {
    const vectors: (ColumnVector | null)[] = columns.map(() => null);
    for (const column of selected) vectors[column.index] = emptyVector(column.plan);
    yield { columns, vectors, length: 0, firstRow: 1 };
  }
}

// ---- plans ----

/**
 * The typed decoding of a leaf, when its values reach readParquet's cells unchanged by hyparquet's
 * conversions (so only annotations those conversions ignore are allowed); `cells` otherwise.
 */
function planOf(element: SchemaElement, kind: Leaf['kind']): Plan {
  const { type, converted_type: ctype, logical_type: ltype } = element;
  switch (kind.kind) {
    case 'integer': {
      const plainInteger = ctype === undefined || SIGNED_OR_NARROW.has(ctype);
      const plainLogical =
        ltype === undefined || (ltype.type === 'INTEGER' && (ltype.isSigned || ltype.bitWidth < 32));
      if (!plainInteger || !plainLogical) return CELLS;
      return type === 'INT32' ? { kind: 'int32' } : type === 'INT64' ? { kind: 'int64' } : CELLS;
    }
    case 'float':
      return (type === 'FLOAT' || type === 'DOUBLE') && ctype === undefined && ltype === undefined
        ? { kind: 'float64' }
        : CELLS;
    case 'boolean':
      return type === 'BOOLEAN' && ctype === undefined && ltype === undefined ? { kind: 'boolean' } : CELLS;
    case 'date':
      return type === 'INT32' &&
        (ctype === undefined || ctype === 'DATE') &&
        (ltype === undefined || ltype.type === 'DATE')
        ? { kind: 'date' }
        : CELLS;
    case 'timestamp':
      return type === 'INT64' &&
        (ctype === undefined || ctype === 'TIMESTAMP_MILLIS' || ctype === 'TIMESTAMP_MICROS') &&
        (ltype === undefined || ltype.type === 'TIMESTAMP')
        ? { kind: 'timestamp', unit: kind.unit, utc: kind.utc }
        : CELLS;
    case 'text':
      return type === 'BYTE_ARRAY' &&
        (ctype === 'UTF8' || (ctype === undefined && ltype?.type === 'STRING')) &&
        (ltype === undefined || ltype.type === 'STRING')
        ? { kind: 'string' }
        : CELLS;
    default:
      return CELLS;
  }
}

const CELLS: Plan = { kind: 'cells' };
/** Integer annotations hyparquet leaves as they are (unsigned 32 and 64 bits it widens). */
const SIGNED_OR_NARROW = new Set(['INT_8', 'INT_16', 'INT_32', 'INT_64', 'UINT_8', 'UINT_16']);

// ---- column chunks ----

/** Values of one page (non-null ones only), before they are placed at their rows. */
type PageValues =
  | { readonly tag: 'number'; readonly at: ArrayLike<number> }
  | { readonly tag: 'bigint'; readonly at: ArrayLike<bigint> }
  | { readonly tag: 'strings'; readonly at: readonly string[] }
  | { readonly tag: 'index'; readonly at: ArrayLike<number> }
  /**
   * ASCII strings left as bytes: value k is `bytes[start[k], end[k])`. `owned`: `bytes` is the
   * reader's own (a decompressed page), so a vector may keep it instead of a copy.
   */
  | {
      readonly tag: 'bytes';
      readonly at: Int32Array;
      readonly end: Int32Array;
      readonly bytes: Uint8Array;
      readonly owned: boolean;
    };

type TypedPlan = Exclude<Plan, { kind: 'cells' }>;

/** Decodes the selected chunk of one column of a row group; failures name the row group. */
function decodeColumn(
  source: ByteSource,
  opened: OpenedParquet,
  g: number,
  groupRows: number,
  column: Selected,
  plan: TypedPlan,
  buffers: Buffers,
): ColumnVector {
  try {
    return decodeChunk(opened, g, groupRows, column, plan, buffers);
  } catch (e) {
    if (e instanceof ShortColumn) {
      // Worded as readParquet words it (a flat column's path is its top-level field).
      throw shortColumnError(source, opened, g, column.leaf.keys, e.count, groupRows);
    }
    const why = e instanceof PageSizeError ? `a page is a decompression bomb: ${e.message}` : messageOf(e);
    throw new FormatError(`${source.name}: row group ${g} cannot be decoded: ${why}`);
  }
}

function decodeChunk(
  opened: OpenedParquet,
  g: number,
  rows: number,
  column: Selected,
  plan: TypedPlan,
  buffers: Buffers,
): ColumnVector {
  const { scratch } = buffers;
  const path = JSON.stringify(column.leaf.path);
  const chunk = opened.metadata.row_groups[g]!.columns.find(
    (c) => JSON.stringify(c.meta_data?.path_in_schema) === path,
  );
  const meta = chunk?.meta_data;
  // A chunk whose path names no column (a corrupt footer) holds no values of it.
  if (!meta) throw new ShortColumn(0);
  const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
  const bytes = opened.cache.view(start, start + Number(meta.total_compressed_size));
  if (!bytes) throw new Error(`the column chunk of ${column.leaf.name} was not fetched`);
  const sink = new ColumnSink(plan, rows, column.maxDefinition > 0, buffers);
  const asText = column.asText;
  const decoder = {
    pathInSchema: meta.path_in_schema,
    type: meta.type,
    element: column.leaf.element,
    schemaPath: [...column.schemaPath],
    codec: meta.codec,
    parsers: DEFAULT_PARSERS,
    compressors: boundedDecompressors,
    utf8: false,
  };
  // A decompressed page is a new array (every decompressor here allocates its output); an
  // uncompressed one is a view of the fetched row group, which the reader drops after decoding it.
  const ownsPage = (page: Uint8Array): boolean => page.buffer !== bytes.buffer;
  /** A data page's values from `at` on, straight into the vectors where they can go (addPlain). */
  const place = (
    count: number,
    levels: Uint8Array | null,
    page: Uint8Array,
    at: number,
    encoding: string,
  ): void => {
    const present = levels ? countPresent(levels) : count;
    if (sink.addPlain(count, levels, present, page, at, encoding, meta.type)) return;
    const values = pageValues(
      page,
      at,
      page.byteLength,
      encoding,
      meta.type,
      present,
      column,
      asText,
      ownsPage(page),
      scratch,
    );
    sink.addPage(count, levels, values, present);
  };
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  while (reader.offset < bytes.byteLength) {
    const header = parquetHeader(reader);
    const body = bytes.subarray(reader.offset, reader.offset + header.compressed_page_size);
    reader.offset += header.compressed_page_size;
    if (header.type === 'DICTIONARY_PAGE') {
      const count = header.dictionary_page_header?.num_values ?? 0;
      const page = decompressPage(body, header.uncompressed_page_size, meta.codec, boundedDecompressors);
      sink.setDictionary(plainValues(page, 0, page.byteLength, meta.type, count, column.leaf.element, false));
    } else if (header.type === 'DATA_PAGE' && header.data_page_header) {
      const daph = header.data_page_header;
      const page = decompressPage(body, header.uncompressed_page_size, meta.codec, boundedDecompressors);
      if (!ownEncoding(daph.encoding, meta.type)) {
        const { definitionLevels, dataPage } = readDataPage(page, daph, decoder);
        sink.addPage(
          daph.num_values,
          levelsOf(definitionLevels, column.maxDefinition),
          libraryValues(dataPage, daph.encoding),
        );
        continue;
      }
      let at = 0;
      let levels: Uint8Array | null = null;
      if (column.maxDefinition > 0) {
        const length = u32(page, at);
        at += 4;
        levels = definitionLevels(page, at, at + length, daph.num_values, column.maxDefinition, scratch);
        at += length;
      }
      place(daph.num_values, levels, page, at, daph.encoding);
    } else if (header.type === 'DATA_PAGE_V2' && header.data_page_header_v2) {
      const h = header.data_page_header_v2;
      if (!ownEncoding(h.encoding, meta.type)) {
        const { definitionLevels, dataPage } = readDataPageV2(body, header, decoder);
        sink.addPage(
          h.num_values,
          levelsOf(definitionLevels, column.maxDefinition),
          libraryValues(dataPage, h.encoding),
        );
        continue;
      }
      const levelBytes = h.repetition_levels_byte_length + h.definition_levels_byte_length;
      const levels =
        column.maxDefinition > 0
          ? definitionLevels(
              body,
              h.repetition_levels_byte_length,
              levelBytes,
              h.num_values,
              column.maxDefinition,
              scratch,
            )
          : null;
      // Levels of a v2 page are never compressed; its values are unless is_compressed is false.
      let page = body.subarray(levelBytes);
      if (h.is_compressed !== false) {
        page = decompressPage(
          page,
          header.uncompressed_page_size - levelBytes,
          meta.codec,
          boundedDecompressors,
        );
      }
      place(h.num_values, levels, page, 0, h.encoding);
    }
  }
  return sink.finish();
}

/** A column chunk holding fewer values than its row group has rows. */
class ShortColumn extends Error {
  constructor(readonly count: number) {
    super(`${count} values decoded`);
  }
}

/**
 * Whether a page's encoding is decoded here; the others go through hyparquet's page decoder. RLE
 * is the booleans' encoding; on another type hyparquet reads it as bare indices, and so it stays.
 */
function ownEncoding(encoding: string, type: ParquetType): boolean {
  return OWN_ENCODINGS.has(encoding) || (encoding === 'RLE' && type === 'BOOLEAN');
}

const OWN_ENCODINGS = new Set(['PLAIN', 'PLAIN_DICTIONARY', 'RLE_DICTIONARY']);

/** The non-null values of a data page in one of the encodings decoded here. */
function pageValues(
  page: Uint8Array,
  at: number,
  end: number,
  encoding: string,
  type: ParquetType,
  count: number,
  column: Selected,
  asText: boolean,
  owned: boolean,
  scratch: PageScratch,
): PageValues {
  if (encoding === 'PLAIN')
    return plainValues(page, at, end, type, count, column.leaf.element, asText, owned, scratch);
  if (encoding === 'RLE') {
    // Booleans only (ownEncoding): a length-prefixed run of 1-bit values.
    const length = u32(page, at);
    const values = new Uint8Array(count);
    hybrid(page, at + 4, Math.min(end, at + 4 + length), 1, count, values);
    return { tag: 'number', at: values };
  }
  // PLAIN_DICTIONARY, RLE_DICTIONARY: a bit width, then the indices.
  if (at >= end) {
    if (count === 0) return { tag: 'index', at: new Int32Array(0) };
    throw new Error('a dictionary-encoded page without its bit width');
  }
  const width = page[at]!;
  if (width > 32) throw new Error(`a dictionary index bit width of ${width}`);
  const indices = scratch.indices.take(count);
  if (width > 0) hybrid(page, at + 1, end, width, count, indices);
  else indices.fill(0);
  return { tag: 'index', at: indices };
}

/** PLAIN values: fixed-width numbers read in place, booleans unpacked, strings decoded. */
function plainValues(
  page: Uint8Array,
  at: number,
  end: number,
  type: ParquetType,
  count: number,
  element: SchemaElement,
  asText: boolean,
  owned = false,
  scratch?: PageScratch,
): PageValues {
  const need = (bytes: number): void => {
    if (at + bytes > end) throw new Error(SHORT_PAGE);
  };
  switch (type) {
    case 'BOOLEAN': {
      need(Math.ceil(count / 8));
      const values = new Uint8Array(count);
      for (let i = 0; i < count; i++) values[i] = (page[at + (i >> 3)]! >> (i & 7)) & 1;
      return { tag: 'number', at: values };
    }
    case 'INT32':
    case 'FLOAT':
      need(count * 4);
      return { tag: 'number', at: numbersOf(readPlain(readerAt(page, at), type, count, undefined)) };
    case 'DOUBLE':
      need(count * 8);
      return { tag: 'number', at: numbersOf(readPlain(readerAt(page, at), type, count, undefined)) };
    case 'INT64': {
      need(count * 8);
      const values = readPlain(readerAt(page, at), type, count, undefined);
      return { tag: 'bigint', at: values instanceof BigInt64Array ? values : new BigInt64Array(0) };
    }
    case 'BYTE_ARRAY': {
      const ascii = isAscii(page.subarray(at, end));
      // An ASCII byte is its own character, so the bytes are the text: offsets suffice, and a
      // string is made only for a cell someone reads (its latin1 and UTF-8 decodings agree).
      if (asText && ascii) return plainBytes(page, at, end, count, owned, scratch);
      const strings = new Array<string>(count);
      // ASCII bytes are their own characters, so a latin1 slice gives the string UTF-8 decoding
      // gives, at about half its cost per value; one check over the page usually settles it
      // (length prefixes below 128 are ASCII too), else each value is checked.
      const text = Buffer.from(page.buffer, page.byteOffset, page.byteLength);
      let p = at;
      for (let i = 0; i < count; i++) {
        if (p + 4 > end) throw new Error(SHORT_PAGE);
        const length = u32(page, p);
        p += 4;
        if (p + length > end) throw new Error(SHORT_PAGE);
        strings[i] =
          ascii || asciiSpan(page, p, p + length)
            ? text.toString('latin1', p, p + length)
            : utf8.decode(page.subarray(p, p + length));
        p += length;
      }
      return { tag: 'strings', at: strings };
    }
    default:
      return fromLibrary(readPlain(readerAt(page, at), type, count, element.type_length));
  }
}

const SHORT_PAGE = 'a page holds fewer values than its header declares';

/** PLAIN BYTE_ARRAY values as offsets into the page, each bounded by the page. */
function plainBytes(
  page: Uint8Array,
  at: number,
  end: number,
  count: number,
  owned: boolean,
  scratch: PageScratch | undefined,
): PageValues {
  const starts = scratch ? scratch.starts.take(count) : new Int32Array(count);
  const ends = scratch ? scratch.ends.take(count) : new Int32Array(count);
  let p = at;
  for (let i = 0; i < count; i++) {
    if (p + 4 > end) throw new Error(SHORT_PAGE);
    const length = (page[p]! | (page[p + 1]! << 8) | (page[p + 2]! << 16) | (page[p + 3]! << 24)) >>> 0;
    p += 4;
    if (p + length > end) throw new Error(SHORT_PAGE);
    starts[i] = p;
    p += length;
    ends[i] = p;
  }
  return { tag: 'bytes', at: starts, end: ends, bytes: page, owned };
}

function asciiSpan(page: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (page[i]! > 0x7f) return false;
  return true;
}

function readerAt(page: Uint8Array, offset: number): { view: DataView; offset: number } {
  return { view: new DataView(page.buffer, page.byteOffset, page.byteLength), offset };
}

function u32(page: Uint8Array, at: number): number {
  if (at + 4 > page.byteLength) throw new Error('a page ends inside a length prefix');
  return (page[at]! | (page[at + 1]! << 8) | (page[at + 2]! << 16) | (page[at + 3]! << 24)) >>> 0;
}

function numbersOf(values: DecodedArray): ArrayLike<number> {
  const converted = fromLibrary(values);
  if (converted.tag !== 'number') throw new Error('unexpected decoded values');
  return converted.at;
}

/** A page's values as hyparquet's page decoder returns them (dictionary indices undereferenced). */
function libraryValues(values: DecodedArray, encoding: string): PageValues {
  const decoded = fromLibrary(values);
  return encoding.endsWith('_DICTIONARY') && decoded.tag === 'number'
    ? { tag: 'index', at: decoded.at }
    : decoded;
}

/** Values decoded by hyparquet (typed arrays, or arrays of booleans, bigints or bytes). */
function fromLibrary(values: DecodedArray): PageValues {
  if (values instanceof BigInt64Array) return { tag: 'bigint', at: values };
  if (
    values instanceof Int32Array ||
    values instanceof Float64Array ||
    values instanceof Float32Array ||
    values instanceof Uint8Array ||
    values instanceof Uint32Array
  ) {
    return { tag: 'number', at: values };
  }
  if (values instanceof BigUint64Array) throw new Error('unexpected unsigned 64-bit values');
  const list: readonly unknown[] = values;
  const first: unknown = list[0];
  if (typeof first === 'bigint') {
    return {
      tag: 'bigint',
      at: BigInt64Array.from(list, (v) => (typeof v === 'bigint' ? v : unexpected(v))),
    };
  }
  if (first instanceof Uint8Array) {
    return {
      tag: 'strings',
      at: list.map((v) => (v instanceof Uint8Array ? utf8.decode(v) : unexpected(v))),
    };
  }
  return {
    tag: 'number',
    at: Float64Array.from(list, (v) =>
      typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : unexpected(v),
    ),
  };
}

function unexpected(v: unknown): never {
  throw new Error(`unexpected decoded value ${typeof v}`);
}

/** hyparquet's definition levels as validity bytes (null when every value is present). */
function levelsOf(levels: readonly number[] | undefined, maxDefinition: number): Uint8Array | null {
  if (!levels || levels.length === 0 || maxDefinition === 0) return null;
  const valid = new Uint8Array(levels.length);
  for (let i = 0; i < levels.length; i++) valid[i] = levels[i] === maxDefinition ? 1 : 0;
  return valid;
}

/** Definition levels of `count` values as validity bytes: 1 where the level is the highest. */
function definitionLevels(
  page: Uint8Array,
  at: number,
  end: number,
  count: number,
  max: number,
  scratch: PageScratch,
): Uint8Array {
  if (end > page.byteLength) throw new Error('definition levels run past the end of their page');
  // Every level is written below (hybrid fills all `count`), so a reused array needs no zeroing.
  const levels = scratch.levels.take(count);
  const width = 32 - Math.clz32(max);
  if (max > 255) {
    const wide = new Int32Array(count);
    hybrid(page, at, end, width, count, wide);
    for (let i = 0; i < count; i++) levels[i] = wide[i] === max ? 1 : 0;
    return levels;
  }
  hybrid(page, at, end, width, count, levels);
  if (max !== 1) for (let i = 0; i < count; i++) levels[i] = levels[i] === max ? 1 : 0;
  else for (let i = 0; i < count; i++) if (levels[i]! > 1) levels[i] = 0;
  return levels;
}

function countPresent(valid: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < valid.length; i++) n += valid[i]!;
  return n;
}

// ---- building vectors ----

type Reusable = Uint8Array | Int32Array | Float64Array | BigInt64Array;

/**
 * A typed array handed out as a view of the length asked for. When kept (`keep`), one array is
 * reused from take to take: it grows to the largest length asked for and never shrinks, so it
 * holds at most that many elements, and a view handed out is overwritten by the next take. When
 * not kept, every take is a new array.
 */
class Reused<T extends Reusable> {
  private array: T | undefined;

  constructor(
    private readonly make: (length: number) => T,
    private readonly keep = true,
  ) {}

  /** `length` elements whose old contents the caller overwrites (or does not read). */
  take(length: number): T {
    if (!this.keep) return this.make(length);
    let array = this.array;
    if (array === undefined || array.length < length) {
      // Grown to exactly the length asked for: row groups and pages mostly repeat their size.
      array = this.array = this.make(length);
    }
    return array.length === length ? array : (array.subarray(0, length) as T);
  }

  /** `length` zero elements, as a new array holds. */
  zeroed(length: number): T {
    const reused = this.keep && this.array !== undefined && this.array.length >= length;
    const view = this.take(length);
    if (reused) new Uint8Array(view.buffer, view.byteOffset, view.byteLength).fill(0);
    return view;
  }
}

/**
 * The arrays of one column's vectors. Under reuseBatches (`keep`) each kind is one array kept for
 * the whole read, at most the largest row group's rows long (a column takes the kinds its plan
 * and its chunks' encodings need: a string column may hold indices and text offsets both);
 * otherwise every vector gets new arrays, which the batch then owns.
 */
class ColumnArrays {
  readonly valid: Reused<Uint8Array>;
  readonly int32: Reused<Int32Array>;
  readonly float64: Reused<Float64Array>;
  readonly booleans: Reused<Uint8Array>;
  readonly bigints: Reused<BigInt64Array>;
  readonly indices: Reused<Int32Array>;
  readonly textStart: Reused<Int32Array>;
  readonly textEnd: Reused<Int32Array>;
  readonly textFlags: Reused<Uint8Array>;
  /** The joined bytes of a text chunk of several pages (or of a page the reader does not own). */
  readonly textBytes: Reused<Uint8Array>;

  constructor(keep: boolean) {
    const bytes = (n: number): Uint8Array => new Uint8Array(n);
    const int32 = (n: number): Int32Array => new Int32Array(n);
    this.valid = new Reused(bytes, keep);
    this.int32 = new Reused(int32, keep);
    this.float64 = new Reused((n) => new Float64Array(n), keep);
    this.booleans = new Reused(bytes, keep);
    this.bigints = new Reused((n) => new BigInt64Array(n), keep);
    this.indices = new Reused(int32, keep);
    this.textStart = new Reused(int32, keep);
    this.textEnd = new Reused(int32, keep);
    this.textFlags = new Reused(bytes, keep);
    this.textBytes = new Reused(bytes, keep);
  }
}

/**
 * Arrays a page needs only until its values are placed in the column's vector (levels, dictionary
 * indices, string offsets, looked-up dictionary values): one of each for the whole read, shared by
 * the columns (a page is placed before the next is decoded), each at most the largest page's
 * value count long.
 */
class PageScratch {
  readonly levels = new Reused((n) => new Uint8Array(n));
  readonly indices = new Reused((n) => new Int32Array(n));
  readonly starts = new Reused((n) => new Int32Array(n));
  readonly ends = new Reused((n) => new Int32Array(n));
  readonly float64 = new Reused((n) => new Float64Array(n));
  readonly bigints = new Reused((n) => new BigInt64Array(n));
}

interface Buffers {
  readonly arrays: ColumnArrays;
  readonly scratch: PageScratch;
}

/** Collects the pages of one chunk into the vector of its plan. */
class ColumnSink {
  private row = 0;
  private readonly valid: Uint8Array | null;
  private nulls = 0;
  private dictionary: PageValues | undefined;
  private readonly numbers: Int32Array | Float64Array | Uint8Array | null;
  private readonly bigints: BigInt64Array | null;
  /** Strings: indices into `strings` while every page is dictionary-encoded or follows one. */
  private indices: Int32Array | null = null;
  private strings: string[] | null = null;
  /** Strings without a dictionary: one cell per row. */
  private cells: (string | null)[] | null = null;
  /**
   * ASCII strings without a dictionary (`stringsAsText`), while every page so far came as bytes:
   * row r is `parts` joined at `start[r], end[r])`; `flags` marks nulls. Joined by `finish`.
   */
  private text: {
    readonly start: Int32Array;
    readonly end: Int32Array;
    readonly flags: Uint8Array;
    readonly parts: Uint8Array[];
    length: number;
    /** Every part is a span of a page the reader owns (see finish). */
    owned: boolean;
  } | null = null;

  private readonly arrays: ColumnArrays;
  private readonly scratch: PageScratch;

  constructor(
    private readonly plan: TypedPlan,
    private readonly rows: number,
    nullable: boolean,
    buffers: Buffers,
  ) {
    const arrays = (this.arrays = buffers.arrays);
    this.scratch = buffers.scratch;
    // Zeroed as a new array is: claim writes every validity byte, but nulls keep the values' zero.
    this.valid = nullable ? arrays.valid.zeroed(rows) : null;
    const kind = plan.kind;
    this.numbers =
      kind === 'int32' || kind === 'date'
        ? arrays.int32.zeroed(rows)
        : kind === 'float64'
          ? arrays.float64.zeroed(rows)
          : kind === 'boolean'
            ? arrays.booleans.zeroed(rows)
            : null;
    this.bigints = kind === 'int64' || kind === 'timestamp' ? arrays.bigints.zeroed(rows) : null;
  }

  setDictionary(values: PageValues): void {
    this.textToCells(this.row);
    if (this.indices && this.strings) {
      // A second dictionary page (outside the format, yet hyparquet reads it): the rows before it
      // keep the strings of the first, so the vector becomes one of cells.
      const cells = this.cellsOf();
      for (let r = 0; r < this.row; r++) {
        const i = this.indices[r]!;
        if (i >= 0) cells[r] = this.strings[i]!;
      }
      this.indices = null;
      this.strings = null;
    }
    this.dictionary = values;
    if (this.plan.kind === 'string' && values.tag === 'strings' && this.cells === null) {
      this.strings = [...values.at];
      this.indices ??= this.arrays.indices.take(this.rows).fill(-1);
    }
  }

  /** `present`: the values the levels declare, when the caller has counted them already. */
  addPage(count: number, levels: Uint8Array | null, values: PageValues, present?: number): void {
    const start = this.row;
    present = this.claim(count, levels, present);
    if (values.at.length < present) throw new Error('a page holds fewer values than its levels declare');
    if (this.plan.kind === 'string') {
      this.addStrings(start, count, levels, values);
      return;
    }
    const source = values.tag === 'index' ? this.lookUp(values.at) : values;
    // Writers give optional columns levels even when a page has no null: copied whole then.
    const placed = present === count ? null : levels;
    if (this.numbers) {
      if (source.tag !== 'number') throw new Error(`unexpected ${source.tag} values`);
      place(this.numbers, source.at, start, count, placed);
    } else if (this.bigints) {
      if (source.tag !== 'bigint') throw new Error(`unexpected ${source.tag} values`);
      place(this.bigints, source.at, start, count, placed);
    }
  }

  /**
   * A PLAIN page of fixed-width values stored as the vector stores them (INT32 in an int32 or date
   * vector, DOUBLE in a float64 one, INT64 in an int64 or timestamp one): its bytes are copied
   * straight into the vector, then moved to their rows when the page has nulls; no array per
   * page. False, having done nothing, for any other page (pageValues and addPage read it).
   */
  addPlain(
    count: number,
    levels: Uint8Array | null,
    present: number,
    page: Uint8Array,
    at: number,
    encoding: string,
    type: ParquetType,
  ): boolean {
    if (encoding !== 'PLAIN') return false;
    const numbers = this.numbers;
    const out =
      type === 'INT64'
        ? this.bigints
        : (type === 'INT32' && numbers instanceof Int32Array) ||
            (type === 'DOUBLE' && numbers instanceof Float64Array)
          ? numbers
          : null;
    if (!out) return false;
    const width = out.BYTES_PER_ELEMENT;
    // The checks of plainValues, then addPage's, in their order.
    if (at + present * width > page.byteLength) throw new Error(SHORT_PAGE);
    const start = this.row;
    this.claim(count, levels, present);
    const target = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
    target.set(page.subarray(at, at + present * width), start * width);
    if (levels && present < count) spread(out, start, count, levels, present, width >> 2);
    return true;
  }

  /** Takes the next `count` rows for a page: checks, validity and nulls; returns `present`. */
  private claim(count: number, levels: Uint8Array | null, present?: number): number {
    const start = this.row;
    if (start + count > this.rows)
      throw new Error(`pages hold more values than the row group's ${this.rows}`);
    if (levels && levels.length !== count) throw new Error('definition levels do not match the page');
    this.row += count;
    const valid = this.valid;
    if (valid) {
      if (levels) valid.set(levels, start);
      else valid.fill(1, start, start + count);
    }
    present ??= levels ? countPresent(levels) : count;
    this.nulls += count - present;
    return present;
  }

  /** Dictionary values of numbers and bigints, looked up by index (checked). */
  private lookUp(indices: ArrayLike<number>): PageValues {
    const dictionary = this.dictionary;
    if (!dictionary) throw new Error('a dictionary-encoded page without a dictionary page');
    const size = dictionary.at.length;
    for (let i = 0; i < indices.length; i++) {
      const k = indices[i]!;
      if (k < 0 || k >= size) throw new Error(`dictionary index ${k} is out of range (${size} entries)`);
    }
    if (dictionary.tag === 'number') {
      const from = dictionary.at;
      const out = this.scratch.float64.take(indices.length);
      for (let i = 0; i < indices.length; i++) out[i] = from[indices[i]!]!;
      return { tag: 'number', at: out };
    }
    if (dictionary.tag === 'bigint') {
      const from = dictionary.at;
      const out = this.scratch.bigints.take(indices.length);
      for (let i = 0; i < indices.length; i++) out[i] = from[indices[i]!]!;
      return { tag: 'bigint', at: out };
    }
    throw new Error(`unexpected ${dictionary.tag} dictionary`);
  }

  private addStrings(start: number, count: number, levels: Uint8Array | null, values: PageValues): void {
    if (values.tag === 'bytes' && !this.indices && !this.cells) {
      this.addText(start, count, levels, values);
      return;
    }
    // Any other page ends the text vector: its rows so far become strings, as a mixed chunk's are.
    this.textToCells(start);
    if (values.tag === 'bytes') values = { tag: 'strings', at: stringsOf(values) };
    if (values.tag === 'index') {
      const dictionary = this.dictionary;
      if (!dictionary || dictionary.tag !== 'strings') {
        throw new Error('a dictionary-encoded page without a dictionary page');
      }
      const size = dictionary.at.length;
      const at = values.at;
      if (this.indices) {
        // Indices point into the dictionary page's entries, which head `strings`.
        const out = this.indices;
        let k = 0;
        for (let r = start; r < start + count; r++) {
          if (levels && levels[r - start] === 0) continue;
          const i = at[k++]!;
          if (i < 0 || i >= size) throw new Error(`dictionary index ${i} is out of range (${size} entries)`);
          out[r] = i;
        }
        return;
      }
      const cells = this.cellsOf();
      let k = 0;
      for (let r = start; r < start + count; r++) {
        if (levels && levels[r - start] === 0) continue;
        const i = at[k++]!;
        if (i < 0 || i >= size) throw new Error(`dictionary index ${i} is out of range (${size} entries)`);
        cells[r] = dictionary.at[i]!;
      }
      return;
    }
    if (values.tag !== 'strings') throw new Error(`unexpected ${values.tag} values`);
    const at = values.at;
    if (this.indices && this.strings) {
      // A plain page after dictionary pages (a writer whose dictionary grew too large): its
      // strings join the dictionary, so the vector stays one of indices.
      const out = this.indices;
      const strings = this.strings;
      let k = 0;
      for (let r = start; r < start + count; r++) {
        if (levels && levels[r - start] === 0) continue;
        out[r] = strings.length;
        strings.push(at[k++]!);
      }
      return;
    }
    const cells = this.cellsOf();
    let k = 0;
    for (let r = start; r < start + count; r++) {
      if (levels && levels[r - start] === 0) continue;
      cells[r] = at[k++]!;
    }
  }

  /** A page of ASCII strings kept as bytes: offsets into the page, shifted to the joined bytes. */
  private addText(
    start: number,
    count: number,
    levels: Uint8Array | null,
    values: Extract<PageValues, { tag: 'bytes' }>,
  ): void {
    const text = (this.text ??= {
      start: this.arrays.textStart.zeroed(this.rows),
      end: this.arrays.textEnd.zeroed(this.rows),
      flags: this.arrays.textFlags.zeroed(this.rows),
      parts: [],
      length: 0,
      owned: true,
    });
    // Only the span the values cover is kept (a page's first bytes are its levels).
    const n = values.at.length;
    const lo = n > 0 ? values.at[0]! : 0;
    const hi = n > 0 ? values.end[n - 1]! : 0;
    const shift = text.length - lo;
    text.parts.push(values.bytes.subarray(lo, hi));
    text.length += hi - lo;
    text.owned &&= values.owned;
    const { at, end } = values;
    let k = 0;
    for (let r = start; r < start + count; r++) {
      if (levels && levels[r - start] === 0) {
        text.flags[r] = TEXT_NULL;
        continue;
      }
      text.start[r] = at[k]! + shift;
      text.end[r] = end[k++]! + shift;
    }
  }

  /**
   * The rows before `rows` (those of earlier pages) kept as bytes, as string cells (ASCII: latin1
   * is their decoding).
   */
  private textToCells(rows: number): void {
    const text = this.text;
    if (!text) return;
    this.text = null;
    const joined = Buffer.from(joinParts(text.parts, new Uint8Array(text.length)));
    const cells = this.cellsOf();
    for (let r = 0; r < rows; r++) {
      if (text.flags[r] === 0) cells[r] = joined.toString('latin1', text.start[r], text.end[r]);
    }
  }

  private cellsOf(): (string | null)[] {
    this.cells ??= new Array<string | null>(this.rows).fill(null);
    return this.cells;
  }

  finish(): ColumnVector {
    if (this.row !== this.rows) throw new ShortColumn(this.row);
    const valid = this.nulls === 0 ? null : this.valid;
    const plan = this.plan;
    switch (plan.kind) {
      case 'string':
        if (this.text) {
          const { start, end, flags, parts, length, owned } = this.text;
          // A chunk of one decompressed page (the usual case) keeps the span of that page, which
          // nothing else holds: no copy. Its bound is the page's declared uncompressed size.
          const bytes =
            parts.length === 1 && owned ? parts[0]! : joinParts(parts, this.arrays.textBytes.take(length));
          return { kind: 'text', bytes, start, end, flags, unescape: asIs };
        }
        if (this.indices && this.strings)
          return { kind: 'dictionary', indices: this.indices, dictionary: this.strings };
        return { kind: 'cells', values: this.cellsOf() };
      case 'int32':
      case 'date':
        return { kind: plan.kind, values: int32(this.numbers), valid };
      case 'float64':
        return { kind: 'float64', values: float64(this.numbers), valid };
      case 'boolean':
        return { kind: 'boolean', values: bytes(this.numbers), valid };
      case 'int64':
        return { kind: 'int64', values: this.bigints!, valid };
      case 'timestamp':
        return { kind: 'timestamp', values: this.bigints!, unit: plan.unit, utc: plan.utc, valid };
    }
  }
}

/**
 * The byte spans of a chunk's pages as one array (a copy even for one page: a page may be a view
 * of the fetched row group, which the reader drops after decoding it).
 */
function joinParts(parts: readonly Uint8Array[], out: Uint8Array): Uint8Array {
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.byteLength;
  }
  return out;
}

/** Parquet strings hold no escapes. */
function asIs(text: string): string {
  return text;
}

/** A page kept as bytes, as strings (mixed chunks). */
function stringsOf(values: Extract<PageValues, { tag: 'bytes' }>): string[] {
  const buffer = Buffer.from(values.bytes.buffer, values.bytes.byteOffset, values.bytes.byteLength);
  return Array.from(values.at, (s, k) => buffer.toString('latin1', s, values.end[k]));
}

function int32(v: Int32Array | Float64Array | Uint8Array | null): Int32Array {
  if (!(v instanceof Int32Array)) throw new Error('unexpected column storage');
  return v;
}
function float64(v: Int32Array | Float64Array | Uint8Array | null): Float64Array {
  if (!(v instanceof Float64Array)) throw new Error('unexpected column storage');
  return v;
}
function bytes(v: Int32Array | Float64Array | Uint8Array | null): Uint8Array {
  if (!(v instanceof Uint8Array)) throw new Error('unexpected column storage');
  return v;
}

/** Places a page's non-null values at their rows (nulls keep the array's zero). */
function place<T extends number | bigint>(
  out: { [i: number]: T; set(from: ArrayLike<T>, offset: number): void },
  from: ArrayLike<T>,
  start: number,
  count: number,
  levels: Uint8Array | null,
): void {
  if (!levels && from.length === count) {
    out.set(from, start);
    return;
  }
  let k = 0;
  for (let i = 0; i < count; i++) if (!levels || levels[i] === 1) out[start + i] = from[k++]!;
}

/**
 * Moves the `present` values packed at rows [start, start + present) of `out` to the rows of
 * [start, start + count) whose level is 1, zeroing the others (nulls keep the array's zero), in
 * place: from the last row down, a value only moves to a row at or after its own, so none is
 * overwritten before it has moved. Values move as 32-bit words (`words` per value), so int64
 * and float64 bits are copied as they are, never read as bigints or doubles.
 */
function spread(
  out: Int32Array | Float64Array | BigInt64Array,
  start: number,
  count: number,
  levels: Uint8Array,
  present: number,
  words: number,
): void {
  const w = new Int32Array(out.buffer, out.byteOffset + start * words * 4, count * words);
  let k = present - 1;
  for (let i = count - 1; i > k; i--) {
    if (levels[i] === 1) {
      for (let j = 0; j < words; j++) w[i * words + j] = w[k * words + j]!;
      k--;
    } else {
      for (let j = 0; j < words; j++) w[i * words + j] = 0;
    }
  }
}

/** The first dictionary or string cell longer than maxFieldLength, as readParquet reports it. */
function textLengthError(vector: ColumnVector, maxField: number, order: number): CellError | undefined {
  if (maxField === Infinity) return undefined;
  const message = (length: number): string => `a value of ${length} characters exceeds ${maxField}`;
  if (vector.kind === 'dictionary') {
    const long = vector.dictionary.map((s) => s.length > maxField);
    if (!long.includes(true)) return undefined;
    for (let r = 0; r < vector.indices.length; r++) {
      const i = vector.indices[r]!;
      if (i >= 0 && long[i]) return { row: r, order, message: message(vector.dictionary[i]!.length) };
    }
    return undefined;
  }
  if (vector.kind === 'text') {
    // ASCII only (the reader keeps no other text as bytes): a byte is a character.
    for (let r = 0; r < vector.start.length; r++) {
      const length = vector.end[r]! - vector.start[r]!;
      if (vector.flags[r] === 0 && length > maxField) return { row: r, order, message: message(length) };
    }
    return undefined;
  }
  if (vector.kind === 'cells') {
    for (let r = 0; r < vector.values.length; r++) {
      const v = vector.values[r];
      if (typeof v === 'string' && v.length > maxField) return { row: r, order, message: message(v.length) };
    }
  }
  return undefined;
}

function sliceVector(v: ColumnVector, start: number, end: number): ColumnVector {
  switch (v.kind) {
    case 'cells':
      return { kind: 'cells', values: v.values.slice(start, end) };
    case 'dictionary':
      return { kind: 'dictionary', indices: v.indices.subarray(start, end), dictionary: v.dictionary };
    case 'text':
      return {
        ...v,
        start: v.start.subarray(start, end),
        end: v.end.subarray(start, end),
        flags: v.flags.subarray(start, end),
      };
    case 'timestamp':
      return { ...v, values: v.values.subarray(start, end), valid: v.valid && v.valid.subarray(start, end) };
    case 'int64':
      return { ...v, values: v.values.subarray(start, end), valid: v.valid && v.valid.subarray(start, end) };
    case 'float64':
      return { ...v, values: v.values.subarray(start, end), valid: v.valid && v.valid.subarray(start, end) };
    case 'int32':
    case 'date':
      return { ...v, values: v.values.subarray(start, end), valid: v.valid && v.valid.subarray(start, end) };
    case 'boolean':
      return { ...v, values: v.values.subarray(start, end), valid: v.valid && v.valid.subarray(start, end) };
  }
}

function emptyVector(plan: Plan): ColumnVector {
  switch (plan.kind) {
    case 'int32':
    case 'date':
      return { kind: plan.kind, values: new Int32Array(0), valid: null };
    case 'int64':
      return { kind: 'int64', values: new BigInt64Array(0), valid: null };
    case 'timestamp':
      return { kind: 'timestamp', values: new BigInt64Array(0), unit: plan.unit, utc: plan.utc, valid: null };
    case 'float64':
      return { kind: 'float64', values: new Float64Array(0), valid: null };
    case 'boolean':
      return { kind: 'boolean', values: new Uint8Array(0), valid: null };
    case 'string':
    case 'cells':
      return { kind: 'cells', values: [] };
  }
}
