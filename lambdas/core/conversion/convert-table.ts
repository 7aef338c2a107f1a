/**
 * Converts a table between any two formats and proves the result equivalent. Every source column
 * reaches the output, in source order: typed by the contract where it names the column, by the
 * source otherwise (a typed file's own type, text as text, JSON's native types). Every value is
 * typed by its column codec on the way in (a value that does not fit is an error, not a silent
 * cast), written by the target format's writer, then the written bytes are read back through the
 * target's reader and typed again: rows in must equal rows out, and the per-column checksums of
 * canonical values must match for every source column. A mismatch is an IntegrityError, and the
 * output is not published.
 *
 * Both sides run over column batches: a batch is typed column by column (type-column-batch.ts),
 * handed to the writer as typed columns (rows only for writers that take nothing else) and hashed
 * a column at a time, so no row of JS values exists on the way; the values, the bytes written and
 * the errors are those of typing cell by cell.
 */
import {
  logicalName,
  type ColumnSpec,
  type Compression,
  type CsvOptions,
  type DataFormat,
  type OutputContract,
} from '../contracts/output-contract';
import { FormatError, IntegrityError } from '../errors';
import type { ByteSink, ByteSource } from '../formats/byte-io';
import { rawCellOf, type ColumnBatch } from '../formats/column-batch';
import { createTableWriter } from '../formats/create-table-writer';
import { DEFAULT_MAX_RECORD_BATCH_ROWS } from '../formats/arrow-reader';
import { openTable } from '../formats/open-table';
import { DEFAULT_MAX_ROW_GROUP_BYTES, DEFAULT_MAX_ROW_GROUP_ROWS } from '../formats/parquet-reader';
import type { RawCell, RecordBatch } from '../formats/record-batch';
import type { ParquetCodec, ReaderLimits } from '../formats/table-io';
import { rowsOfColumns, type TypedColumn } from '../formats/typed-column';
import { declaredSchema } from './declared-schema';
import { TableDigest } from './table-digest';
import { ColumnBatchTyper, type TyperOptions } from './type-column-batch';

/** Formats whose records name their columns per record: a key absent from one is a null there. */
const KEYED_FORMATS: readonly DataFormat[] = ['json', 'jsonl'];

export interface ConvertOptions {
  readonly to: DataFormat;
  /** Types the columns; without it the schema comes from the input (typed formats) or is text. */
  readonly contract?: OutputContract;
  /** Input format when the content does not settle it. */
  readonly from?: DataFormat;
  readonly compression?: Compression;
  readonly parquetCodec?: ParquetCodec;
  readonly csv?: CsvOptions;
  readonly onProgress?: (rows: number) => void;
  /** Bounds the input is read within; each absent limit is its reader's default. */
  readonly readerLimits?: ReaderLimits;
}

export interface ColumnMappingEntry {
  /** The column's name in the input. */
  readonly from: string;
  /** Its name in the output: the same, except where the input's name cannot be one (empty). */
  readonly to: string;
  readonly type: string;
  /** Why `to` differs from `from`, when it does. */
  readonly renamed?: string;
}

export interface ConversionProof {
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Columns the input has, and columns written: every input column is one of the output's. */
  readonly columnsIn: number;
  readonly columnsOut: number;
  /** Input column → output column and type, in output order. */
  readonly schemaMapping: readonly ColumnMappingEntry[];
  /** Checksums by output column name (null-prototype objects: any column name is a key). */
  readonly checksums: Readonly<Record<string, string>>;
  readonly checksumsOut: Readonly<Record<string, string>>;
  readonly equivalent: true;
  /**
   * Columns whose values are equal but written in another form than read (nested JSON carried as
   * JSON text, integers beyond 2^53 written as JSON strings); absent when none was.
   */
  readonly representation?: readonly { readonly column: string; readonly change: string }[];
}

export interface ConversionResult extends ConversionProof {
  readonly from: DataFormat;
  readonly to: DataFormat;
  readonly compression: Compression;
  readonly contract?: string;
}

/** First batch, then the rest: lets the schema be derived from data before reading on. */
export async function peek<B>(
  batches: AsyncIterable<B>,
): Promise<{ first: B | undefined; all: AsyncIterable<B> }> {
  const it = batches[Symbol.asyncIterator]();
  const head = await it.next();
  const first = head.done ? undefined : head.value;
  return {
    first,
    all: {
      async *[Symbol.asyncIterator]() {
        if (first) yield first;
        for (let n = await it.next(); !n.done; n = await it.next()) yield n.value;
      },
    },
  };
}

/** Schema for inputs without a contract: text columns, or native JSON types seen in the first batch. */
export function schemaFromBatch(batch: RecordBatch | undefined): ColumnSpec[] {
  if (!batch) return [];
  return batch.columns.map((name, i) =>
    specOfCells(name, batch.rows.length, (r) => batch.rows[r]![i] ?? null),
  );
}

