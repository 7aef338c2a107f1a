/**
 * A large object converted range by range (decision 0012): each range of the plan that validated
 * it converts its rows into one part of ONE output, and the parts, joined in order, are the file a
 * one-pass conversion writes.
 *
 * - Parquet: the part is the range's row groups (no magic, no footer) and their metadata, offsets
 *   counted from the part's first byte; parquetTail writes the file's end from every part's row
 *   groups (formats/parquet-parts.ts).
 * - CSV and JSON Lines: the part is the range's text; only the first part has the header.
 *
 * Each range proves its part as convertTable proves a file: its rows are typed and hashed on the
 * way in, the part is read back (a Parquet part as a file of its own: the magic, the part, a tail)
 * and hashed again, and rows and every column's hashed bytes must match. The hashes are the range's
 * shares of the table digest (table-digest.ts), which mergeRangeConversions joins into the proof
 * of one pass: the same checksums, rows, columns and mapping.
 *
 * A range knows its first row in the object (the rows of the ranges before it, counted when the
 * object was validated): the digest's blocks sit at fixed rows of the object.
 */
import type { ColumnSpec, CsvOptions, DataFormat, OutputContract } from '../contracts/output-contract';
import { logicalName } from '../contracts/output-contract';
import { FormatError, IntegrityError } from '../errors';
import { readArrow } from '../formats/arrow-lazy';
import { byteRangeSource, countingSink, type ByteSink, type ByteSource } from '../formats/byte-io';
import { columnBatchOf, type ColumnBatch } from '../formats/column-batch';
import { createTableWriter } from '../formats/create-table-writer';
import { readCsvColumns } from '../formats/csv-column-reader';
import type { CsvReadOptions } from '../formats/csv-reader';
import { csvRangeSource } from '../formats/csv-ranges';
import { readJsonLines } from '../formats/jsonl-reader';
import { readParquetColumns } from '../formats/parquet-column-reader';
import { parquetPartSource, rowGroupsToJson, type ParquetPart } from '../formats/parquet-parts';
import { createParquetPartWriter } from '../formats/parquet-writer';
import type { ParquetCodec, ReaderLimits, TableWriter } from '../formats/table-io';
import { rowsOfColumns } from '../formats/typed-column';
import {
  peek,
  planConversion,
  READ_BACK,
  readBackLimits,
  representationOf,
  schemaFromColumnBatch,
  typedBatches,
  type ColumnMappingEntry,
  type ConversionPlan,
  type ConversionResult,
} from './convert-table';
import { declaredSchema } from './declared-schema';
import { mergeDigestShares, TableDigest, type DigestShare } from './table-digest';

/** Output formats whose files can be joined from parts. */
export const RANGED_TARGETS = ['parquet', 'csv', 'jsonl'] as const;
export type RangedTarget = (typeof RANGED_TARGETS)[number];

export function convertsByRanges(to: DataFormat): to is RangedTarget {
  return (RANGED_TARGETS as readonly DataFormat[]).includes(to);
}

/** What a range reads of the object (the plans of ranged validation). */
export type ConversionRange =
  | {
      readonly kind: 'csv';
      /** The header record is bytes [0, headerEnd), read before the range. */
      readonly headerEnd: number;
      readonly start: number;
      readonly end: number;
    }
  | { readonly kind: 'jsonl'; readonly start: number; readonly end: number }
  /** Row groups [start, end). */
  | { readonly kind: 'parquet'; readonly start: number; readonly end: number }
  /** Record batches [start, end) of an Arrow IPC file; `blocks` false: the whole object. */
  | { readonly kind: 'arrow'; readonly start: number; readonly end: number; readonly blocks: boolean };

export interface RangeConversionTask {
  readonly range: ConversionRange;
  /** The first range writes what a file starts with (the CSV header). */
  readonly first: boolean;
  /** The object's row this range's first row is: the rows of the ranges before it. */
  readonly firstRow: number;
  readonly to: RangedTarget;
  /** Types the columns it names; the others are typed by the input, as convertTable types them. */
  readonly contract?: OutputContract;
  /** CSV dialect of the input and of a CSV output; the contract's when absent. */
  readonly csv?: CsvOptions;
  readonly parquetCodec?: ParquetCodec;
  readonly readerLimits?: ReaderLimits;
}

/** One range's part and its share of the proof (JSON: it travels between functions). */
export interface RangeConversion {
  readonly firstRow: number;
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Bytes of the part. */
  readonly size: number;
  /** The output's columns, as this range typed them: every range must type them alike. */
  readonly schema: readonly ColumnSpec[];
  readonly mapping: readonly ColumnMappingEntry[];
  /** Input columns the range's rows show (a JSON Lines record may omit a key). */
  readonly columnsSeen: readonly string[];
  readonly input: DigestShare;
  readonly output: DigestShare;
  /** A Parquet part's row groups. */
  readonly parquet?: ParquetPart;
  readonly carried?: Readonly<Record<string, string>>;
}

