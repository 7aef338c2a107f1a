/**
 * Arrow IPC reader (apache-arrow) for both encapsulations, stream and file ('ARROW1' magic): both
 * are read from `source.stream()` one record batch at a time (the file format's body is a stream;
 * only its footer's schema is fetched by random access), so memory is bounded by one record batch.
 *
 * Values are read from the column buffers, not through Arrow's getters (which turn 64-bit
 * timestamps into float milliseconds and ignore decimal scales): int64 as number when exact else
 * bigint, dates and timestamps as exact text, decimals as exact text, binary as base64. Timestamps
 * with a time zone are instants ('Z'); zone-less ones are local and get no zone, so the contract's
 * `zone` says what they mean. Structs are flattened to dotted names; lists, maps, unions and
 * intervals are rejected with a FormatError.
 *
 * Bounds: every message's metadata is walked with bounds before apache-arrow sees it, and a record
 * batch may declare at most `maxRecordBatchRows` rows (a Null column holds any count in no bytes:
 * 2e9 rows in 240 bytes ran for ever); columns with buffers are held to them (checkBuffers).
 */
import {
  DataType,
  DateUnit,
  makeVector,
  Precision,
  RecordBatchReader,
  RecordBatchStreamWriter,
  TimeUnit,
  Type,
  type Data,
  type Field,
  type RecordBatch as ArrowBatch,
  type Schema,
  type Vector,
} from 'apache-arrow';

import { Footer } from 'apache-arrow/ipc/metadata/file';

import { NAIVE_ZONE } from '../contracts/output-contract';
import { FormatError } from '../errors';
import type { ByteSource } from './byte-io';
import { base64, decimalText, int64Cell, timestampText, utf8, type InferredColumn } from './parquet-types';
import type { RawCell, RecordBatch } from './record-batch';
import type { ReaderLimits } from './table-io';
import { formatDate } from '../contracts/typed-values';

export interface ArrowReadOptions extends ReaderLimits {
  /** Leaf columns to read (dotted names for struct fields), in this order; all when absent. */
  readonly columns?: readonly string[];
  /**
   * Of an IPC file whose footer lists consistent blocks (arrowFileBlocks), only record batches
   * [start, end) in footer order, after every dictionary batch; rows numbered from 1 within them.
   */
  readonly recordBatches?: { readonly start: number; readonly end: number };
}

/** A message of an IPC file as its footer lists it: bytes [offset, offset + length). */
export interface ArrowBlock {
  readonly offset: number;
  readonly length: number;
}

export interface ArrowFileBlocks {
  readonly dictionaries: readonly ArrowBlock[];
  readonly recordBatches: readonly ArrowBlock[];
}

const DEFAULT_BATCH_SIZE = 10_000;
/**
 * Rows one record batch (or dictionary batch) may declare. Writers cut batches far below this
 * (pyarrow's default chunks are 1Mi rows at most when converting, Arrow C++ 64Ki); a batch of Null
 * columns costs nothing to store and one loop step per row to read.
 */
export const DEFAULT_MAX_RECORD_BATCH_ROWS = 10_000_000;
const FILE_MAGIC = 'ARROW1';
/** A first message larger than this is not a schema: the bytes are not Arrow. */
const MAX_SCHEMA_BYTES = 64 << 20;
const DAY_MS = 86_400_000n;

type Convert = (data: Data, i: number) => RawCell;

interface Leaf {
  readonly name: string;
  /** Child indexes from the record batch down to the leaf. */
  readonly path: readonly number[];
  readonly field: Field;
  readonly convert: Convert;
}

/**
 * Reads an Arrow IPC stream or file as record batches of at most `batchSize` rows.
 *
 * @example
 * for await (const batch of readArrow(source)) validate(batch);
 */
