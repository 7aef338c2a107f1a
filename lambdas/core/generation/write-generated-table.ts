/**
 * Streams a plan's batches into a sink in any format and compression. Cells are computed column
 * by column into typed column builders (no row arrays, no BigInt per safe timestamp or decimal)
 * and handed to the writer's column-fed path; writers without one take the same rows. Nothing is
 * published unless every row was written: any failure aborts the sink (a file sink removes its
 * temporary file, an S3 sink aborts its multipart upload).
 */
import type { Compression, CsvOptions, DataFormat } from '../contracts/output-contract';
import type { ByteSink } from '../formats/byte-io';
import { createTableWriter } from '../formats/create-table-writer';
import type { ParquetCodec } from '../formats/table-io';
import { rowsOfColumns, TypedColumnBuilder } from '../formats/typed-column';
import type { TablePlan } from './table-plan';

export interface WriteTableOptions {
  readonly format: DataFormat;
  readonly compression?: Compression;
  readonly csv?: CsvOptions;
  readonly parquetCodec?: ParquetCodec;
  readonly onProgress?: (rows: number, bytes: number) => void;
}

export interface WrittenTable {
  readonly rows: number;
  /** Bytes handed to the sink (compressed size when compressed). */
  readonly bytes: number;
}

/**
 * Rows per batch, fixed: Arrow writes one record batch per write, so the batch size is part of the
 * bytes and must not vary. Memory is bounded by one batch plus the writer's buffer.
 */
const BATCH_ROWS = 8192;

function counting(sink: ByteSink, onBytes: (n: number) => void): ByteSink {
  return {
    name: sink.name,
    write: (chunk) => {
      onBytes(chunk.byteLength);
      return sink.write(chunk);
    },
    close: () => sink.close(),
    abort: () => sink.abort(),
  };
}

export async function writeGeneratedTable(
  plan: TablePlan,
  sink: ByteSink,
  options: WriteTableOptions,
): Promise<WrittenTable> {
  let bytes = 0;
  let rows = 0;
  const counted = counting(sink, (n) => (bytes += n));
  const csv = options.csv ?? plan.contract.csv;
  const writer = createTableWriter(options.format, counted, {
    schema: plan.schema,
    ...(csv ? { csv } : {}),
    ...(options.parquetCodec ? { parquet: { codec: options.parquetCodec } } : {}),
    ...(options.compression ? { compression: options.compression } : {}),
  });
  const builders = plan.schema.map((spec) => new TypedColumnBuilder(spec, BATCH_ROWS));
  const cells = plan.columns.map((c) => c.cell);
  const skip = plan.skip;
  // The batch's keys (series gaps left out), so that each column is computed in one tight loop.
  const keys = new Float64Array(BATCH_ROWS);
  try {
    let key = 0;
    while (key < plan.keys) {
      let n = 0;
      for (; key < plan.keys && n < BATCH_ROWS; key++) if (!skip?.(key)) keys[n++] = key;
      if (n === 0) break;
      for (let c = 0; c < builders.length; c++) {
        const builder = builders[c]!;
        const cell = cells[c]!;
        builder.reset();
        for (let i = 0; i < n; i++) builder.append(cell(keys[i]!));
      }
      const columns = builders.map((b) => b.finish());
      if (writer.writeColumns) await writer.writeColumns(columns, n);
      else await writer.write(rowsOfColumns(columns, plan.schema, n));
      rows += n;
      options.onProgress?.(rows, bytes);
    }
    await writer.close();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
  options.onProgress?.(rows, bytes);
  return { rows, bytes };
}
