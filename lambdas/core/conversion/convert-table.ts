/**
 * Converts a table between any two formats and proves the result equivalent. Every value is typed
 * by its column codec on the way in (a value that does not fit is an error, not a silent cast),
 * written by the target format's writer, then the written bytes are read back through the
 * target's reader and typed again: rows in must equal rows out, and the per-column checksums of
 * canonical values must match. A mismatch is an IntegrityError, and the output is not published.
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
import { ColumnMapping } from '../formats/column-mapping';
import { createTableWriter } from '../formats/create-table-writer';
import { openTable } from '../formats/open-table';
import { parquetSchemaOf } from '../formats/parquet-reader';
import { arrowSchemaOf } from '../formats/arrow-reader';
import type { RecordBatch } from '../formats/record-batch';
import type { ParquetCodec, TypedRow } from '../formats/table-io';
import { columnCodec, NOT_CONFORMING, type TypedValue } from '../formats/typed-values';
import { TableDigest } from './table-digest';

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
}

export interface ConversionProof {
  readonly rowsIn: number;
  readonly rowsOut: number;
  /** Input column → output column and type. */
  readonly schemaMapping: readonly { readonly from: string; readonly to: string; readonly type: string }[];
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
async function peek(
  batches: AsyncIterable<RecordBatch>,
): Promise<{ first: RecordBatch | undefined; all: AsyncIterable<RecordBatch> }> {
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
  return batch.columns.map((name, i) => {
    let type: ColumnSpec['type'] = 'string';
    for (const row of batch.rows) {
      const v = row[i];
      if (v === null || v === undefined) continue;
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
  });
}

/** The schema a typed format declares in its own metadata (Parquet, Arrow); undefined for text formats. */
async function declaredSchema(source: ByteSource, format: DataFormat): Promise<ColumnSpec[] | undefined> {
  if (format === 'parquet')
    return (await parquetSchemaOf(source)).map((c) => ({
      ...c,
      ...(c.type === 'timestamp' ? { zone: 'UTC' } : {}),
    }));
  if (format === 'arrow')
    return (await arrowSchemaOf(source)).map((c) => ({
      ...c,
      ...(c.type === 'timestamp' ? { zone: 'UTC' } : {}),
    }));
  return undefined;
}

async function* typedRows(
  schema: readonly ColumnSpec[],
  batches: AsyncIterable<RecordBatch>,
  digest: TableDigest,
  strictColumns: boolean,
  carried?: Map<string, string>,
): AsyncGenerator<TypedRow[]> {
  const codecs = schema.map(columnCodec);
  const mapping = new ColumnMapping(schema);
  for await (const batch of batches) {
    for (const c of batch.nestedColumns ?? [])
      carried?.set(c, 'nested JSON objects/arrays carried as JSON text');
    for (const c of batch.bigIntegerColumns ?? [])
      carried?.set(c, 'integers beyond 2^53 written as JSON strings');
    const changed = mapping.update(batch.columns);
    if (changed && !strictColumns) refuseLateColumns(schema, batch);
    if (changed && strictColumns) {
      const missing = schema.filter((c, i) => mapping.indexOf[i]! < 0 && !c.nullable).map((c) => c.name);
      if (missing.length > 0)
        throw new FormatError(`input lacks non-nullable column(s) ${missing.join(', ')}; cannot convert`);
    }
    const out: TypedRow[] = [];
    for (let r = 0; r < batch.rows.length; r++) {
      const row = batch.rows[r]!;
      const typed: TypedValue[] = new Array<TypedValue>(schema.length);
      for (let i = 0; i < schema.length; i++) {
        const at = mapping.indexOf[i]!;
        const raw = at >= 0 ? (row[at] ?? null) : null;
        if (raw === null) {
          if (!schema[i]!.nullable)
            throw new FormatError(
              `row ${batch.firstRow + r}: ${schema[i]!.name} is null but not nullable; cannot convert`,
            );
          typed[i] = null;
          continue;
        }
        const v = codecs[i]!.parse(raw);
        if (v === NOT_CONFORMING) {
          throw new FormatError(
            `row ${batch.firstRow + r}: '${String(raw).slice(0, 60)}' in ${schema[i]!.name} is not ${schema[i]!.type}; cannot convert`,
          );
        }
        typed[i] = v;
      }
      digest.addRow(typed);
      out.push(typed);
    }
    yield out;
  }
}

/**
 * A schema taken from the first batch cannot hold a key a JSON input first shows later: refuse it
 * by name rather than write the table without it.
 */
function refuseLateColumns(schema: readonly ColumnSpec[], batch: RecordBatch): void {
  const known = new Set(schema.map((c) => c.name));
  const at = batch.columns.findIndex((c) => !known.has(c));
  if (at < 0) return;
  const r = batch.rows.findIndex((row) => (row[at] ?? null) !== null);
  throw new FormatError(
    `column '${batch.columns[at]}' first appears in row ${batch.firstRow + Math.max(0, r)}, after the schema was taken from the rows before it; give a contract that lists it to convert without dropping it`,
  );
}

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
    ...(options.from ? { format: options.from } : contract ? { formatHint: contract.format } : {}),
    ...(csv ? { csv } : {}),
    ...(contract && csv && !csv.header ? { columns: contract.schema.map((c) => c.name) } : {}),
  });
  const { first, all } = await peek(opened.batches);
  const schema = contract?.schema ?? (await declaredSchema(source, opened.format)) ?? schemaFromBatch(first);
  if (schema.length === 0) throw new FormatError(`${source.name} has no columns`);
  const digest = new TableDigest(schema);
  const carried = new Map<string, string>();
  const compression = options.compression ?? 'none';
  const writer = createTableWriter(options.to, sink, {
    schema,
    ...(csv ? { csv } : {}),
    ...(options.parquetCodec ? { parquet: { codec: options.parquetCodec } } : {}),
    compression,
  });
  try {
    for await (const rows of typedRows(schema, all, digest, contract !== undefined, carried)) {
      await writer.write(rows);
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
        format: options.to,
        ...(csv ? { csv } : {}),
        ...(csv && !csv.header ? { columns: schema.map((c) => c.name) } : {}),
      });
      for await (const rows of typedRows(schema, reopened.batches, check, false)) void rows;
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
  const differing = Object.keys(checksums).filter((k) => checksums[k] !== checksumsOut[k]);
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
    schemaMapping: schema.map((c) => ({ from: c.name, to: c.name, type: c.type })),
    checksums,
    checksumsOut,
    equivalent: true,
    ...representationOf(carried, schema, options.to),
  };
}

/** What the JSON readers carried in another form, for the columns kept and where it shows. */
function representationOf(
  carried: ReadonlyMap<string, string>,
  schema: readonly ColumnSpec[],
  to: DataFormat,
): Pick<ConversionProof, 'representation'> {
  const json = to === 'json' || to === 'jsonl';
  const changes = schema.flatMap((c) => {
    const change = carried.get(c.name);
    // Big integers are written exactly by every other format; only JSON writes them as strings.
    if (change === undefined || (!json && change.startsWith('integers'))) return [];
    return [{ column: c.name, change }];
  });
  return changes.length > 0 ? { representation: changes } : {};
}
