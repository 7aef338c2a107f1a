/**
 * Streaming Parquet reader over random access (S3 ranged GETs, file handles): the footer is read
 * first and checked, then one row group at a time is fetched (one ranged read per run of selected
 * column chunks), its page headers are checked, and it is decoded (hyparquet), so memory is bounded
 * by the largest row group, never the file. Rows are yielded in batches of raw cells:
 * numbers, bigints for 64-bit integers beyond 2^53, booleans, strings, and exact text for dates,
 * timestamps and decimals (hyparquet's own conversions go through `Date` and floats, so they are
 * replaced: decimals are read as their physical values and timestamps as bigint counts).
 *
 * Structs are flattened to dotted column names (`address.city`); lists, maps and repeated fields
 * are one column each, carried as canonical JSON text (parquet-nested-json.ts); intervals become
 * `{"months":m,"days":d,"millis":n}`; binary columns become base64 text. Variants are refused, but
 * only when they are read: a column that is not selected is never decoded.
 * Compression: snappy, gzip, zstd, brotli, lz4 and lz4_raw, each bounded by the page's declared
 * length (parquet-decompressors.ts: snappy in WASM, gzip and brotli in Node's zlib, zstd and lz4
 * in JavaScript); LZO is rejected.
 *
 * Bounds, checked against the footer before a row group is fetched and against the page headers
 * before a page is decompressed: rows per row group (`maxRowGroupRows`), decompressed bytes of the
 * selected chunks of a row group (`maxRowGroupBytes`) and of one page, and no page decompresses
 * to more than its header declares.
 */
import { isDeepStrictEqual } from 'node:util';
import zlib from 'node:zlib';

import {
  parquetMetadata,
  parquetRead,
  parquetSchema,
  type AsyncBuffer,
  type ColumnMetaData,
  type FileMetaData,
  type ParquetParsers,
  type SchemaElement,
  type SchemaTree,
} from 'hyparquet';
import { getMaxDefinitionLevel, getTreePath } from 'hyparquet/src/schema.js';
import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';

import { FormatError } from '../errors';
import type { ByteSource } from './byte-io';
import { boundedDecompressors, checkZstdPage, PageSizeError } from './parquet-decompressors';
import { hybrid } from './parquet-hybrid';
import { isNestedNode, parquetNestedJson } from './parquet-nested-json';
import {
  base64,
  bigEndianSigned,
  contractColumnOf,
  decimalText,
  int64Cell,
  intervalText,
  parquetLeafKind,
  timestampText,
  utf8,
  type InferredColumn,
  type ParquetLeafKind,
} from './parquet-types';
import type { RawCell, RecordBatch } from './record-batch';
import type { ReaderLimits } from './table-io';
import { formatDate } from '../contracts/typed-values';

export interface ParquetReadOptions extends ReaderLimits {
  /** Leaf columns to read (dotted names for struct fields), in this order; all when absent. */
  readonly columns?: readonly string[];
  /** readParquetColumns: names in `columns` the file does not have are skipped, not an error. */
  readonly presentOnly?: boolean;
  /**
   * readParquetColumns: only row groups [start, end) (a range of the file read beside others);
   * batches number their rows from 1 at the range's first row, errors by the file's rows.
   */
  readonly rowGroups?: { readonly start: number; readonly end: number };
  /**
   * readParquetColumns: a chunk of plain (not dictionary-encoded) strings whose pages are all
   * ASCII arrives as a `text` vector (its bytes + offsets), so no JS string exists per cell until
   * a check or an output needs text. Off by default: consumers that have not been measured on
   * Parquet text vectors keep the strings they had (docs/decisions/0009-parquet-decoder.md).
   */
  readonly stringsAsText?: boolean;
  /**
   * readParquetColumns: a batch is valid only until the next one is asked for: its typed arrays,
   * validity, dictionary indices and text offsets and bytes are then overwritten by the next row
   * group's. For a consumer that copies out whatever it keeps (the validator; the conversion's
   * read-back), never for one that holds vectors across batches. Default false.
   */
  readonly reuseBatches?: boolean;
}

const MAGIC = 0x31524150; // 'PAR1' little-endian
const DEFAULT_BATCH_SIZE = 10_000;
/**
 * Rows one row group may declare. Every selected column of a row group is decoded at once, so
 * memory grows with its rows whatever its bytes: an all-null column of 5e7 rows takes 182 bytes on
 * disk and 2.4 GB decoded. Writers cut row groups far below this (pyarrow 1Mi rows, DuckDB 122,880,
 * Spark 128 MB); 1e7 rows of one column decode to about 0.5 GB.
 */
export const DEFAULT_MAX_ROW_GROUP_ROWS = 10_000_000;
/**
 * Decompressed bytes of the selected column chunks of one row group (the sum of their page
 * headers' sizes). Spark and parquet-mr cut row groups at 128 MB; decoded values take 2-4 times
 * their bytes, so 256 MiB keeps one row group within a Lambda's memory.
 */
export const DEFAULT_MAX_ROW_GROUP_BYTES = 256 << 20;
/** A page declaring more decompressed bytes than this is corrupt (writers use ~1 MiB pages). */
const MAX_PAGE_BYTES = 1 << 30;
/** A footer larger than this is corrupt (thousands of row groups × hundreds of columns take MBs). */
const MAX_FOOTER_BYTES = 1 << 28;
/** Column chunks closer than this are fetched in one ranged read. */
const COALESCE_GAP = 1 << 20;

