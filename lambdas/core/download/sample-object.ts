/**
 * A sample of an object: its first N rows, written as a small file. Row formats are read from the
 * start through a ranged source, so the bytes fetched track the rows wanted, not the object's size;
 * a Parquet sample comes from its first row group only (the footer plus that group's column
 * chunks). Values are typed by the contract's schema when one is given (a value that does not fit
 * is an error, as in conversion), else by the file's own schema (Parquet, Arrow) or as text.
 */
import { schemaFromBatch } from '../conversion/convert-table';
import type { ColumnSpec, CsvOptions, DataFormat, OutputContract } from '../contracts/output-contract';
import { FormatError } from '../errors';
import { arrowSchemaOf } from '../formats/arrow-lazy';
import type { ByteSink, ByteSource } from '../formats/byte-io';
import { ColumnMapping } from '../formats/column-mapping';
import { createTableWriter } from '../formats/create-table-writer';
import { openTable } from '../formats/open-table';
import { parquetSchemaOf } from '../formats/parquet-reader';
import type { RecordBatch } from '../formats/record-batch';
import type { TypedRow } from '../formats/table-io';
import { columnCodec, NOT_CONFORMING, type TypedValue } from '../contracts/typed-values';
import { parquetMetadataAsync } from 'hyparquet';

export interface SampleOptions {
  /** Rows wanted (a Parquet sample stops at the end of the first row group). */
  readonly rows: number;
  /** Output format; default the input's. */
  readonly to?: DataFormat;
  readonly contract?: OutputContract;
  readonly csv?: CsvOptions;
}

export interface SampleResult {
  readonly from: DataFormat;
  readonly to: DataFormat;
  readonly rows: number;
  readonly columns: readonly string[];
  /** True when a Parquet sample was cut short by the end of the first row group. */
  readonly limitedByRowGroup: boolean;
}

async function firstRowGroupRows(source: ByteSource): Promise<{ rows: number; groups: number }> {
  const size = await source.size();
  // A small first read: footers are usually a few KiB, and hyparquet reads on when one is larger.
  const metadata = await parquetMetadataAsync(
    {
      byteLength: size,
      slice: async (start, end = size) => {
        const bytes = await source.readRange(start, end);
        return bytes.slice().buffer;
      },
    },
    { initialFetchSize: 64 * 1024 },
  );
  return { rows: Number(metadata.row_groups[0]?.num_rows ?? 0), groups: metadata.row_groups.length };
}

export async function schemaOf(
  source: ByteSource,
  format: DataFormat,
  first: RecordBatch | undefined,
  contract?: OutputContract,
): Promise<ColumnSpec[]> {
  if (contract) return [...contract.schema];
  const utc = (c: ColumnSpec): ColumnSpec => (c.type === 'timestamp' ? { ...c, zone: 'UTC' } : c);
  if (format === 'parquet') return (await parquetSchemaOf(source)).map(utc);
  if (format === 'arrow') return (await arrowSchemaOf(source)).map(utc);
  return schemaFromBatch(first);
}

export async function sampleTable(
  source: ByteSource,
  sink: ByteSink,
  options: SampleOptions,
): Promise<SampleResult> {
  const { partsRead: _partsRead, ...result } = await sampleParts([source], sink, options);
  return result;
}

/** Rows read from one part, with where they came from for messages. */
interface PartRows {
  readonly source: ByteSource;
  readonly batches: readonly RecordBatch[];
}

/**
 * A sample across the parts of a folder, in the order given (S3's key order): the first N rows of
 * their concatenation, each part read from its start and only as far as needed; a Parquet part
 * contributes at most its first row group before the sample moves on to the next part. Every part
 * must be in the first part's format; values are typed by the contract, else by the first part's
 * schema, and a value of a later part that does not fit is an error naming the part and row.
 */
export async function sampleParts(
  sources: readonly ByteSource[],
  sink: ByteSink,
  options: SampleOptions,
): Promise<SampleResult & { readonly partsRead: number }> {
  if (!Number.isInteger(options.rows) || options.rows < 1)
    throw new RangeError('a sample needs at least 1 row');
  if (sources.length === 0) throw new RangeError('a sample needs at least one part');
  const contract = options.contract;
  const csv = options.csv ?? contract?.csv;
  let format: DataFormat | undefined;
  let limitedByRowGroup = false;
  let rows = 0;
  const read: PartRows[] = [];
  for (const source of sources) {
    if (rows >= options.rows) break;
    const opened = await openTable(source, {
      batchSize: Math.min(options.rows, 10_000),
      ...(contract ? { formatHint: contract.format } : {}),
      ...(csv ? { csv } : {}),
      ...(contract && csv && !csv.header ? { columns: contract.schema.map((c) => c.name) } : {}),
    });
    if (format !== undefined && opened.format !== format) {
      throw new FormatError(`${source.name} is ${opened.format}; the parts before it are ${format}`);
    }
    format = opened.format;
    let wanted = options.rows - rows;
    if (opened.format === 'parquet') {
      const first = await firstRowGroupRows(source);
      if (first.rows < wanted) {
        wanted = first.rows;
        limitedByRowGroup ||= first.groups > 1;
      }
    }
    // Read only as many batches as the sample needs; leaving the loop stops the reader (and its fetches).
    const batches: RecordBatch[] = [];
    let taken = 0;
    if (wanted > 0) {
      for await (const batch of opened.batches) {
        const take = batch.rows.slice(0, wanted - taken);
        batches.push({ ...batch, rows: take });
        taken += take.length;
        if (taken >= wanted) break;
      }
    }
    rows += taken;
    read.push({ source, batches });
  }

  const first = read[0]!;
  const schema = await schemaOf(first.source, format!, first.batches[0], contract);
  if (schema.length === 0) throw new FormatError(`${first.source.name} has no columns to sample`);
  const codecs = schema.map(columnCodec);
  const mapping = new ColumnMapping(schema);
  const names = new Set(schema.map((c) => c.name));
  const typed: TypedRow[] = [];
  for (const part of read) {
    const where = read.length > 1 ? `${part.source.name} ` : '';
    for (const batch of part.batches) {
      if (mapping.update(batch.columns) && part !== first && !contract) {
        // Not silently dropped: the sample's columns are the first part's.
        const extra = batch.columns.filter((c) => !names.has(c));
        if (extra.length > 0)
          throw new FormatError(
            `${part.source.name} has column${extra.length === 1 ? '' : 's'} ${extra.join(', ')} that ${first.source.name} has not; sample the parts one by one`,
          );
      }
      batch.rows.forEach((row, r) => {
        typed.push(
          schema.map((column, i): TypedValue => {
            const at = mapping.indexOf[i]!;
            const raw = at >= 0 ? (row[at] ?? null) : null;
            if (raw === null) return null;
            const value = codecs[i]!.parse(raw);
            if (value === NOT_CONFORMING) {
              throw new FormatError(
                `${where}row ${batch.firstRow + r}: '${String(raw).slice(0, 60)}' in ${column.name} is not ${column.type}`,
              );
            }
            return value;
          }),
        );
      });
    }
  }

  const to = options.to ?? format!;
  const writer = createTableWriter(to, sink, { schema, ...(csv ? { csv } : {}) });
  try {
    await writer.write(typed);
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
  return {
    from: format!,
    to,
    rows: typed.length,
    columns: schema.map((c) => c.name),
    limitedByRowGroup,
    partsRead: read.length,
  };
}