const DEFAULT_CODEC: ParquetCodec = 'snappy';

function csvReadOptions(csv: CsvOptions | undefined, limits: ReaderLimits | undefined): CsvReadOptions {
  return {
    ...limits,
    delimiter: csv?.delimiter ?? ',',
    header: csv?.header ?? true,
    ...(csv?.quote !== undefined ? { quote: csv.quote } : {}),
    ...(csv?.escape !== undefined ? { escape: csv.escape } : {}),
    ...(csv?.lenientQuotes ? { lenientQuotes: true } : {}),
  };
}

/** The range's rows as column batches, read as the one-pass reader of the format reads them. */
function rangeBatches(
  object: ByteSource,
  task: RangeConversionTask,
  csv: CsvOptions | undefined,
): AsyncIterable<ColumnBatch> {
  const { range } = task;
  const limits = task.readerLimits ?? {};
  switch (range.kind) {
    case 'csv': {
      const plan = {
        headerEnd: range.headerEnd,
        columns: 0,
        ranges: [{ start: range.start, end: range.end }],
      };
      return readCsvColumns(csvRangeSource(object, plan, 0).stream(), {
        ...csvReadOptions(csv, limits),
        ...(task.contract && csv && !csv.header ? { columns: task.contract.schema.map((c) => c.name) } : {}),
      });
    }
    case 'jsonl':
      return columnsOf(
        readJsonLines(byteRangeSource(object, range.start, range.end).stream(), {
          ...limits,
          fromObjectStart: range.start === 0,
        }),
      );
    case 'parquet':
      return readParquetColumns(object, { ...limits, rowGroups: { start: range.start, end: range.end } });
    case 'arrow':
      return columnsOf(
        readArrow(object, {
          ...limits,
          ...(range.blocks ? { recordBatches: { start: range.start, end: range.end } } : {}),
        }),
      );
  }
}

async function* columnsOf(
  batches: AsyncIterable<Parameters<typeof columnBatchOf>[0]>,
): AsyncGenerator<ColumnBatch> {
  for await (const batch of batches) yield columnBatchOf(batch);
}

/**
 * Converts one range of `object` into `sink` (one part of the output) and reads the part back
 * through `readBack` for its share of the proof. The sink is aborted on any failure, and what it
 * published discarded when the read-back does not match.
 */