/** How a yielded column's values are made: a scalar kind, nested JSON, or a refusal when read. */
export type LeafKind =
  ParquetLeafKind | { readonly kind: 'json' } | { readonly kind: 'unsupported'; readonly reason: string };

/** A column as the reader yields it: a scalar leaf, or a nested node read as JSON text. */
export interface Leaf {
  /** Dotted path: the yielded column name. */
  readonly name: string;
  readonly path: readonly string[];
  /** The path in hyparquet's decoded objects (safe keys, see decodingMetadata). */
  readonly keys: readonly string[];
  readonly node: SchemaTree;
  readonly element: SchemaElement;
  readonly nullable: boolean;
  readonly kind: LeafKind;
}

export interface OpenedParquet {
  readonly file: AsyncBuffer;
  /** Bytes prefetched for the row group being read; hyparquet's reads are served from here. */
  readonly cache: ByteRanges;
  readonly metadata: FileMetaData;
  /** The metadata hyparquet decodes with (safe names, no decimal, list, map or interval types). */
  readonly decoding: FileMetaData;
  /** The key hyparquet's decoded objects use for an element of `metadata.schema`. */
  readonly keyOf: (element: SchemaElement) => string;
  readonly leaves: readonly Leaf[];
  /** Paths (JSON of path_in_schema) of the leaf columns under a REPEATED field (lists, maps). */
  readonly repeatedPaths: ReadonlySet<string>;
  /** Start of the footer: column data lies in [4, dataEnd). */
  readonly dataEnd: number;
}

/**
 * Reads a Parquet file as record batches of at most `batchSize` rows, one row group at a time.
 *
 * @example
 * for await (const batch of readParquet(source, { batchSize: 5000 })) validate(batch);
 */
