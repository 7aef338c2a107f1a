/**
 * Streams a plan's batches into a sink in any format and compression: CSV through the fast batch
 * encoder (gzip around it as createTableWriter does), every other format through
 * createTableWriter. Nothing is published unless every row was written: any failure aborts the
 * sink (a file sink removes its temporary file, an S3 sink aborts its multipart upload).
 */
import type { Compression, CsvOptions, DataFormat } from '../contracts/output-contract';
import type { ByteSink } from '../formats/byte-io';
import { createTableWriter } from '../formats/create-table-writer';
import { gzipSink } from '../formats/gzip-stream';
import type { ParquetCodec, TypedRow } from '../formats/table-io';
import type { TypedValue } from '../contracts/typed-values';
import { CsvBatchEncoder } from './csv-batch-encoder';
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

const FLUSH_AT = 1 << 20;
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

function toRows(columns: readonly (readonly TypedValue[])[]): TypedRow[] {
  const n = columns[0]?.length ?? 0;
  const rows = new Array<TypedRow>(n);
  for (let r = 0; r < n; r++) rows[r] = columns.map((c) => c[r]!);
  return rows;
}

export async function writeGeneratedTable(
  plan: TablePlan,
  sink: ByteSink,
  options: WriteTableOptions,
): Promise<WrittenTable> {
  let bytes = 0;
  let rows = 0;
  const counted = counting(sink, (n) => (bytes += n));
  if (options.format === 'csv') {
    const out = options.compression === 'gzip' ? gzipSink(counted) : counted;
    const encoder = new CsvBatchEncoder(plan.schema, options.csv ?? plan.contract.csv);
    const cells = plan.columns.map((c) => c.cell);
    const step = BATCH_ROWS;
    try {
      let text = encoder.header();
      for (let from = 0; from < plan.keys; from += step) {
        const chunk = encoder.encode(cells, from, Math.min(plan.keys, from + step), plan.skip);
        text += chunk.text;
        rows += chunk.rows;
        if (text.length >= FLUSH_AT) {
          await out.write(Buffer.from(text, 'utf8'));
          text = '';
          options.onProgress?.(rows, bytes);
        }
      }
      if (text) await out.write(Buffer.from(text, 'utf8'));
      await out.close();
    } catch (error) {
      await out.abort().catch(() => undefined);
      throw error;
    }
    options.onProgress?.(rows, bytes);
    return { rows, bytes };
  }
  const writer = createTableWriter(options.format, counted, {
    schema: plan.schema,
    ...(options.csv ? { csv: options.csv } : {}),
    ...(options.parquetCodec ? { parquet: { codec: options.parquetCodec } } : {}),
    ...(options.compression ? { compression: options.compression } : {}),
  });
  try {
    for (const batch of plan.batches(BATCH_ROWS)) {
      await writer.write(toRows(batch));
      rows += batch[0]?.length ?? 0;
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
