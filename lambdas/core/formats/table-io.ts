/**
 * The shapes every format reader and writer shares. Readers yield record batches of raw cells
 * (text from text formats; numbers, bigints, booleans from typed formats; dates, timestamps and
 * decimals from typed formats as exact text), which column codecs turn into typed values. Writers
 * take rows of typed values in contract-schema order, or typed columns (typed-column.ts), and
 * stream bytes to a sink.
 */
import type { ColumnSpec, CsvOptions } from '../contracts/output-contract';
import type { RecordBatch } from './record-batch';
import type { TypedColumn } from './typed-column';
import type { TypedValue } from '../contracts/typed-values';

export type TypedRow = readonly TypedValue[];

export interface TableWriter {
  /** Appends rows (schema order). Writers flush as their buffers fill, not at the end. */
  write(rows: readonly TypedRow[]): Promise<void>;
  /**
   * Appends rows [0, length) of `columns` (one per schema column, in schema order): the same
   * bytes as write() of the same rows, without a row or a JS value per cell where the writer
   * encodes the column's layout directly. Writers without it take rows (rowsOfColumns).
   */
  writeColumns?(columns: readonly TypedColumn[], length: number): Promise<void>;
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

/**
 * The bounds a reader holds an input to. Each name has one meaning whatever the format, so
 * openTable passes every limit to every reader and a reader applies the ones that concern it (see
 * READER_LIMITS in config/reader-limits-env.ts for which formats each bounds). Deployed functions
 * and the CLI take them from PRT_READER_LIMITS; an absent limit is its reader's default.
 */
export interface ReaderLimits {
  /** Rows per yielded batch. */
  readonly batchSize?: number;
  /** Longest accepted text value (characters): CSV default CSV_MAX_FIELD_LENGTH; Parquet and Arrow unbounded. */
  readonly maxFieldLength?: number;
  /** JSON and JSON Lines: longest accepted record (characters); default JSON_MAX_RECORD_LENGTH. */
  readonly maxRecordLength?: number;
  /** Gzip: decompressed bytes above which an input is a decompression bomb; default DEFAULT_MAX_DECOMPRESSED_BYTES. */
  readonly maxDecompressedBytes?: number;
  /** Gzip: decompressed bytes per compressed byte past which an input is a bomb; default DEFAULT_MAX_INFLATE_RATIO. */
  readonly maxInflateRatio?: number;
  /** Parquet: rows one row group may declare (its values are decoded at once); default 10,000,000. */
  readonly maxRowGroupRows?: number;
  /** Parquet: decompressed bytes of the columns read from one row group; default DEFAULT_MAX_ROW_GROUP_BYTES. */
  readonly maxRowGroupBytes?: number;
  /** Arrow: rows one record batch may declare (a Null column holds any count in 0 bytes); default 10,000,000. */
  readonly maxRecordBatchRows?: number;
  /** CSV and JSON: distinct columns accepted (JSON: distinct keys); default 10,000. */
  readonly maxColumns?: number;
  /** Fields one CSV row may hold, counted while scanning; default CSV_MAX_FIELDS_PER_ROW. */
  readonly maxFieldsPerRow?: number;
  /** Bytes one CSV row may span, line end excluded; default CSV_MAX_ROW_BYTES. */
  readonly maxRowBytes?: number;
}

export type RecordBatches = AsyncIterable<RecordBatch>;