export async function* readParquet(
  source: ByteSource,
  options: ParquetReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer`);
  }
  const maxRows = limitOf('maxRowGroupRows', options.maxRowGroupRows, DEFAULT_MAX_ROW_GROUP_ROWS);
  // Its own name, not gzip's maxDecompressedBytes: openTable hands every limit to every reader, and
  // a gzip bound raised to 20 GiB must not let one row group decode 20 GiB at once.
  const maxBytes = limitOf('maxRowGroupBytes', options.maxRowGroupBytes, DEFAULT_MAX_ROW_GROUP_BYTES);
  const opened = await openParquet(source);
  const leaves = selectLeaves(source, opened.leaves, options.columns);
  const columns = leaves.map((l) => l.name);
  const topLevel = [...new Set(leaves.map((l) => l.keys[0]!))];
  const maxField = options.maxFieldLength ?? Infinity;
  const convert = cellConverter(opened.keyOf, maxField);
  // Every row group's declared size is checked before the first is fetched.
  opened.metadata.row_groups.forEach((_, g) =>
    checkRowGroupSize(source, opened, g, leaves, maxRows, maxBytes),
  );

  let groupStart = 0;
  let yielded = false;
  for (const [g, group] of opened.metadata.row_groups.entries()) {
    const groupRows = Number(group.num_rows);
    if (groupRows === 0) continue;
    await prefetchRowGroup(source, opened, g, leaves, maxRows, maxBytes);
    const data = await readRowGroup(source, opened, g, groupStart, groupRows, topLevel);
    opened.cache.clear();
    const byLeaf = leaves.map((leaf) => ({ leaf, values: data.get(leaf.keys[0]!)! }));
    for (let start = 0; start < groupRows; start += batchSize) {
      const end = Math.min(groupRows, start + batchSize);
      const rows: RawCell[][] = [];
      for (let i = start; i < end; i++) {
        const row: RawCell[] = new Array<RawCell>(byLeaf.length);
        for (let j = 0; j < byLeaf.length; j++) {
          const { leaf, values } = byLeaf[j]!;
          try {
            row[j] = convert(leaf, pick(values[i], leaf.keys));
          } catch (e) {
            throw new FormatError(
              `${source.name}: row group ${g}, row ${groupStart + i + 1}, column ${leaf.name}: ${messageOf(e)}`,
            );
          }
        }
        rows.push(row);
      }
      yielded = true;
      yield { columns, rows, firstRow: groupStart + start + 1 };
    }
    groupStart += groupRows;
  }
  // A file without rows still declares its columns: one empty batch carries them (as the CSV
  // reader does for a header-only file), so a validator grades the schema instead of finding
  // every column missing.
  if (!yielded) yield { columns, rows: [], firstRow: 1 };
}

export function limitOf(name: string, value: number | undefined, fallback: number): number {
  const limit = value ?? fallback;
  if (!(limit >= 0) || (!Number.isInteger(limit) && limit !== Infinity)) {
    throw new RangeError(`${name} must be a non-negative integer`);
  }
  return limit;
}

/**
 * The columns of a Parquet file in contract terms, from its footer alone (for schema inference).
 * Struct fields appear flattened, with dotted names.
 */
export async function parquetSchemaOf(source: ByteSource): Promise<InferredColumn[]> {
  const { leaves } = await openParquet(source);
  return leaves.map((leaf) => {
    if (leaf.kind.kind === 'unsupported') throw new FormatError(`${source.name}: ${leaf.kind.reason}`);
    // Lists, maps and repeated fields are JSON text: strings to a contract (which has no nested type).
    if (leaf.kind.kind === 'json') return { name: leaf.name, type: 'string', nullable: leaf.nullable };
    return contractColumnOf(leaf.element, leaf.name, leaf.nullable);
  });
}

// ---- footer ----

/** Errors thrown by the source itself (network, permissions) pass through untouched. */
export const sourceErrors = new WeakSet<object>();

/** Byte ranges held in memory, keyed by their start offset in the file. */
export class ByteRanges {
  private ranges: { start: number; bytes: Uint8Array }[] = [];
  add(start: number, bytes: Uint8Array): void {
    this.ranges.push({ start, bytes });
  }
  /** A copy of [start, end) if one held range covers it. */
  get(start: number, end: number): ArrayBuffer | undefined {
    for (const r of this.ranges) {
      if (start >= r.start && end <= r.start + r.bytes.byteLength) {
        // A copy through subarray: `slice` of a Node Buffer is a view of its whole pool.
        const copy = new Uint8Array(end - start);
        copy.set(r.bytes.subarray(start - r.start, end - r.start));
        return copy.buffer;
      }
    }
    return undefined;
  }
  /** [start, end) without a copy, if one held range covers it (for decoders that only read). */
  view(start: number, end: number): Uint8Array | undefined {
    for (const r of this.ranges) {
      if (start >= r.start && end <= r.start + r.bytes.byteLength) {
        return r.bytes.subarray(start - r.start, end - r.start);
      }
    }
    return undefined;
  }
  clear(): void {
    this.ranges = [];
  }
}

function asyncBufferOf(source: ByteSource, size: number, cache: ByteRanges): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end = size): Promise<ArrayBuffer> {
      const cached = cache.get(start, end);
      if (cached) return cached;
      const bytes = await readExactly(source, start, end);
      if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
        return bytes.buffer as ArrayBuffer;
      }
      // A view (a Node Buffer from a pool, say): copy exactly its bytes.
      const copy = new Uint8Array(bytes.byteLength);
      copy.set(bytes);
      return copy.buffer;
    },
  };
}

async function readExactly(source: ByteSource, start: number, end: number): Promise<Uint8Array> {
  let bytes: Uint8Array;
  try {
    bytes = await source.readRange(start, end);
  } catch (e) {
    if (typeof e === 'object' && e !== null) sourceErrors.add(e);
    throw e;
  }
  if (bytes.byteLength !== end - start) {
    throw new FormatError(
      `${source.name}: expected ${end - start} bytes at ${start}, got ${bytes.byteLength} (the file is truncated)`,
      { byteOffset: start + bytes.byteLength },
    );
  }
  return bytes;
}

export async function openParquet(source: ByteSource): Promise<OpenedParquet> {
  const size = await source.size();
  if (size < 12) {
    throw new FormatError(
      `${source.name}: ${size} bytes is too short for a Parquet file (PAR1, footer length and PAR1 take 12)`,
      { byteOffset: 0 },
    );
  }
  const head = await readExactly(source, 0, 4);
  if (view(head).getUint32(0, true) !== MAGIC) {
    throw new FormatError(`${source.name}: not a Parquet file (it does not start with PAR1)`, {
      byteOffset: 0,
    });
  }
  const tail = await readExactly(source, size - 8, size);
  if (view(tail).getUint32(4, true) !== MAGIC) {
    throw new FormatError(`${source.name}: Parquet file does not end with PAR1: it is truncated or corrupt`, {
      byteOffset: size - 4,
    });
  }
  const metadataLength = view(tail).getUint32(0, true);
  if (metadataLength === 0 || metadataLength > size - 12 || metadataLength > MAX_FOOTER_BYTES) {
    throw new FormatError(
      `${source.name}: Parquet footer length ${metadataLength} does not fit a ${size}-byte file (corrupt footer)`,
      { byteOffset: size - 8 },
    );
  }
  const dataEnd = size - 8 - metadataLength;
  const footer = await readExactly(source, dataEnd, size);
  let metadata: FileMetaData;
  let tree: SchemaTree;
  try {
    metadata = parquetMetadata(footer, { geoparquet: false });
    tree = parquetSchema(metadata);
    checkMetadata(metadata, tree);
  } catch (e) {
    throw new FormatError(`${source.name}: corrupt Parquet footer metadata: ${messageOf(e)}`, {
      byteOffset: dataEnd,
    });
  }
  const keys = new Map<SchemaElement, string>(metadata.schema.map((e, i) => [e, `c${i}`]));
  const keyOf = (element: SchemaElement): string => keys.get(element)!;
  const leaves: Leaf[] = [];
  for (const child of tree.children) collectLeaves(child, [], [], false, leaves, source.name, keyOf);
  if (leaves.length === 0) {
    throw new FormatError(`${source.name}: Parquet schema has no columns`, { byteOffset: dataEnd });
  }
  const cache = new ByteRanges();
  const decoding = decodingMetadata(metadata, tree, keyOf);
  const repeatedPaths = new Set<string>();
  const walk = (node: SchemaTree, repeated: boolean): void => {
    const under = repeated || node.element.repetition_type === 'REPEATED';
    if (node.children.length === 0 && under) repeatedPaths.add(JSON.stringify(node.path));
    for (const child of node.children) walk(child, under);
  };
  for (const child of tree.children) walk(child, false);
  return {
    file: asyncBufferOf(source, size, cache),
    cache,
    metadata,
    decoding,
    keyOf,
    leaves,
    repeatedPaths,
    dataEnd,
  };
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Structural checks hyparquet leaves to its callers: garbage that decoded as thrift fails here. */
function checkMetadata(metadata: FileMetaData, tree: SchemaTree): void {
  if (!Array.isArray(metadata.schema) || metadata.schema.length < 2) throw new Error('schema is empty');
  if (typeof metadata.num_rows !== 'bigint' || metadata.num_rows < 0n) {
    throw new Error('row count is missing');
  }
  if (!Array.isArray(metadata.row_groups)) throw new Error('row groups are missing');
  const leafCount = metadata.schema.filter((e) => e.type !== undefined).length;
  const leaves: { path: string[]; type: unknown }[] = [];
  const walk = (node: SchemaTree, path: string[]): void => {
    if (node.element.type !== undefined) leaves.push({ path, type: node.element.type });
    for (const child of node.children) walk(child, [...path, child.element.name]);
  };
  for (const child of tree.children) walk(child, [child.element.name]);
  let rows = 0n;
  for (const [g, group] of metadata.row_groups.entries()) {
    if (typeof group.num_rows !== 'bigint' || group.num_rows < 0n) {
      throw new Error(`row group ${g} has no row count`);
    }
    if (!Array.isArray(group.columns) || group.columns.length !== leafCount) {
      throw new Error(
        `row group ${g} has ${group.columns?.length ?? 0} column chunks; the schema has ${leafCount}`,
      );
    }
    // The chunks follow the schema's leaves in order (the format says so), and each one repeats
    // its leaf's path and physical type. The decoders look chunks up by path and decode by the
    // chunk's type (hyparquet) or the schema's (the columnar reader): a footer where the two
    // disagree read as different values or columns in the two readers, so it is refused here.
    group.columns.forEach((chunk, i) => {
      const leaf = leaves[i];
      if (!leaf) throw new Error(`row group ${g} has more column chunks than the schema tree has leaves`);
      const meta = chunk.meta_data;
      if (!meta) return; // refused when the row group is read (column data in another file)
      const path = meta.path_in_schema;
      if (!Array.isArray(path) || !isDeepStrictEqual(path, leaf.path)) {
        throw new Error(
          `row group ${g}, column ${leaf.path.join('.')}: its column chunk names ` +
            `${Array.isArray(path) ? path.join('.') : '?'}`,
        );
      }
      if (meta.type !== leaf.type) {
        throw new Error(
          `row group ${g}, column ${leaf.path.join('.')}: its column chunk is ${String(meta.type)}, ` +
            `the schema says ${String(leaf.type)}`,
        );
      }
    });
    rows += group.num_rows;
  }
  if (rows !== metadata.num_rows) {
    throw new Error(`row groups hold ${rows} rows; the footer says ${metadata.num_rows}`);
  }
}

/**
 * The columns a schema node yields: struct fields flattened to dotted names, a list, map or
 * repeated field as one JSON column. A column of a type the reader cannot give (a variant, an
 * unknown annotation) is kept with its reason and refused only if it is read.
 */
function collectLeaves(
  node: SchemaTree,
  parent: string[],
  parentKeys: string[],
  parentNullable: boolean,
  out: Leaf[],
  file: string,
  keyOf: (element: SchemaElement) => string,
): void {
  const { element } = node;
  const path = [...parent, element.name];
  const keys = [...parentKeys, keyOf(element)];
  const name = path.join('.');
  const nullable = parentNullable || element.repetition_type === 'OPTIONAL';
  const base = { name, path, keys, node, element, nullable };
  if (element.logical_type?.type === 'VARIANT') {
    const reason = `Parquet column ${name} is a variant, which the reader does not decode`;
    out.push({ ...base, kind: { kind: 'unsupported', reason } });
    return;
  }
  if (isNestedNode(element)) {
    out.push({ ...base, kind: { kind: 'json' } });
    return;
  }
  if (node.children.length > 0) {
    for (const child of node.children) collectLeaves(child, path, keys, nullable, out, file, keyOf);
    return;
  }
  try {
    out.push({ ...base, kind: parquetLeafKind(element, name) });
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    out.push({ ...base, kind: { kind: 'unsupported', reason: e.message } });
  }
}

export function selectLeaves(
  source: ByteSource,
  leaves: readonly Leaf[],
  columns: readonly string[] | undefined,
): Leaf[] {
  const selected =
    columns === undefined
      ? [...leaves]
      : columns.map((name) => {
          const leaf = leaves.find((l) => l.name === name);
          if (!leaf) {
            throw new FormatError(
              `${source.name}: Parquet file has no column ${name} (it has ${leaves.map((l) => l.name).join(', ')})`,
            );
          }
          return leaf;
        });
  for (const { kind } of selected) {
    if (kind.kind === 'unsupported') throw new FormatError(`${source.name}: ${kind.reason}`);
  }
  return selected;
}

/** Annotations hyparquet would act on that the reader handles itself (or that make it throw). */
const REMOVED_CONVERTED = new Set(['DECIMAL', 'LIST', 'MAP', 'MAP_KEY_VALUE', 'INTERVAL', 'BSON']);
const REMOVED_LOGICAL = new Set(['DECIMAL', 'LIST', 'MAP', 'INTERVAL', 'BSON']);

/**
 * The metadata hyparquet decodes with. Decimal annotations go (hyparquet would turn decimals into
 * floats; the reader scales the physical values exactly), and so do list, map, interval and BSON
 * ones (hyparquet would build maps as plain objects, losing duplicate keys and a key named
 * `__proto__`, and refuses intervals). Every name becomes `c<index>` in the schema and in the column
 * chunks' paths, so decoded objects have keys that cannot collide with Object.prototype's.
 */
function decodingMetadata(
  metadata: FileMetaData,
  tree: SchemaTree,
  keyOf: (element: SchemaElement) => string,
): FileMetaData {
  const renamed = new Map<string, string[]>();
  const walk = (node: SchemaTree, keys: string[]): void => {
    for (const child of node.children) {
      const childKeys = [...keys, keyOf(child.element)];
      renamed.set(JSON.stringify(child.path), childKeys);
      walk(child, childKeys);
    }
  };
  walk(tree, []);
  const schema = metadata.schema.map((e, i) => {
    if (i === 0) return e;
    const { converted_type: ctype, logical_type: ltype, ...rest } = e;
    const element: SchemaElement = { ...rest, name: keyOf(e) };
    if (ctype !== undefined && !REMOVED_CONVERTED.has(ctype)) element.converted_type = ctype;
    if (ltype !== undefined && !REMOVED_LOGICAL.has(ltype.type)) element.logical_type = ltype;
    return element;
  });
  const row_groups = metadata.row_groups.map((group) => ({
    ...group,
    columns: group.columns.map((chunk) => {
      const meta = chunk.meta_data;
      if (!meta) return chunk;
      const path = renamed.get(JSON.stringify(meta.path_in_schema));
      // A chunk whose path names no schema column fails in prefetch checks or in hyparquet.
      return path ? { ...chunk, meta_data: { ...meta, path_in_schema: path } } : chunk;
    }),
  }));
  return { ...metadata, schema, row_groups };
}

// ---- row groups ----

/**
 * Fetches the selected column chunks of a row group and checks them before hyparquet decodes them:
 * chunk bounds, and every page header (sizes, value counts, CRC when present). hyparquet trusts
 * page headers, and a corrupt one can make it loop or allocate without end instead of failing.
 */
export async function prefetchRowGroup(
  source: ByteSource,
  opened: OpenedParquet,
  g: number,
  leaves: readonly Leaf[],
  maxRows: number,
  maxDecompressed: number,
): Promise<void> {
  const group = opened.metadata.row_groups[g]!;
  const groupRows = Number(group.num_rows);
  const wanted = new Set(leaves.map((l) => l.path[0]!));
  const chunks: { meta: ColumnMetaData; start: number; end: number; column: string }[] = [];
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    const column = meta?.path_in_schema?.join('.') ?? '?';
    if (chunk.file_path !== undefined || !meta) {
      throw new FormatError(`${source.name}: row group ${g}, column ${column}: column data in another file`);
    }
    if (!wanted.has(meta.path_in_schema[0]!)) continue;
    const start = Number(meta.dictionary_page_offset || meta.data_page_offset);
    const end = start + Number(meta.total_compressed_size);
    if (!(start >= 4 && end <= opened.dataEnd && end >= start)) {
      throw new FormatError(
        `${source.name}: row group ${g}, column ${column}: column bytes ${start}..${end} lie outside the ` +
          `data area 4..${opened.dataEnd} (corrupt metadata)`,
        { byteOffset: start },
      );
    }
    chunks.push({ meta, start, end, column });
  }
  // One ranged read per run of nearby chunks (fewer S3 GETs than one per column).
  const sorted = [...chunks].sort((a, b) => a.start - b.start);
  const runs: { start: number; end: number }[] = [];
  for (const { start, end } of sorted) {
    const last = runs.at(-1);
    if (last && start - last.end <= COALESCE_GAP) last.end = Math.max(last.end, end);
    else runs.push({ start, end });
  }
  opened.cache.clear();
  for (const run of runs) opened.cache.add(run.start, await readExactly(source, run.start, run.end));
  // Page headers declare what a row group decompresses to; their sum over the selected chunks is
  // held to the limit before any page is decompressed (a footer's sizes can lie).
  const budget = { limit: maxDecompressed, used: 0 };
  const tree = parquetSchema(opened.metadata);
  for (const { meta, start, end, column } of chunks) {
    // The column's highest definition level, to hold a v2 page's null count to its levels (every
    // chunk's path names its leaf, see checkMetadata; without one the check is left out).
    let maxDefinition: number | undefined;
    try {
      maxDefinition = getMaxDefinitionLevel(getTreePath(tree, meta.path_in_schema));
    } catch {
      maxDefinition = undefined;
    }
    // A view, not a copy: checkPages only reads (headers, checksums, zstd frame headers).
    const bytes = opened.cache.view(start, end)!;
    const repeated = {
      is: opened.repeatedPaths.has(JSON.stringify(meta.path_in_schema)),
      maxValues: maxRows,
    };
    checkPages(
      bytes,
      start,
      meta,
      groupRows,
      repeated,
      maxDefinition,
      budget,
      `${source.name}: row group ${g}, column ${column}`,
    );
  }
}

/**
 * Checks what the footer declares for a row group against the limits, before anything is fetched:
 * its rows (all of them are decoded at once) and the decompressed bytes of the selected chunks.
 */
export function checkRowGroupSize(
  source: ByteSource,
  opened: OpenedParquet,
  g: number,
  leaves: readonly Leaf[],
  maxRows: number,
  maxBytes: number,
): void {
  const group = opened.metadata.row_groups[g]!;
  const where = { byteOffset: opened.dataEnd }; // the declaration lives in the footer
  if (group.num_rows > BigInt(Number.MAX_SAFE_INTEGER) || Number(group.num_rows) > maxRows) {
    throw new FormatError(
      `${source.name}: row group ${g} declares ${group.num_rows} rows, above the limit of ${maxRows} ` +
        `(maxRowGroupRows): write smaller row groups or raise the limit`,
      where,
    );
  }
  const wanted = new Set(leaves.map((l) => l.path[0]!));
  let bytes = 0;
  for (const chunk of group.columns) {
    const meta = chunk.meta_data;
    if (!meta || !wanted.has(meta.path_in_schema[0]!)) continue;
    bytes += Number(meta.total_uncompressed_size);
  }
  if (bytes > maxBytes) {
    throw new FormatError(
      `${source.name}: row group ${g} decompresses to ${bytes} bytes, above the limit of ${maxBytes} ` +
        `(maxRowGroupBytes, the columns read): write smaller row groups or raise the limit`,
      where,
    );
  }
}

const crc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Walks the pages of a flat column chunk; any inconsistency is a FormatError at its offset. */
function checkPages(
  bytes: Uint8Array,
  chunkStart: number,
  meta: ColumnMetaData,
  groupRows: number,
  repeated: { readonly is: boolean; readonly maxValues: number },
  maxDefinition: number | undefined,
  budget: { readonly limit: number; used: number },
  where: string,
): void {
  const pageLimit = Math.min(MAX_PAGE_BYTES, budget.limit);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  let values = 0;
  let dictionary = false;
  // A dictionary-encoded page (PLAIN_DICTIONARY, RLE_DICTIONARY) needs the chunk's dictionary page
  // before it: without one hyparquet's decoder does not terminate.
  const needsDictionary = (encoding: unknown): boolean => (encoding === 2 || encoding === 8) && !dictionary;
  // RLE (3) encodes the values of a BOOLEAN column only (and levels, which are not a page's
  // encoding). On another type hyparquet decoded booleans (a v2 page) or bare integers (v1), and the
  // columnar reader the same booleans as numbers: a corrupt page read as different values.
  const misencoded = (encoding: unknown): boolean => encoding === 3 && meta.type !== 'BOOLEAN';
  const fail = (why: string, at = offset): never => {
    throw new FormatError(`${where}: ${why}`, { byteOffset: chunkStart + at });
  };
  // zstd frames declare their own sizes, which the library trusts: held to the page header's here.
  const checkCompressed = (start: number, end: number, declared: number): void => {
    if (meta.codec !== 'ZSTD') return;
    try {
      checkZstdPage(bytes.subarray(start, end), declared);
    } catch (e) {
      fail(messageOf(e), start);
    }
  };
  // A flat column has one value (or null) per row; a column inside a list or map has at least one
  // level entry per row and any number beyond, held to the row limit as its own count of values.
  const chunkValues = Number(meta.num_values);
  if (!repeated.is && chunkValues !== groupRows) {
    fail(`the chunk declares ${meta.num_values} values; the row group has ${groupRows} rows`);
  }
  if (repeated.is && !(chunkValues >= groupRows)) {
    fail(`the chunk declares ${meta.num_values} values; the row group has ${groupRows} rows`);
  }
  if (repeated.is && chunkValues > repeated.maxValues) {
    fail(
      `the chunk declares ${meta.num_values} list or map values, above the limit of ${repeated.maxValues} ` +
        `(maxRowGroupRows): write smaller row groups or raise the limit`,
    );
  }
  const valueCount = repeated.is ? chunkValues : groupRows;
  while (offset < bytes.byteLength) {
    const reader = { view, offset };
    let header: Record<string, unknown>;
    try {
      header = deserializeTCompactProtocol(reader);
    } catch {
      return fail('corrupt page header');
    }
    const type = header.field_1;
    const uncompressed = header.field_2;
    const compressed = header.field_3;
    if (!isCount(compressed) || !isCount(uncompressed)) return fail('corrupt page header (sizes)');
    const bodyStart = reader.offset;
    const bodyEnd = bodyStart + compressed;
    if (bodyEnd > bytes.byteLength) {
      fail(`a page of ${compressed} bytes runs past the end of its column chunk`);
    }
    if (uncompressed > pageLimit) {
      fail(`a page declares ${uncompressed} decompressed bytes, above ${pageLimit}`);
    }
    budget.used += uncompressed;
    if (budget.used > budget.limit) {
      fail(
        `pages declare more than ${budget.limit} decompressed bytes in this row group (maxRowGroupBytes): ` +
          `write smaller row groups or raise the limit`,
      );
    }
    const crc = header.field_4;
    if (typeof crc === 'number' && crc32 && crc32(bytes.subarray(bodyStart, bodyEnd)) !== crc >>> 0) {
      fail('page checksum (CRC) mismatch: the page is corrupt');
    }
    if (type === 0) {
      const h = header.field_5 as Record<string, unknown> | undefined;
      if (!h || !isCount(h.field_1) || !isCount(h.field_2) || !isCount(h.field_3) || !isCount(h.field_4)) {
        return fail('corrupt data page header');
      }
      if (needsDictionary(h.field_2)) fail('a dictionary-encoded data page without a dictionary page');
      if (misencoded(h.field_2)) fail(`an RLE-encoded data page in a ${meta.type} column`);
      checkCompressed(bodyStart, bodyEnd, uncompressed);
      values += h.field_1;
    } else if (type === 3) {
      const h = header.field_8 as Record<string, unknown> | undefined;
      const fields = [h?.field_1, h?.field_2, h?.field_3, h?.field_4, h?.field_5, h?.field_6];
      if (!h || !fields.every(isCount)) return fail('corrupt data page (v2) header');
      const [count, nulls, rows, , defLength, repLength] = fields;
      if (
        nulls! > count! ||
        (!repeated.is && rows !== count) ||
        rows! > count! ||
        defLength! + repLength! > Math.min(compressed, uncompressed)
      ) {
        fail('inconsistent data page (v2) header');
      }
      if (needsDictionary(h.field_4)) fail('a dictionary-encoded data page without a dictionary page');
      if (misencoded(h.field_4)) fail(`an RLE-encoded data page in a ${meta.type} column`);
      // A v2 page says twice which values are null: its num_nulls (num_values - num_nulls values
      // fill its data section) and its definition levels. hyparquet reads num_values - num_nulls
      // values and the levels place them, so a num_nulls above the levels' nulls made it read too
      // few values and give null where the levels say a value is present (and the columnar reader
      // the values): the two statements must agree, or the page is corrupt.
      if (maxDefinition !== undefined && count! <= valueCount) {
        const levelsStart = bodyStart + repLength!;
        const found = nullLevels(bytes, levelsStart, levelsStart + defLength!, count!, maxDefinition);
        if (typeof found === 'string')
          fail(`corrupt definition levels in a data page (v2): ${found}`, levelsStart);
        if (found !== nulls) {
          fail(`a data page (v2) declares ${nulls} nulls; its definition levels hold ${found}`);
        }
      }
      // Levels of a v2 page are never compressed; the rest is unless is_compressed is false.
      const levels = defLength! + repLength!;
      if (h.field_7 !== false) checkCompressed(bodyStart + levels, bodyEnd, uncompressed - levels);
      values += count!;
    } else if (type === 2) {
      dictionary = true;
      const h = header.field_7 as Record<string, unknown> | undefined;
      if (!h || !isCount(h.field_1) || !isCount(h.field_2)) return fail('corrupt dictionary page header');
      if (h.field_1 > valueCount) fail(`a dictionary of ${h.field_1} values for ${valueCount} values`);
      checkCompressed(bodyStart, bodyEnd, uncompressed);
    } else if (type !== 1) {
      fail(`unknown page type ${String(type)}`);
    }
    if (values > valueCount) fail(`pages hold more values than the chunk's ${valueCount}`);
    offset = bodyEnd;
  }
  if (values !== valueCount) {
    fail(
      repeated.is
        ? `pages hold ${values} values; the chunk declares ${valueCount}`
        : `pages hold ${values} values; the row group has ${groupRows} rows`,
    );
  }
}

