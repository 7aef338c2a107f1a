/**
 * Opens any supported input as record batches: detects compression and format from the first
 * bytes (magic numbers first, then content, then the name's extension), decompresses gzip on the
 * way with a decompression-bomb limit, and dispatches to the format's streaming reader.
 */
import type { CsvOptions, DataFormat } from '../contracts/output-contract';
import { FormatError } from '../errors';
import { readArrow } from './arrow-lazy';
import type { ByteSource } from './byte-io';
import { columnBatchOf, type ColumnBatch } from './column-batch';
import { readCsvColumns } from './csv-column-reader';
import { readCsv, type CsvReadOptions } from './csv-reader';
import { detectFormat, type Detection } from './detect-format';
import { gunzipLimited, isGzip } from './gzip-stream';
import { readJsonArray } from './json-array-reader';
import { readJsonLines } from './jsonl-reader';
import { readParquetColumns } from './parquet-column-reader';
import { readParquet } from './parquet-reader';
import type { RecordBatch } from './record-batch';
import type { ReaderLimits } from './table-io';
import { gunzipSync, constants } from 'node:zlib';

export const HEAD_BYTES = 64 * 1024;

export interface OpenTableOptions extends ReaderLimits {
  /** The format the caller requires: a different format by magic bytes is an error. */
  readonly format?: DataFormat;
  /** The format to assume when neither the content nor the name settles it. */
  readonly formatHint?: DataFormat;
  readonly csv?: CsvOptions;
  /** Column names for CSV without a header (the contract schema's order). */
  readonly columns?: readonly string[];
}

export interface OpenedTable {
  readonly detection: Detection;
  /** The format the batches were read as. */
  readonly format: DataFormat;
  readonly batches: AsyncIterable<RecordBatch>;
  /**
   * The same table as column batches (the columnar data path), instead of `batches`: read one or
   * the other. `select` names the columns to decode (the others keep their names, with a null
   * vector); the formats that cannot skip a column decode all. `shape.stringsAsText`: Parquet's
   * plain ASCII strings as text vectors (bytes + offsets) for a consumer that reads those (the
   * validator); the other formats ignore it. `shape.reuseBatches`: a CSV or Parquet batch is valid
   * only until the next is asked for (see readCsvColumns, readParquetColumns), for a consumer that
   * copies out what it keeps (the validator, the conversion's read-back; never the conversion's
   * write side); the row formats ignore it.
   */
  readonly columnBatches: (
    select?: readonly string[],
    shape?: { readonly stringsAsText?: boolean; readonly reuseBatches?: boolean },
  ) => AsyncIterable<ColumnBatch>;
}

/** Reads the head of a source and detects its format and compression. */
export async function inspectSource(source: ByteSource): Promise<Detection & { readonly size: number }> {
  const size = await source.size();
  const head = size === 0 ? new Uint8Array() : await source.readRange(0, HEAD_BYTES);
  let inflated: Uint8Array | undefined;
  if (isGzip(head)) {
    try {
      // A sync flush inflates as much of the truncated head as possible instead of failing.
      inflated = gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: HEAD_BYTES * 64 });
    } catch {
      inflated = new Uint8Array();
    }
  }
  return { ...detectFormat(source.name, head, inflated), size };
}

