/**
 * The shapes every format reader and writer shares. Readers yield record batches of raw cells
 * (text from text formats; numbers, bigints, booleans from typed formats; dates, timestamps and
 * decimals from typed formats as exact text), which column codecs turn into typed values. Writers
 * take rows of typed values in contract-schema order and stream bytes to a sink.
 */
import type { ColumnSpec, CsvOptions } from '../contracts/output-contract';
import type { RecordBatch } from './record-batch';
import type { TypedValue } from './typed-values';

export type TypedRow = readonly TypedValue[];

export interface TableWriter {
  /** Appends rows (schema order). Writers flush as their buffers fill, not at the end. */
  write(rows: readonly TypedRow[]): Promise<void>;
  /** Finishes the file and publishes it through the sink. */
  close(): Promise<void>;
  /** Gives up: nothing is published. */
  abort(): Promise<void>;
}

export type ParquetCodec = 'snappy' | 'gzip' | 'zstd' | 'uncompressed';

export interface WriterOptions {
  readonly schema: readonly ColumnSpec[];
  readonly csv?: CsvOptions;
  readonly parquet?: { readonly codec?: ParquetCodec; readonly rowGroupRows?: number };
}

export interface ReaderLimits {
  /** Rows per yielded batch. */
  readonly batchSize?: number;
  /** Longest accepted text field (characters). */
  readonly maxFieldLength?: number;
  /** Decompressed bytes above which a compressed input is rejected as a decompression bomb. */
  readonly maxDecompressedBytes?: number;
  /** Parquet: rows one row group may declare (its values are decoded at once); default 10,000,000. */
  readonly maxRowGroupRows?: number;
  /** Arrow: rows one record batch may declare (a Null column holds any count in 0 bytes); default 10,000,000. */
  readonly maxRecordBatchRows?: number;
  /** Distinct columns accepted (JSON: distinct keys); default 10,000. */
  readonly maxColumns?: number;
  /** Fields one CSV row may hold, counted while scanning; default CSV_MAX_FIELDS_PER_ROW. */
  readonly maxFieldsPerRow?: number;
  /** Bytes one CSV row may span, line end excluded; default CSV_MAX_ROW_BYTES. */
  readonly maxRowBytes?: number;
}

export type RecordBatches = AsyncIterable<RecordBatch>;