export async function convertRange(
  object: ByteSource,
  sink: ByteSink,
  readBack: () => ByteSource,
  task: RangeConversionTask,
): Promise<RangeConversion> {
  const { contract, to } = task;
  const csv = task.csv ?? contract?.csv;
  const format: DataFormat = task.range.kind;
  const { first, all } = await peek(rangeBatches(object, task, csv));
  const declared = await declaredSchema(object, format);
  const inputColumns = declared?.map((c) => c.name) ?? first?.columns ?? [];
  let plan: ConversionPlan;
  try {
    plan = planConversion(
      inputColumns,
      declared ?? schemaFromColumnBatch(first),
      contract,
      format,
      object.name,
    );
  } catch (error) {
    await sink.abort().catch(() => undefined);
    throw error;
  }
  const { schema } = plan;
  if (schema.length === 0) throw new FormatError(`${object.name} has no columns`);
  const digest = new TableDigest(schema, { firstRow: task.firstRow, range: true });
  const columnsSeen = new Set<string>(inputColumns);
  const carried = new Map<string, string>();
  const codec = task.parquetCodec ?? DEFAULT_CODEC;
  const counted = countingSink(sink);
  // The header is the file's start: only the first part has it.
  const partCsv: CsvOptions | undefined =
    to === 'csv' ? { delimiter: ',', ...csv, header: task.first && (csv?.header ?? true) } : csv;
  let rowGroups: (() => ParquetPart['rowGroups']) | undefined;
  let writer: TableWriter;
  if (to === 'parquet') {
    const part = createParquetPartWriter(counted, { schema, parquet: { codec } });
    writer = part.writer;
    rowGroups = () => rowGroupsToJson(part.rowGroups());
  } else writer = createTableWriter(to, counted, { schema, ...(partCsv ? { csv: partCsv } : {}) });
  try {
    // The Parquet writer copies string columns' UTF-8 bytes; the text writers want texts.
    const typing = { utf8Strings: to === 'parquet' };
    for await (const batch of typedBatches(plan, all, digest, columnsSeen, carried, typing)) {
      if (writer.writeColumns) await writer.writeColumns(batch.columns, batch.length);
      else await writer.write(rowsOfColumns(batch.columns, schema, batch.length));
    }
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
  const parquet: ParquetPart | undefined = rowGroups
    ? { size: counted.bytes, rowGroups: rowGroups() }
    : undefined;

  const check = new TableDigest(schema, { firstRow: task.firstRow, range: true });
  try {
    if (counted.bytes > 0) {
      const outputColumns = { schema, sourceNames: schema.map((c) => c.name) };
      const batches = readPart(readBack(), task, schema, parquet, partCsv, codec);
      for await (const batch of typedBatches(outputColumns, batches, check, new Set(), undefined, READ_BACK))
        void batch;
    }
    if (check.rows !== digest.rows)
      throw new IntegrityError(`conversion to ${to} wrote ${check.rows} rows for ${digest.rows} read`);
  } catch (error) {
    await sink.discard?.().catch(() => undefined);
    throw error;
  }
  const input = digest.share();
  const output = check.share();
  const differing = input.columns
    .filter((c, i) => JSON.stringify(c) !== JSON.stringify(output.columns[i]))
    .map((c) => c.name);
  if (differing.length > 0) {
    await sink.discard?.().catch(() => undefined);
    throw new IntegrityError(`conversion to ${to} changed the values of column(s) ${differing.join(', ')}`);
  }
  return {
    firstRow: task.firstRow,
    rowsIn: digest.rows,
    rowsOut: check.rows,
    size: counted.bytes,
    schema,
    mapping: plan.mapping,
    columnsSeen: plan.sourceNames.filter((name) => columnsSeen.has(name)),
    input,
    output,
    ...(parquet ? { parquet } : {}),
    ...(carried.size > 0 ? { carried: Object.fromEntries(carried) } : {}),
  };
}

/** A part's rows read back with the target format's reader (a Parquet part as a file of its own). */
function readPart(
  part: ByteSource,
  task: RangeConversionTask,
  schema: readonly ColumnSpec[],
  parquet: ParquetPart | undefined,
  csv: CsvOptions | undefined,
  codec: ParquetCodec,
): AsyncIterable<ColumnBatch> {
  const limits = readBackLimits(task.readerLimits);
  switch (task.to) {
    case 'parquet':
      return readParquetColumns(parquetPartSource(part, parquet!, schema, codec), limits);
    case 'csv':
      return readCsvColumns(part.stream(), {
        ...csvReadOptions(csv, limits),
        ...(csv?.header ? {} : { columns: schema.map((c) => c.name) }),
      });
    case 'jsonl':
      return columnsOf(readJsonLines(part.stream(), limits));
  }
}

/** What the proof of the whole conversion names besides the ranges' shares. */
export interface RangedConversionMeta {
  readonly from: DataFormat;
  readonly to: RangedTarget;
  readonly contract?: OutputContract;
}

/**
 * The proof of the whole conversion from its ranges' conversions, in order: equal to the proof
 * convertTable gives for one pass over the object. Ranges that do not follow each other, that
 * typed the columns differently (a JSON Lines column typed by what each range saw first), or
 * whose joined checksums differ are an IntegrityError naming the range.
 */
export function mergeRangeConversions(
  ranges: readonly RangeConversion[],
  meta: RangedConversionMeta,
): ConversionResult {
  const first = ranges[0];
  if (!first) throw new IntegrityError('no range was converted; nothing to merge');
  const schemaText = JSON.stringify(first.schema);
  ranges.forEach((r, k) => {
    if (JSON.stringify(r.schema) !== schemaText)
      throw new IntegrityError(
        `range ${k + 1} typed the output's columns as ${r.schema.map((c) => `${c.name}:${c.type}`).join(', ')}; range 1 as ${first.schema.map((c) => `${c.name}:${c.type}`).join(', ')}; give a contract that types every column to convert by ranges`,
      );
  });
  let checksums: Record<string, string>;
  let checksumsOut: Record<string, string>;
  try {
    checksums = mergeDigestShares(ranges.map((r) => r.input));
    checksumsOut = mergeDigestShares(ranges.map((r) => r.output));
  } catch (error) {
    throw new IntegrityError(
      `the ranges' proofs do not join: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const differing = first.schema.map((c) => c.name).filter((k) => checksums[k] !== checksumsOut[k]);
  if (differing.length > 0)
    throw new IntegrityError(
      `conversion to ${meta.to} changed the values of column(s) ${differing.join(', ')}`,
    );
  const seen = new Set(ranges.flatMap((r) => r.columnsSeen));
  const carried = new Map<string, string>();
  for (const r of ranges)
    for (const [c, why] of Object.entries(r.carried ?? {})) if (!carried.has(c)) carried.set(c, why);
  const plan = { schema: first.schema, sourceNames: first.mapping.map((m) => m.from) };
  return {
    from: meta.from,
    to: meta.to,
    compression: 'none',
    ...(meta.contract ? { contract: logicalName(meta.contract) } : {}),
    rowsIn: ranges.reduce((n, r) => n + r.rowsIn, 0),
    rowsOut: ranges.reduce((n, r) => n + r.rowsOut, 0),
    columnsIn: plan.sourceNames.filter((name) => seen.has(name)).length,
    columnsOut: first.schema.length,
    schemaMapping: first.mapping,
    checksums,
    checksumsOut,
    equivalent: true,
    ...representationOf(carried, plan, meta.to),
  };
}