/**
 * How many of `count` definition levels in bytes[start, end) are below `max` (null at some level),
 * or why they cannot be decoded. A required column (max 0) stores no levels: none is null.
 */
function nullLevels(
  bytes: Uint8Array,
  start: number,
  end: number,
  count: number,
  max: number,
): number | string {
  if (max === 0) return 0;
  const levels = max > 255 ? new Int32Array(count) : new Uint8Array(count);
  try {
    hybrid(bytes, start, end, 32 - Math.clz32(max), count, levels);
  } catch (e) {
    return messageOf(e);
  }
  let nulls = 0;
  for (let i = 0; i < count; i++) if (levels[i]! < max) nulls++;
  return nulls;
}

const PARSERS: Partial<ParquetParsers> = {
  // Counts stay bigints (exact) and days stay numbers: the reader formats them itself.
  timestampFromMilliseconds: (v) => v,
  timestampFromMicroseconds: (v) => v,
  timestampFromNanoseconds: (v) => v,
  dateFromDays: (v) => v,
  stringFromBytes: (bytes) => bytes && utf8.decode(bytes),
  jsonFromBytes: (bytes) => bytes,
  geometryFromBytes: (bytes) => bytes,
  geographyFromBytes: (bytes) => bytes,
};

/** Decoded values of the requested top-level columns of one row group, one entry per row. */
export async function readRowGroup(
  source: ByteSource,
  opened: OpenedParquet,
  g: number,
  groupStart: number,
  groupRows: number,
  topLevel: readonly string[],
): Promise<Map<string, unknown[]>> {
  const data = new Map<string, unknown[]>(topLevel.map((name) => [name, new Array<unknown>(groupRows)]));
  const filled = new Map<string, number>(topLevel.map((name) => [name, 0]));
  try {
    await parquetRead({
      file: opened.file,
      metadata: opened.decoding,
      columns: [...topLevel],
      rowStart: groupStart,
      rowEnd: groupStart + groupRows,
      utf8: false,
      geoparquet: false,
      parsers: PARSERS,
      compressors: boundedDecompressors,
      onChunk: ({ columnName, columnData, rowStart }) => {
        const values = data.get(columnName);
        if (!values) return;
        const offset = rowStart - groupStart;
        for (let i = 0; i < columnData.length; i++) {
          const at = offset + i;
          if (at >= 0 && at < groupRows) values[at] = columnData[i];
        }
        filled.set(columnName, filled.get(columnName)! + columnData.length);
      },
    });
  } catch (e) {
    if (typeof e === 'object' && e !== null && sourceErrors.has(e)) throw e;
    const why = e instanceof PageSizeError ? `a page is a decompression bomb: ${e.message}` : messageOf(e);
    throw new FormatError(`${source.name}: row group ${g} cannot be decoded: ${why}`);
  }
  for (const [key, count] of filled) {
    if (count < groupRows) {
      throw shortColumnError(source, opened, g, [key], count, groupRows);
    }
  }
  return data;
}