export async function openTable(source: ByteSource, options: OpenTableOptions = {}): Promise<OpenedTable> {
  const detection = await inspectSource(source);
  if (detection.size === 0) throw new FormatError(`${source.name} is empty (0 bytes)`, { byteOffset: 0 });
  let format: DataFormat;
  if (detection.source === 'magic') {
    if (options.format && options.format !== detection.format) {
      throw new FormatError(
        `${source.name} is ${detection.format} (by its magic bytes), not ${options.format}`,
        { byteOffset: 0 },
      );
    }
    format = detection.format as DataFormat;
  } else if (options.format) format = options.format;
  else if (detection.format !== 'unknown') format = detection.format;
  else if (options.formatHint) format = options.formatHint;
  else
    throw new FormatError(
      `cannot tell the format of ${source.name}; name it (csv, jsonl, json, parquet, arrow)`,
      { byteOffset: 0 },
    );

  // Every limit goes to every reader (each name means one thing whatever the format; a reader
  // ignores those that do not concern it), so a limit set in PRT_READER_LIMITS holds for all formats.
  const limits = readerLimitsOf(options);
  const gzip = detection.compression === 'gzip';
  if (format === 'parquet') {
    if (gzip)
      throw new FormatError('gzip-compressed Parquet is not supported: Parquet compresses its pages itself', {
        byteOffset: 0,
      });
    return {
      detection,
      format,
      batches: namingSource(readParquet(source, limits), source.name),
      columnBatches: (select, shape) =>
        namingSource(
          readParquetColumns(source, {
            ...limits,
            ...(select ? { columns: select, presentOnly: true } : {}),
            ...(shape?.stringsAsText ? { stringsAsText: true } : {}),
            ...(shape?.reuseBatches ? { reuseBatches: true } : {}),
          }),
          source.name,
        ),
    };
  }
  const bytes = gzip
    ? gunzipLimited(source.stream(), options.maxDecompressedBytes, options.maxInflateRatio)
    : source.stream();
  let batches: AsyncIterable<RecordBatch>;
  let columnBatches: ((reuseBatches: boolean) => AsyncIterable<ColumnBatch>) | undefined;
  switch (format) {
    case 'csv': {
      const csvOptions: CsvReadOptions = {
        ...limits,
        delimiter: options.csv?.delimiter ?? ',',
        header: options.csv?.header ?? true,
        ...(options.csv?.quote !== undefined ? { quote: options.csv.quote } : {}),
        ...(options.csv?.escape !== undefined ? { escape: options.csv.escape } : {}),
        ...(options.csv?.lenientQuotes ? { lenientQuotes: true } : {}),
        ...(options.columns ? { columns: options.columns } : {}),
      };
      batches = readCsv(bytes, csvOptions);
      // Text vectors straight from the bytes: every column is scanned anyway to find the next one.
      columnBatches = (reuseBatches) =>
        readCsvColumns(bytes, reuseBatches ? { ...csvOptions, reuseBatches } : csvOptions);
      break;
    }
    case 'jsonl':
      batches = readJsonLines(bytes, limits);
      break;
    case 'json':
      batches = readJsonArray(bytes, limits);
      break;
    case 'arrow':
      batches = readArrow(
        gzip
          ? {
              name: source.name,
              size: () => source.size(),
              stream: () => bytes,
              readRange: () =>
                Promise.reject(new FormatError('gzip-compressed Arrow is read as a stream only')),
            }
          : source,
        limits,
      );
      break;
  }
  return {
    detection,
    format,
    batches: namingSource(batches, source.name),
    columnBatches: (_select, shape) =>
      namingSource(columnBatches?.(shape?.reuseBatches ?? false) ?? columnsOf(batches), source.name),
  };
}

/** Column batches of a row reader's batches. */
async function* columnsOf(batches: AsyncIterable<RecordBatch>): AsyncGenerator<ColumnBatch> {
  for await (const batch of batches) yield columnBatchOf(batch);
}

const READER_LIMIT_NAMES = [
  'batchSize',
  'maxFieldLength',
  'maxRecordLength',
  'maxDecompressedBytes',
  'maxInflateRatio',
  'maxRowGroupRows',
  'maxRowGroupBytes',
  'maxRecordBatchRows',
  'maxColumns',
  'maxFieldsPerRow',
  'maxRowBytes',
] as const satisfies readonly (keyof ReaderLimits)[];
/** Compile-time proof that READER_LIMIT_NAMES lists every limit: a new one cannot be left behind. */
const EVERY_LIMIT_LISTED: Exclude<keyof ReaderLimits, (typeof READER_LIMIT_NAMES)[number]> extends never
  ? true
  : never = true;
void EVERY_LIMIT_LISTED;

/** The limits among the options, and nothing else (the readers take their own options besides). */
function readerLimitsOf(options: OpenTableOptions): ReaderLimits {
  const limits: { -readonly [K in keyof ReaderLimits]: ReaderLimits[K] } = {};
  for (const name of READER_LIMIT_NAMES) {
    const value = options[name];
    if (value !== undefined) limits[name] = value;
  }
  return limits;
}

/**
 * Re-raises a reader's FormatError naming the object it came from: one test run reads many
 * objects, and a line number alone does not say which one to open.
 */
async function* namingSource<B>(batches: AsyncIterable<B>, name: string): AsyncGenerator<B> {
  try {
    yield* batches;
  } catch (error) {
    throw error instanceof FormatError ? error.withSource(name) : error;
  }
}