/** schemaFromBatch of the same rows as a column batch. */
export function schemaFromColumnBatch(batch: ColumnBatch | undefined): ColumnSpec[] {
  if (!batch) return [];
  return batch.columns.map((name, i) => {
    const vector = batch.vectors[i] ?? null;
    if (vector === null) return specOfCells(name, 0, () => null);
    return specOfCells(name, batch.length, (r) => rawCellOf(vector, r));
  });
}

/** A column typed by its first non-null cell: text stays text, JSON's native types keep theirs. */
function specOfCells(name: string, n: number, cell: (r: number) => RawCell): ColumnSpec {
  let type: ColumnSpec['type'] = 'string';
  for (let r = 0; r < n; r++) {
    const v = cell(r);
    if (v === null) continue;
    if (typeof v === 'boolean') type = 'boolean';
    else if (typeof v === 'bigint') {
      // Past the int64 range a whole number is kept exactly as a decimal with no fraction.
      const int64 = v >= -(2n ** 63n) && v < 2n ** 63n;
      return int64
        ? { name, type: 'int64', nullable: true }
        : { name, type: 'decimal', precision: 38, scale: 0, nullable: true };
    } else if (typeof v === 'number') type = Number.isInteger(v) ? 'int64' : 'float64';
    break;
  }
  return { name, type, nullable: true };
}

/** The output's columns and, for each, the input column it comes from. */
export interface ConversionPlan {
  /** Output schema (output names), in output order. */
  readonly schema: readonly ColumnSpec[];
  /** Input column name of each output column. */
  readonly sourceNames: readonly string[];
  readonly mapping: readonly ColumnMappingEntry[];
}

/** `column_<position>`, the name an input column without one gets, made unique among `taken`. */
function nameForUnnamed(position: number, taken: ReadonlySet<string>): string {
  let name = `column_${position}`;
  while (taken.has(name)) name = `${name}_`;
  return name;
}

/**
 * Plans the output: every input column, in input order, typed by the contract where it names the
 * column and by the input otherwise (`inputTypes`: a typed file's declared schema, or what the
 * first batch shows). A contract column the input lacks is an error, except in JSON, where a
 * record omits a key for a null: there it is added after the input's columns.
 */
export function planConversion(
  inputColumns: readonly string[],
  inputTypes: readonly ColumnSpec[],
  contract: OutputContract | undefined,
  format: DataFormat,
  sourceName: string,
): ConversionPlan {
  const seen = new Set<string>();
  for (const name of inputColumns) {
    if (seen.has(name))
      throw new FormatError(
        `${sourceName}: column '${name}' appears twice; cannot convert without losing one`,
      );
    seen.add(name);
  }
  const listed = new Map((contract?.schema ?? []).map((c) => [c.name, c]));
  const declared = new Map(inputTypes.map((c) => [c.name, c]));
  const taken = new Set(inputColumns);
  const schema: ColumnSpec[] = [];
  const sourceNames: string[] = [];
  const mapping: ColumnMappingEntry[] = [];
  inputColumns.forEach((name, i) => {
    const spec: ColumnSpec = listed.get(name) ??
      declared.get(name) ?? { name, type: 'string', nullable: true };
    let to = name;
    let renamed: string | undefined;
    if (name === '') {
      // pandas writes its index with an empty header; Parquet and Arrow need a name to find it by.
      to = nameForUnnamed(i + 1, taken);
      taken.add(to);
      renamed = `input column ${i + 1} has no name`;
    }
    schema.push({ ...spec, name: to });
    sourceNames.push(name);
    mapping.push({
      from: name,
      to,
      type: spec.type,
      ...(renamed ? { renamed } : {}),
    });
  });
  const absent = (contract?.schema ?? []).filter((c) => !seen.has(c.name));
  if (absent.length > 0 && !KEYED_FORMATS.includes(format)) {
    throw new FormatError(
      `${sourceName} lacks contract column(s) ${absent.map((c) => `'${c.name}'`).join(', ')}; cannot convert`,
    );
  }
  for (const c of absent) {
    schema.push(c);
    sourceNames.push(c.name);
    mapping.push({ from: c.name, to: c.name, type: c.type });
  }
  return { schema, sourceNames, mapping };
}

/** A batch typed for the output: one column per output column, rows [0, length). */
interface TypedBatch {
  readonly columns: readonly TypedColumn[];
  readonly length: number;
}

/**
 * Types column batches against the plan, adding every row to `digest`. Columns the input shows
 * go to `seenColumns`, and what the JSON readers carried in another form to `carried`.
 */