/**
 * A column (by its keys in the decoding metadata) of which fewer values were decoded than its row
 * group has rows. The page checks make this unreachable for a file they passed; the message still
 * names the column by its schema path, as the file's writer knows it, not by its internal key.
 */
export function shortColumnError(
  source: ByteSource,
  opened: Pick<OpenedParquet, 'leaves'>,
  g: number,
  keys: readonly string[],
  count: number,
  groupRows: number,
): FormatError {
  const depth = keys.length;
  const leaf = opened.leaves.find((l) => l.keys.length >= depth && keys.every((k, i) => l.keys[i] === k));
  const name = leaf ? leaf.path.slice(0, depth).join('.') : keys.join('.');
  return new FormatError(
    `${source.name}: row group ${g}, column ${name}: ${count} values decoded, the footer says ${groupRows}`,
  );
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The value of a struct field: null when the struct (or any enclosing one) is null. */
export function pick(value: unknown, path: readonly string[]): unknown {
  let v = value;
  for (let i = 1; i < path.length && v !== null && v !== undefined; i++) {
    v = (v as Record<string, unknown>)[path[i]!];
  }
  return v;
}

/** Cells of selected columns: scalars by their kind, nested columns as JSON text. */
export function cellConverter(
  keyOf: (element: SchemaElement) => string,
  maxField: number,
): (leaf: Leaf, v: unknown) => RawCell {
  const kinds = new Map<SchemaElement, ParquetLeafKind>();
  const leafCell = (element: SchemaElement, v: unknown): RawCell => {
    let kind = kinds.get(element);
    if (!kind) kinds.set(element, (kind = parquetLeafKind(element, element.name)));
    return scalarCell(kind, v, maxField);
  };
  const nested = { keyOf, leafCell, maxLength: maxField };
  return (leaf, v) => {
    if (v === null || v === undefined) return null;
    const { kind } = leaf;
    if (kind.kind === 'json') return parquetNestedJson(leaf.node, v, nested);
    if (kind.kind === 'unsupported') throw new Error(kind.reason);
    return scalarCell(kind, v, maxField);
  };
}

function scalarCell(kind: ParquetLeafKind, v: unknown, maxField: number): RawCell {
  if (v === null || v === undefined) return null;
  switch (kind.kind) {
    case 'decimal': {
      const unscaled =
        typeof v === 'bigint'
          ? v
          : typeof v === 'number'
            ? BigInt(v)
            : v instanceof Uint8Array
              ? bigEndianSigned(v)
              : unexpected(v);
      return decimalText(unscaled, kind.scale);
    }
    case 'date':
      return typeof v === 'number' ? formatDate(v) : unexpected(v);
    case 'timestamp':
      return typeof v === 'bigint' || typeof v === 'number'
        ? timestampText(BigInt(v), kind.unit, kind.utc)
        : unexpected(v);
    case 'integer':
      return typeof v === 'bigint' ? int64Cell(v) : typeof v === 'number' ? v : unexpected(v);
    case 'float':
      return typeof v === 'number' ? v : unexpected(v);
    case 'boolean':
      return typeof v === 'boolean' ? v : unexpected(v);
    case 'text': {
      const text = typeof v === 'string' ? v : v instanceof Uint8Array ? utf8.decode(v) : unexpected(v);
      if (text.length > maxField) throw new Error(`a value of ${text.length} characters exceeds ${maxField}`);
      return text;
    }
    case 'binary': {
      const text = v instanceof Uint8Array ? base64(v) : unexpected(v);
      if (text.length > maxField) throw new Error(`a value of ${text.length} characters exceeds ${maxField}`);
      return text;
    }
    case 'interval':
      return v instanceof Uint8Array ? intervalText(v) : unexpected(v);
  }
}

function unexpected(v: unknown): never {
  throw new Error(`unexpected decoded value ${typeof v}`);
}