export async function* readArrow(
  source: ByteSource,
  options: ArrowReadOptions = {},
): AsyncGenerator<RecordBatch> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer`);
  }
  const maxField = options.maxFieldLength ?? Infinity;
  const maxRows = options.maxRecordBatchRows ?? DEFAULT_MAX_RECORD_BATCH_ROWS;
  if (!(maxRows >= 0) || (!Number.isInteger(maxRows) && maxRows !== Infinity)) {
    throw new RangeError(`maxRecordBatchRows must be a non-negative integer`);
  }
  const reader = await openArrow(source, maxRows, options.recordBatches);
  const leaves = selectLeaves(source, leavesOf(reader.schema, source.name), options.columns);
  const columns = leaves.map((l) => l.name);
  let firstRow = 1;
  let index = 0;
  let yielded = false;
  const batches = reader[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<ArrowBatch>;
    try {
      next = await batches.next();
    } catch (e) {
      throw wrap(e, `${source.name}: Arrow record batch ${index} cannot be read`);
    }
    if (next.done) break;
    const batch = next.value;
    if (batch.numRows === 0) {
      index++;
      continue;
    }
    let located: ReturnType<typeof locate>[];
    try {
      located = leaves.map((leaf) => locate(batch, leaf));
    } catch (e) {
      throw wrap(e, `${source.name}: Arrow record batch ${index} is corrupt`);
    }
    for (let start = 0; start < batch.numRows; start += batchSize) {
      const end = Math.min(batch.numRows, start + batchSize);
      const rows: RawCell[][] = [];
      for (let i = start; i < end; i++) {
        const row = new Array<RawCell>(leaves.length);
        for (let j = 0; j < leaves.length; j++) {
          const { leaf, data, ancestors } = located[j]!;
          try {
            const cell =
              ancestors.every((a) => a.getValid(i)) && data.getValid(i) ? leaf.convert(data, i) : null;
            if (cell === undefined) throw new Error('the value lies outside its buffer');
            row[j] = cell;
            if (typeof row[j] === 'string' && (row[j] as string).length > maxField) {
              throw new Error(`a value of ${(row[j] as string).length} characters exceeds ${maxField}`);
            }
          } catch (e) {
            throw new FormatError(
              `${source.name}: Arrow record batch ${index}, row ${firstRow + i}, column ${leaf.name}: ${messageOf(e)}`,
            );
          }
        }
        rows.push(row);
      }
      yielded = true;
      yield { columns, rows, firstRow: firstRow + start };
    }
    firstRow += batch.numRows;
    index++;
  }
  // A stream of no rows (a schema alone) still declares its columns: one empty batch carries them,
  // as the CSV reader does for a header-only file, so a validator grades the schema.
  if (!yielded) yield { columns, rows: [], firstRow: 1 };
}

/** The columns of an Arrow IPC stream or file in contract terms, from its schema message. */
export async function arrowSchemaOf(source: ByteSource): Promise<InferredColumn[]> {
  const reader = await openArrow(source, DEFAULT_MAX_RECORD_BATCH_ROWS);
  const out: InferredColumn[] = [];
  const walk = (field: Field, prefix: string, nullable: boolean): void => {
    const name = prefix + field.name;
    if (DataType.isStruct(field.type)) {
      for (const child of field.type.children) walk(child, `${name}.`, nullable || field.nullable);
      return;
    }
    const column = contractColumnOf(field.type as DataType, name, nullable || field.nullable);
    const extension = extensionOf(field);
    // Arrow has UUID and JSON only as canonical extension types, named in the field's metadata.
    if (extension === 'arrow.uuid' && DataType.isFixedSizeBinary(field.type) && field.type.byteWidth === 16) {
      out.push({ ...column, physical: 'uuid' });
    } else if (extension === 'arrow.json' && column.type === 'string') {
      out.push({ ...column, physical: 'json' });
    } else out.push(column);
  };
  for (const field of reader.schema.fields) walk(field, '', false);
  await reader.cancel();
  return out;
}

// ---- opening ----

const sourceErrors = new WeakSet<object>();

function mark(e: unknown): unknown {
  if (typeof e === 'object' && e !== null) sourceErrors.add(e);
  return e;
}

function wrap(e: unknown, message: string): unknown {
  if (typeof e === 'object' && e !== null && sourceErrors.has(e)) return e;
  if (e instanceof FormatError) return e;
  return new FormatError(`${message}: ${messageOf(e)}`);
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** A source's byte stream whose own errors are marked to pass through untouched. */
async function* markedStream(source: ByteSource): AsyncGenerator<Uint8Array> {
  try {
    for await (const chunk of source.stream()) yield chunk;
  } catch (e) {
    throw mark(e);
  }
}

/** Bytes [start, end) of a stream. */
async function* window(
  stream: AsyncIterable<Uint8Array>,
  start: number,
  end: number,
): AsyncGenerator<Uint8Array> {
  let position = 0;
  for await (const chunk of stream) {
    const chunkStart = position;
    position += chunk.byteLength;
    const from = Math.max(start, chunkStart);
    const to = Math.min(end, position);
    if (from < to) yield chunk.subarray(from - chunkStart, to - chunkStart);
    if (position >= end) return;
  }
}

async function* prepend(first: Uint8Array, rest: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield first;
  yield* rest;
}

/** The first `count` bytes of a stream (fewer if it is shorter), and the stream from the start. */
async function peek(
  stream: AsyncIterator<Uint8Array>,
  count: number,
): Promise<{ head: Uint8Array; whole: AsyncIterable<Uint8Array> }> {
  const chunks: Uint8Array[] = [];
  let length = 0;
  while (length < count) {
    const next = await stream.next();
    if (next.done) break;
    chunks.push(next.value);
    length += next.value.byteLength;
  }
  const head = Buffer.concat(chunks);
  const rest = { [Symbol.asyncIterator]: () => stream };
  return { head, whole: prepend(head, rest) };
}

async function readRange(source: ByteSource, start: number, end: number): Promise<DataView> {
  try {
    const bytes = await source.readRange(start, end);
    return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  } catch (e) {
    throw mark(e);
  }
}

/**
 * The schema of an IPC file's footer, encoded as a stream's schema message. Writers differ on
 * whether the file body repeats the schema (Arrow C++ does, apache-arrow JS does not); a stream
 * reader needs it first, and a second schema message in the body just sets the same schema again.
 */
async function footerSchemaMessage(source: ByteSource, start: number, end: number): Promise<Uint8Array> {
  const footer = await readRange(source, start, end);
  let schema: Schema | undefined;
  try {
    const bytes = new Uint8Array(footer.buffer, footer.byteOffset, footer.byteLength);
    checkFooter(bytes);
    schema = Footer.decode(bytes).schema;
  } catch (e) {
    throw new FormatError(`${source.name}: corrupt Arrow file footer: ${messageOf(e)}`, {
      byteOffset: start,
    });
  }
  if (!schema || schema.fields.length === 0) {
    throw new FormatError(`${source.name}: Arrow file footer has no schema`, { byteOffset: start });
  }
  try {
    const writer = new RecordBatchStreamWriter();
    writer.reset(undefined, schema);
    return writer.toUint8Array(true);
  } catch (e) {
    // A footer can decode into a schema that cannot be encoded again (a field without a type).
    throw new FormatError(`${source.name}: corrupt Arrow file footer: ${messageOf(e)}`, {
      byteOffset: start,
    });
  }
}

/** Where the stream-format bytes of an IPC file lie, and its schema as a stream message. */
async function fileLayout(
  source: ByteSource,
): Promise<{ start: number; end: number; schemaMessage: Uint8Array }> {
  // 'ARROW1', 2 padding bytes, the stream, footer, footer length (int32), 'ARROW1'
  const size = await source.size();
  if (size < 18)
    throw new FormatError(`${source.name}: Arrow file of ${size} bytes is truncated`, { byteOffset: 0 });
  const tail = await readRange(source, size - 10, size);
  if (String.fromCharCode(...new Uint8Array(tail.buffer, tail.byteOffset + 4, 6)) !== FILE_MAGIC) {
    throw new FormatError(`${source.name}: Arrow file does not end with ARROW1: it is truncated or corrupt`, {
      byteOffset: size - 6,
    });
  }
  const footerLength = tail.getInt32(0, true);
  if (footerLength <= 0 || footerLength > size - 18) {
    throw new FormatError(`${source.name}: Arrow file footer length ${footerLength} does not fit the file`, {
      byteOffset: size - 10,
    });
  }
  const end = size - 10 - footerLength;
  return { start: 8, end, schemaMessage: await footerSchemaMessage(source, end, size - 10) };
}

/**
 * The dictionary and record batch blocks an IPC file's footer lists, in file order; null for an
 * IPC stream (no footer) or a footer whose blocks do not frame the body's messages one after
 * another (each block starting a message of its own metadata length, none overlapping, all
 * dictionaries before the first record batch). One reader of the whole file reads the body in
 * order and never trusts the blocks; a reader of some of them must, so a file whose blocks are in
 * doubt is not split.
 */
export async function arrowFileBlocks(source: ByteSource): Promise<ArrowFileBlocks | null> {
  const head = await source.readRange(0, 6);
  if (Buffer.from(head).toString('latin1') !== FILE_MAGIC) return null;
  const size = await source.size();
  const layout = await fileLayout(source);
  const bytes = await source.readRange(layout.end, size - 10);
  let footer: Footer;
  try {
    checkFooter(bytes);
    footer = Footer.decode(bytes);
  } catch {
    return null;
  }
  const blocks = (list: Iterable<{ offset: number; metaDataLength: number; bodyLength: number }>) =>
    [...list].map((b) => ({
      offset: Number(b.offset),
      metaDataLength: Number(b.metaDataLength),
      length: Number(b.metaDataLength) + Number(b.bodyLength),
    }));
  const dictionaries = blocks(footer.dictionaryBatches());
  const recordBatches = blocks(footer.recordBatches());
  // The body is the blocks back to back: before the first, at most one message without a body
  // (the schema, which Arrow C++ repeats there); after the last, at most the end-of-stream marker.
  // Bytes anywhere else could hold a record batch the footer does not list, which one reader of
  // the whole file would read and a reader of blocks would miss.
  const all = [...dictionaries, ...recordBatches];
  if (all.length === 0) return null;
  const first = all[0]!.offset;
  if (first !== layout.start) {
    const prefix = await readRange(source, layout.start, Math.min(first, layout.start + 8));
    if (prefix.byteLength < 8) return null;
    const continued = prefix.getInt32(0, true) === -1;
    const length = continued ? prefix.getInt32(4, true) : prefix.getInt32(0, true);
    if (layout.start + (continued ? 8 : 4) + length !== first) return null;
  }
  let next = first;
  for (const b of all) {
    if (!(
      Number.isSafeInteger(b.offset) &&
      b.offset === next &&
      b.metaDataLength >= 8 &&
      b.length <= layout.end - b.offset
    )) {
      return null;
    }
    // The block starts a message: the continuation marker (or none, before format 0.15) and a
    // metadata length that, with its prefix and padding, is the block's metadata length.
    const prefix = await readRange(source, b.offset, b.offset + 8);
    const continued = prefix.getInt32(0, true) === -1;
    const length = continued ? prefix.getInt32(4, true) : prefix.getInt32(0, true);
    if (length + (continued ? 8 : 4) !== b.metaDataLength) return null;
    next = b.offset + b.length;
  }
  if (![0, 4, 8].includes(layout.end - next)) return null;
  const strip = (list: typeof dictionaries): ArrowBlock[] =>
    list.map(({ offset, length }) => ({ offset, length }));
  return { dictionaries: strip(dictionaries), recordBatches: strip(recordBatches) };
}

/** The bytes of blocks, in order, with ranged reads of at most a mebibyte. */
async function* blockBytes(source: ByteSource, blocks: readonly ArrowBlock[]): AsyncGenerator<Uint8Array> {
  for (const b of blocks) {
    for (let at = b.offset; at < b.offset + b.length; at += 1 << 20) {
      // Through readRange, whose errors are the source's own (marked), never read as corrupt data.
      const view = await readRange(source, at, Math.min(b.offset + b.length, at + (1 << 20)));
      if (view.byteLength === 0) return;
      yield new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    }
  }
}

/**
 * Opens a reader over the IPC stream. The stream format needs nothing but `source.stream()` (so a
 * gunzipping stream works). The file format is the stream format between a leading 'ARROW1' and a
 * trailing footer, so it is read the same way, from its bytes in order, after the footer's schema
 * (random access): apache-arrow's random-access file reader trusts the footer's block offsets and
 * loops forever on a block that points at a message other than a record batch.
 */
async function openArrow(
  source: ByteSource,
  maxRows: number,
  recordBatches?: { readonly start: number; readonly end: number },
): Promise<RecordBatchReader> {
  if (recordBatches) {
    const blocks = await arrowFileBlocks(source);
    if (!blocks)
      throw new FormatError(
        `${source.name}: only an Arrow IPC file with consistent blocks is read in ranges`,
      );
    const layout = await fileLayout(source);
    const selected = [
      ...blocks.dictionaries,
      ...blocks.recordBatches.slice(recordBatches.start, recordBatches.end),
    ];
    try {
      const reader = await RecordBatchReader.from(
        checkedMessages(prepend(layout.schemaMessage, blockBytes(source, selected)), source.name, maxRows),
      );
      await reader.open();
      return reader;
    } catch (e) {
      throw wrap(
        e,
        `${source.name}: Arrow record batches ${recordBatches.start}-${recordBatches.end} cannot be read`,
      );
    }
  }
  const stream = markedStream(source);
  let reader: RecordBatchReader | undefined;
  try {
    const { head, whole } = await peek(stream, 8);
    if (head.byteLength === 0) {
      throw new FormatError(`${source.name}: empty file is not Arrow IPC data`, { byteOffset: 0 });
    }
    const isFile = head.byteLength >= 6 && Buffer.from(head.subarray(0, 6)).toString('latin1') === FILE_MAGIC;
    let body = whole;
    let start = 0;
    if (isFile) {
      const layout = await fileLayout(source);
      start = layout.start;
      body = prepend(layout.schemaMessage, window(whole, layout.start, layout.end));
    } else if (head.byteLength >= 8) {
      // The first message's length (after the 0xFFFFFFFF continuation marker of format >= 0.15):
      // a schema message takes bytes or kilobytes; garbage read as a length asks for gigabytes.
      const prefix = new DataView(head.buffer, head.byteOffset, 8);
      const length = prefix.getInt32(0, true) === -1 ? prefix.getInt32(4, true) : prefix.getInt32(0, true);
      if (length < 0 || length > MAX_SCHEMA_BYTES) {
        throw new FormatError(`${source.name}: not Arrow IPC data (a first message of ${length} bytes)`, {
          byteOffset: 0,
        });
      }
    }
    try {
      reader = await RecordBatchReader.from(checkedMessages(body, source.name, maxRows));
      await reader.open();
    } catch (e) {
      throw wrap(e, `${source.name}: not a readable Arrow IPC ${isFile ? 'file' : 'stream'}`);
    }
    // apache-arrow reads some garbage as an empty stream rather than failing: a schema is the proof.
    if (!reader.schema || reader.schema.fields.length === 0) {
      throw new FormatError(`${source.name}: not Arrow IPC data (no schema message at the start)`, {
        byteOffset: start,
      });
    }
    return reader;
  } catch (e) {
    await stream.return(undefined); // release the source's stream (an S3 body holds a socket)
    throw e;
  }
}

// ---- IPC message checks ----
//
// apache-arrow decodes message metadata (flatbuffers) without bounds checks: a corrupt vector
// length makes it build millions of fields or buffers, and a corrupt body length makes it buffer
// the rest of the stream. Every message is therefore framed and its metadata walked here, with
// bounds, before apache-arrow sees it; bodies stream through without being held.

/** Message metadata above this is corrupt (schemas and batch headers take kilobytes). */
const MAX_METADATA_BYTES = 64 << 20;
/** A record batch body above this is treated as corrupt: Lambda memory could not hold it anyway. */
const MAX_BODY_BYTES = 2 ** 31;
const MAX_NESTING = 64;

/** A bounds-checked reader of one flatbuffer. */
class Flatbuffer {
  private readonly view: DataView;
  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private at(position: number, size: number): number {
    if (!(position >= 0 && position + size <= this.bytes.byteLength))
      throw new Error('metadata offset out of bounds');
    return position;
  }
  root(): number {
    return this.offset(0);
  }
  /** The target of the offset stored at `position`. */
  offset(position: number): number {
    return this.at(position + this.view.getUint32(this.at(position, 4), true), 1);
  }
  /** Where field `index` of the table at `table` is stored, or undefined when absent. */
  field(table: number, index: number): number | undefined {
    const vtable = this.at(table - this.view.getInt32(this.at(table, 4), true), 4);
    const vtableSize = this.view.getUint16(vtable, true);
    if (4 + 2 * index + 2 > vtableSize) return undefined;
    const relative = this.view.getUint16(this.at(vtable + 4 + 2 * index, 2), true);
    return relative === 0 ? undefined : this.at(table + relative, 1);
  }
  /** A vector field: where its elements start and how many, checked to fit the buffer. */
  vector(table: number, index: number, elementSize: number): { start: number; length: number } {
    const position = this.field(table, index);
    if (position === undefined) return { start: 0, length: 0 };
    const vector = this.offset(position);
    const length = this.view.getUint32(this.at(vector, 4), true);
    this.at(vector + 4, length * elementSize);
    return { start: vector + 4, length };
  }
  table(table: number, index: number): number | undefined {
    const position = this.field(table, index);
    return position === undefined ? undefined : this.offset(position);
  }
  uint8(table: number, index: number): number {
    const position = this.field(table, index);
    return position === undefined ? 0 : this.view.getUint8(position);
  }
  int64(table: number, index: number): bigint {
    const position = this.field(table, index);
    return position === undefined ? 0n : this.view.getBigInt64(this.at(position, 8), true);
  }
}

/** Walks a Schema table: fields, their children and metadata, with bounds and a depth limit. */
function checkSchema(fb: Flatbuffer, schema: number): void {
  const walk = (table: number, vectorIndex: number, depth: number): void => {
    if (depth > MAX_NESTING) throw new Error('fields nested too deeply');
    const { start, length } = fb.vector(table, vectorIndex, 4);
    for (let i = 0; i < length; i++) {
      const field = fb.offset(start + 4 * i);
      fb.vector(field, 6, 4); // custom metadata
      fb.table(field, 3); // type
      walk(field, 5, depth + 1); // children
    }
  };
  walk(schema, 1, 0);
  fb.vector(schema, 2, 4);
}

/** A batch declaring more rows than the stated limit: a limit, not corruption. */
class RowLimitError extends Error {
  constructor(
    message: string,
    readonly dictionary: boolean,
  ) {
    super(message);
  }
}

function checkRecordBatch(fb: Flatbuffer, batch: number, maxRows: number, dictionary = false): void {
  const rows = fb.int64(batch, 0);
  if (rows < 0n) throw new Error('negative row count');
  if (maxRows !== Infinity && rows > BigInt(maxRows)) {
    throw new RowLimitError(
      `declares ${rows} rows, above the limit of ${maxRows} (maxRecordBatchRows)`,
      dictionary,
    );
  }
  fb.vector(batch, 1, 16); // field nodes
  fb.vector(batch, 2, 16); // buffers
  fb.vector(batch, 4, 8); // variadic buffer counts
}

/** Checks one message's metadata and returns its body length. */
function checkMessage(metadata: Uint8Array, maxRows: number): { type: number; bodyLength: number } {
  const fb = new Flatbuffer(metadata);
  const message = fb.root();
  fb.vector(message, 4, 4); // custom metadata
  const header = fb.table(message, 2);
  const type = fb.uint8(message, 1);
  if (header !== undefined) {
    if (type === 1) checkSchema(fb, header);
    else if (type === 3) checkRecordBatch(fb, header, maxRows);
    else if (type === 2) {
      const data = fb.table(header, 1);
      if (data !== undefined) checkRecordBatch(fb, data, maxRows, true);
    }
  }
  const bodyLength = fb.int64(message, 3);
  if (bodyLength < 0n || bodyLength > BigInt(MAX_BODY_BYTES))
    throw new Error(`a message body of ${bodyLength} bytes`);
  return { type, bodyLength: Number(bodyLength) };
}

/** Checks a file footer: its schema and its block vectors. */
function checkFooter(footer: Uint8Array): void {
  const fb = new Flatbuffer(footer);
  const root = fb.root();
  const schema = fb.table(root, 1);
  if (schema === undefined) throw new Error('no schema');
  checkSchema(fb, schema);
  fb.vector(root, 2, 24);
  fb.vector(root, 3, 24);
}

/** Pulls exact byte counts from a chunk stream. */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private buffered = 0;
  private done = false;
  constructor(private readonly source: AsyncIterator<Uint8Array>) {}
  private async fill(count: number): Promise<void> {
    while (this.buffered < count && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else if (next.value.byteLength > 0) {
        this.chunks.push(next.value);
        this.buffered += next.value.byteLength;
      }
    }
  }
  /** Exactly `count` bytes, or fewer at the end of the stream. */
  async read(count: number): Promise<Uint8Array> {
    await this.fill(count);
    const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const out = all.subarray(0, Math.min(count, all.byteLength));
    const rest = all.subarray(out.byteLength);
    this.chunks = rest.byteLength > 0 ? [rest] : [];
    this.buffered = rest.byteLength;
    return out;
  }
  /** Up to `count` bytes, at least one unless the stream ended: for passing bodies through. */
  async readSome(count: number): Promise<Uint8Array> {
    await this.fill(1);
    const first = this.chunks[0];
    if (!first) return new Uint8Array(0);
    const out = first.subarray(0, Math.min(count, first.byteLength));
    if (out.byteLength === first.byteLength) this.chunks.shift();
    else this.chunks[0] = first.subarray(out.byteLength);
    this.buffered -= out.byteLength;
    return out;
  }
}

/** The IPC stream, message by message, each checked before it is passed on. */
async function* checkedMessages(
  stream: AsyncIterable<Uint8Array>,
  file: string,
  maxRows: number,
): AsyncGenerator<Uint8Array> {
  const queue = new ByteQueue(stream[Symbol.asyncIterator]());
  let offset = 0;
  let batches = 0;
  for (let index = 0; ; index++) {
    let what = `message ${index}`;
    const fail = (why: string): never => {
      throw new FormatError(`${file}: Arrow ${what} is corrupt: ${why}`, { byteOffset: offset });
    };
    let prefix = await queue.read(4);
    if (prefix.byteLength === 0) return;
    if (prefix.byteLength < 4) fail('the stream ends inside a length prefix');
    let length = new DataView(prefix.buffer, prefix.byteOffset, 4).getInt32(0, true);
    if (length === -1) {
      const next = await queue.read(4);
      if (next.byteLength < 4) fail('the stream ends inside a length prefix');
      length = new DataView(next.buffer, next.byteOffset, 4).getInt32(0, true);
      prefix = Buffer.concat([prefix, next]);
    }
    yield prefix;
    if (length === 0) return; // end-of-stream marker
    if (length < 0 || length > MAX_METADATA_BYTES) fail(`a metadata length of ${length}`);
    const metadata = await queue.read(length);
    if (metadata.byteLength < length) fail('the stream ends inside message metadata');
    let message = { type: 0, bodyLength: 0 };
    try {
      message = checkMessage(metadata, maxRows);
    } catch (e) {
      if (e instanceof RowLimitError) {
        const which = e.dictionary ? 'dictionary batch' : `record batch ${batches}`;
        throw new FormatError(
          `${file}: Arrow ${which} ${e.message}: write smaller batches or raise the limit`,
          {
            byteOffset: offset,
          },
        );
      }
      fail(messageOf(e));
    }
    if (message.type === 3) what = `record batch ${batches++}`;
    yield metadata;
    offset += prefix.byteLength + length;
    for (let left = message.bodyLength; left > 0;) {
      const chunk = await queue.readSome(left);
      if (chunk.byteLength === 0) fail('the stream ends inside its body (the data is truncated)');
      left -= chunk.byteLength;
      yield chunk;
    }
    offset += message.bodyLength;
  }
}

// ---- columns ----

function leavesOf(schema: Schema, file: string): Leaf[] {
  const leaves: Leaf[] = [];
  const walk = (field: Field, path: number[], prefix: string): void => {
    const name = prefix + field.name;
    if (DataType.isStruct(field.type)) {
      field.type.children.forEach((child, k) => walk(child, [...path, k], `${name}.`));
      return;
    }
    const convert =
      extensionOf(field) === 'arrow.uuid' &&
      DataType.isFixedSizeBinary(field.type) &&
      field.type.byteWidth === 16
        ? uuidConverter
        : converterOf(field.type as DataType, name, file);
    leaves.push({ name, path, field, convert });
  };
  schema.fields.forEach((field, k) => walk(field, [k], ''));
  return leaves;
}

function selectLeaves(
  source: ByteSource,
  leaves: readonly Leaf[],
  columns: readonly string[] | undefined,
): Leaf[] {
  if (columns === undefined) return [...leaves];
  return columns.map((name) => {
    const leaf = leaves.find((l) => l.name === name);
    if (!leaf) {
      throw new FormatError(
        `${source.name}: Arrow data has no column ${name} (it has ${leaves.map((l) => l.name).join(', ')})`,
      );
    }
    return leaf;
  });
}

/**
 * The leaf's buffers in this batch, and the structs above it (whose nulls make it null), checked
 * to hold `numRows` values: a corrupt batch length would otherwise read past its buffers.
 */
function locate(batch: ArrowBatch, leaf: Leaf): { leaf: Leaf; data: Data; ancestors: Data[] } {
  const ancestors: Data[] = [];
  let data: Data = batch.data;
  for (const k of leaf.path) {
    if (data !== batch.data) ancestors.push(data);
    const child = data.children[k];
    if (!child) throw new Error(`column ${leaf.name} has no buffers`);
    data = child;
  }
  for (const d of [...ancestors, data]) checkBuffers(d, batch.numRows, leaf.name);
  return { leaf, data, ancestors };
}

function checkBuffers(data: Data, rows: number, name: string): void {
  const fail = (what: string): never => {
    throw new Error(`column ${name}: ${what} buffer is too short for ${rows} rows`);
  };
  if (data.length < rows) fail('the');
  const bits = data.offset + rows;
  if (
    data.nullCount !== 0 &&
    data.nullBitmap &&
    data.nullBitmap.length > 0 &&
    data.nullBitmap.length * 8 < bits
  ) {
    fail('the validity');
  }
  const { type } = data;
  if (
    DataType.isStruct(type) ||
    DataType.isNull(type) ||
    DataType.isUtf8View(type) ||
    DataType.isBinaryView(type)
  ) {
    return;
  }
  const values = data.values as ArrayLike<unknown> | undefined;
  if (DataType.isBool(type)) {
    if ((values?.length ?? 0) * 8 < bits) fail('the value');
  } else if (
    DataType.isUtf8(type) ||
    DataType.isLargeUtf8(type) ||
    DataType.isBinary(type) ||
    DataType.isLargeBinary(type)
  ) {
    if (((data.valueOffsets as ArrayLike<unknown> | undefined)?.length ?? 0) < rows + 1) fail('the offsets');
  } else if ((values?.length ?? 0) < rows * data.stride) {
    fail('the value');
  }
}

function unsupported(type: DataType, name: string, file: string): never {
  throw new FormatError(
    `${file}: Arrow column ${name} has type ${Type[type.typeId]}; only scalar columns and structs ` +
      `(read as dotted names) can be read as rows`,
  );
}

function bytesAt(data: Data, i: number): Uint8Array {
  const offsets = data.valueOffsets as Int32Array | BigInt64Array;
  const values = data.values as Uint8Array;
  const start = Number(offsets[i]);
  const end = Number(offsets[i + 1]);
  if (!(start >= 0 && start <= end && end <= values.length)) {
    throw new Error(`value offsets ${start}..${end} are corrupt`);
  }
  return values.subarray(start, end);
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function float16(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Cells of a whole dictionary, computed once per dictionary vector. */
const dictionaryCells = new WeakMap<Vector, RawCell[]>();

function converterOf(type: DataType, name: string, file: string): Convert {
  if (DataType.isNull(type)) return () => null;
  if (DataType.isInt(type)) {
    return type.bitWidth === 64
      ? (d, i) => int64Cell(BigInt((d.values as BigInt64Array)[i]!))
      : (d, i) => (d.values as ArrayLike<number>)[i]!;
  }
  if (DataType.isFloat(type)) {
    return type.precision === Precision.HALF
      ? (d, i) => float16((d.values as Uint16Array)[i]!)
      : (d, i) => (d.values as ArrayLike<number>)[i]!;
  }
  if (DataType.isBool(type)) {
    return (d, i) => {
      const at = d.offset + i;
      return ((d.values as Uint8Array)[at >> 3]! & (1 << (at & 7))) !== 0;
    };
  }
  if (DataType.isUtf8(type) || DataType.isLargeUtf8(type)) return (d, i) => utf8.decode(bytesAt(d, i));
  if (DataType.isBinary(type) || DataType.isLargeBinary(type)) return (d, i) => base64(bytesAt(d, i));
  if (DataType.isFixedSizeBinary(type)) {
    const width = type.byteWidth;
    return (d, i) => base64((d.values as Uint8Array).subarray(i * width, (i + 1) * width));
  }
  if (DataType.isUtf8View(type) || DataType.isBinaryView(type)) {
    const vectors = new WeakMap<Data, Vector>();
    const text = DataType.isUtf8View(type);
    return (d, i) => {
      let v = vectors.get(d);
      if (!v) vectors.set(d, (v = makeVector(d)));
      const value: unknown = v.get(i);
      return text ? (value as string) : base64(value as Uint8Array);
    };
  }
  if (DataType.isDecimal(type)) {
    const words = type.bitWidth / 32;
    const { scale, precision } = type;
    if (![1, 2, 4, 8].includes(words) || !(precision >= 1 && precision <= 76 && Math.abs(scale) <= 76)) {
      throw new FormatError(
        `${file}: Arrow column ${name} has an invalid decimal type (${precision}, ${scale})`,
      );
    }
    return (d, i) => {
      const values = d.values as Uint32Array;
      let x = 0n;
      for (let w = words - 1; w >= 0; w--) x = (x << 32n) | BigInt(values[i * words + w]!);
      return decimalText(BigInt.asIntN(type.bitWidth, x), scale);
    };
  }
  if (DataType.isDate(type)) {
    return type.unit === DateUnit.DAY
      ? (d, i) => formatDate((d.values as Int32Array)[i]!)
      : (d, i) => formatDate(Number(floorDiv(BigInt((d.values as BigInt64Array)[i]!), DAY_MS)));
  }
  if (DataType.isTimestamp(type)) {
    const utc = type.timezone !== null && type.timezone !== undefined && type.timezone !== '';
    switch (type.unit) {
      case TimeUnit.SECOND:
        return (d, i) => timestampText(BigInt((d.values as BigInt64Array)[i]!) * 1000n, 'ms', utc);
      case TimeUnit.MILLISECOND:
        return (d, i) => timestampText(BigInt((d.values as BigInt64Array)[i]!), 'ms', utc);
      case TimeUnit.MICROSECOND:
        return (d, i) => timestampText(BigInt((d.values as BigInt64Array)[i]!), 'us', utc);
      case TimeUnit.NANOSECOND:
        return (d, i) => timestampText(BigInt((d.values as BigInt64Array)[i]!), 'ns', utc);
    }
  }
  if (DataType.isTime(type) || DataType.isDuration(type)) {
    return (d, i) => {
      const v = (d.values as ArrayLike<number | bigint>)[i];
      return typeof v === 'bigint' ? int64Cell(v) : (v as number);
    };
  }
  if (DataType.isDictionary(type)) {
    const valueConvert = converterOf(type.dictionary as DataType, name, file);
    return (d, i) => {
      const dictionary = d.dictionary!;
      let cells = dictionaryCells.get(dictionary);
      if (!cells) {
        cells = [];
        for (const chunk of dictionary.data as Data[]) {
          checkBuffers(chunk, chunk.length, name);
          for (let k = 0; k < chunk.length; k++)
            cells.push(chunk.getValid(k) ? valueConvert(chunk, k) : null);
        }
        dictionaryCells.set(dictionary, cells);
      }
      const key = Number((d.values as ArrayLike<number | bigint>)[i]);
      if (!(key >= 0 && key < cells.length)) throw new Error(`dictionary index ${key} is out of range`);
      return cells[key]!;
    };
  }
  return unsupported(type, name, file);
}

function extensionOf(field: Field): string | undefined {
  return field.metadata.get('ARROW:extension:name');
}

/** A UUID (the arrow.uuid extension, 16 fixed bytes) as its canonical text, as Parquet's UUID reads. */
const uuidConverter: Convert = (d, i) => {
  const hex = Buffer.from((d.values as Uint8Array).subarray(i * 16, i * 16 + 16)).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
};

function contractColumnOf(type: DataType, name: string, nullable: boolean): InferredColumn {
  const base = { name, nullable };
  if (DataType.isDictionary(type)) return contractColumnOf(type.dictionary as DataType, name, nullable);
  if (DataType.isInt(type)) {
    if (type.bitWidth === 64) {
      return type.isSigned
        ? { ...base, type: 'int64' }
        : { ...base, type: 'decimal', precision: 20, scale: 0 };
    }
    if (type.isSigned && type.bitWidth === 8) return { ...base, type: 'int32', physical: 'int8' };
    if (type.isSigned && type.bitWidth === 16) return { ...base, type: 'int32', physical: 'int16' };
    return { ...base, type: type.bitWidth === 32 && !type.isSigned ? 'int64' : 'int32' };
  }
  if (DataType.isFloat(type)) {
    return { ...base, type: type.precision === Precision.DOUBLE ? 'float64' : 'float32' };
  }
  if (DataType.isBool(type)) return { ...base, type: 'boolean' };
  if (DataType.isDate(type)) return { ...base, type: 'date' };
  if (DataType.isTimestamp(type)) {
    const units = {
      [TimeUnit.SECOND]: 'ms',
      [TimeUnit.MILLISECOND]: 'ms',
      [TimeUnit.MICROSECOND]: 'us',
    } as const;
    const unit = type.unit === TimeUnit.NANOSECOND ? 'ns' : units[type.unit];
    // Zone-less timestamps are local date-times, not instants.
    return type.timezone
      ? { ...base, type: 'timestamp', unit }
      : { ...base, type: 'timestamp', unit, zone: NAIVE_ZONE };
  }
  if (DataType.isDecimal(type)) {
    // A negative scale means trailing zeros: the values are integers with that many more digits.
    return type.scale >= 0
      ? { ...base, type: 'decimal', precision: type.precision, scale: type.scale }
      : { ...base, type: 'decimal', precision: type.precision - type.scale, scale: 0 };
  }
  if (DataType.isDuration(type)) return { ...base, type: 'int64' };
  if (DataType.isTime(type)) return { ...base, type: type.bitWidth === 64 ? 'int64' : 'int32' };
  if (
    DataType.isNull(type) ||
    DataType.isUtf8(type) ||
    DataType.isLargeUtf8(type) ||
    DataType.isUtf8View(type) ||
    DataType.isBinary(type) ||
    DataType.isLargeBinary(type) ||
    DataType.isBinaryView(type) ||
    DataType.isFixedSizeBinary(type)
  ) {
    return { ...base, type: 'string', nullable: nullable || DataType.isNull(type) };
  }
  return unsupported(type, name, 'Arrow schema');
}