export async function* typedBatches(
  plan: Pick<ConversionPlan, 'schema' | 'sourceNames'>,
  batches: AsyncIterable<ColumnBatch>,
  digest: TableDigest,
  seenColumns: Set<string>,
  carried?: Map<string, string>,
  typing: TyperOptions = {},
): AsyncGenerator<TypedBatch> {
  const typer = new ColumnBatchTyper(plan, typing);
  let columns: readonly string[] | undefined;
  for await (const batch of batches) {
    for (const c of batch.nestedColumns ?? [])
      carried?.set(c, 'nested JSON objects/arrays carried as JSON text');
    for (const c of batch.bigIntegerColumns ?? [])
      carried?.set(c, 'integers beyond 2^53 written as JSON strings');
    if (batch.columns !== columns) {
      columns = batch.columns;
      refuseLateColumns(plan.sourceNames, batch);
      for (const c of batch.columns) seenColumns.add(c);
    }
    if (typing.digestOnly === true) {
      // The columns reach only the digest: string columns of UTF-8 bytes are hashed as bytes.
      digest.addColumns(typer.typeForDigest(batch), batch.length);
      yield { columns: [], length: batch.length };
      continue;
    }
    const typed = typer.type(batch);
    // The digest hashes string columns from the input's bytes, whether the writer takes them as
    // strings or (utf8Strings) as those bytes.
    digest.addColumns(typer.forDigest(batch, typed), batch.length);
    yield { columns: typed, length: batch.length };
  }
}

/**
 * A schema taken from the first batch cannot hold a key a JSON input first shows later: refuse it
 * by name rather than write the table without it.
 */
function refuseLateColumns(sourceNames: readonly string[], batch: ColumnBatch): void {
  const known = new Set(sourceNames);
  const at = batch.columns.findIndex((c) => !known.has(c));
  if (at < 0) return;
  const vector = batch.vectors[at] ?? null;
  let r = 0;
  while (vector !== null && r < batch.length && rawCellOf(vector, r) === null) r++;
  if (r === batch.length) r = 0;
  throw new FormatError(
    `column '${batch.columns[at]}' first appears in row ${batch.firstRow + r}, after the schema was taken from the rows before it; give a contract that lists it to convert without dropping it`,
  );
}

/**
 * How the read-back of an output is typed (see TyperOptions): its columns reach only the digest,
 * so string columns of UTF-8 bytes stay bytes and the others are interned.
 */
export const READ_BACK: TyperOptions = { internStrings: true, digestOnly: true };

/**
 * Converts `source` into `sink`; `readBack` opens what the sink published, for the proof. The sink
 * is aborted on any failure, including a failed proof.
 */
export async function convertTable(
  source: ByteSource,
  sink: ByteSink,
  readBack: () => ByteSource,
  options: ConvertOptions,
): Promise<ConversionResult> {
  const contract = options.contract;
  const csv = options.csv ?? contract?.csv;
  const opened = await openTable(source, {
    ...options.readerLimits,
    ...(options.from ? { format: options.from } : contract ? { formatHint: contract.format } : {}),
    ...(csv ? { csv } : {}),
    ...(contract && csv && !csv.header ? { columns: contract.schema.map((c) => c.name) } : {}),
  });
  const { first, all } = await peek(opened.columnBatches());
  const declared = await declaredSchema(source, opened.format);
  const inputColumns = declared?.map((c) => c.name) ?? first?.columns ?? [];
  let plan: ConversionPlan;
  try {
    plan = planConversion(
      inputColumns,
      declared ?? schemaFromColumnBatch(first),
      contract,
      opened.format,
      source.name,
    );
  } catch (error) {
    await sink.abort().catch(() => undefined);
    throw error;
  }
  const { schema } = plan;
  if (schema.length === 0) throw new FormatError(`${source.name} has no columns`);
  const digest = new TableDigest(schema);
  const columnsSeen = new Set<string>(inputColumns);
  const carried = new Map<string, string>();
  const compression = options.compression ?? 'none';
  const writer = createTableWriter(options.to, sink, {
    schema,
    ...(csv ? { csv } : {}),
    ...(options.parquetCodec ? { parquet: { codec: options.parquetCodec } } : {}),
    compression,
  });
  try {
    // The Parquet writer copies string columns' UTF-8 bytes; the text writers want texts.
    const typing = { utf8Strings: options.to === 'parquet' };
    for await (const batch of typedBatches(plan, all, digest, columnsSeen, carried, typing)) {
      if (writer.writeColumns) await writer.writeColumns(batch.columns, batch.length);
      else await writer.write(rowsOfColumns(batch.columns, schema, batch.length));
      options.onProgress?.(digest.rows);
    }
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }

  // Read the published output back with the target format's reader and compare. A failed proof
  // removes what was published, so a wrong copy never stays under the output's name.
  const check = new TableDigest(schema);
  try {
    const written = readBack();
    // An empty table written as JSON Lines is an empty file, which readers rightly refuse as input.
    if (!(digest.rows === 0 && (await written.size()) === 0)) {
      const reopened = await openTable(written, {
        ...readBackLimits(options.readerLimits),
        format: options.to,
        ...(csv ? { csv } : {}),
        ...(csv && !csv.header ? { columns: schema.map((c) => c.name) } : {}),
      });
      const outputColumns = { schema, sourceNames: schema.map((c) => c.name) };
      // The read-back's columns only reach the digest, which hashes a dictionary column as the
      // same texts: string columns are interned (each distinct text decoded once per batch).
      // Parquet's plain ASCII string pages come as bytes, which the digest hashes as they are.
      // A CSV batch may be overwritten once the next is asked for (reuseBatches): the read-back
      // hashes each batch before asking for the next, and nothing here keeps its arrays (the
      // digest copies the bytes it hashes; an error names its cell before the next batch is read).
      const batches = reopened.columnBatches(undefined, { stringsAsText: true, reuseBatches: true });
      for await (const batch of typedBatches(outputColumns, batches, check, new Set(), undefined, READ_BACK))
        void batch;
    }
    if (check.rows !== digest.rows) {
      throw new IntegrityError(
        `conversion to ${options.to} wrote ${check.rows} rows for ${digest.rows} read`,
      );
    }
  } catch (error) {
    await sink.discard?.().catch(() => undefined);
    throw error;
  }
  const checksums = digest.digest();
  const checksumsOut = check.digest();
  const differing = schema.map((c) => c.name).filter((k) => checksums[k] !== checksumsOut[k]);
  if (differing.length > 0) {
    await sink.discard?.().catch(() => undefined);
    throw new IntegrityError(
      `conversion to ${options.to} changed the values of column(s) ${differing.join(', ')}`,
    );
  }
  return {
    from: opened.format,
    to: options.to,
    compression,
    ...(contract ? { contract: logicalName(contract) } : {}),
    rowsIn: digest.rows,
    rowsOut: check.rows,
    // A JSON input's columns are the keys seen in any record: a contract column never seen is not one.
    columnsIn: plan.sourceNames.filter((name) => columnsSeen.has(name)).length,
    columnsOut: schema.length,
    schemaMapping: plan.mapping,
    checksums,
    checksumsOut,
    equivalent: true,
    ...representationOf(carried, plan, options.to),
  };
}

/** What the JSON readers carried in another form, for the columns kept and where it shows. */
export function representationOf(
  carried: ReadonlyMap<string, string>,
  plan: Pick<ConversionPlan, 'schema' | 'sourceNames'>,
  to: DataFormat,
): Pick<ConversionProof, 'representation'> {
  const json = to === 'json' || to === 'jsonl';
  // The readers name columns as the input does; the proof names them as the output does.
  const changes = plan.schema.flatMap((c, i) => {
    const change = carried.get(plan.sourceNames[i]!);
    // Big integers are written exactly by every other format; only JSON writes them as strings.
    if (change === undefined || (!json && change.startsWith('integers'))) return [];
    return [{ column: c.name, change }];
  });
  return changes.length > 0 ? { representation: changes } : {};
}

/**
 * The limits the read-back of the output is held to. Those bounding values, rows and columns hold
 * as set: the converted values meet them again (a field allowed past the default must read back).
 * The Parquet and Arrow structure limits bound what another writer declares, and the read-back is
 * of row groups and batches this module's writers cut: a raised limit holds, a lowered one gives
 * way to the reader's default, so a limit lowered for inputs cannot refuse a correct conversion.
 */
export function readBackLimits(limits: ReaderLimits | undefined): ReaderLimits {
  if (!limits) return {};
  const { maxRowGroupRows, maxRowGroupBytes, maxRecordBatchRows, ...values } = limits;
  const atLeast = (value: number | undefined, fallback: number): number | undefined =>
    value === undefined ? undefined : Math.max(value, fallback);
  const structure = {
    maxRowGroupRows: atLeast(maxRowGroupRows, DEFAULT_MAX_ROW_GROUP_ROWS),
    maxRowGroupBytes: atLeast(maxRowGroupBytes, DEFAULT_MAX_ROW_GROUP_BYTES),
    maxRecordBatchRows: atLeast(maxRecordBatchRows, DEFAULT_MAX_RECORD_BATCH_ROWS),
  };
  return {
    ...values,
    ...(structure.maxRowGroupRows !== undefined ? { maxRowGroupRows: structure.maxRowGroupRows } : {}),
    ...(structure.maxRowGroupBytes !== undefined ? { maxRowGroupBytes: structure.maxRowGroupBytes } : {}),
    ...(structure.maxRecordBatchRows !== undefined
      ? { maxRecordBatchRows: structure.maxRecordBatchRows }
      : {}),
  };
}
