/** Creates the writer for a format, gzip-compressing text formats when asked. */
import type { Compression, DataFormat } from '../contracts/output-contract';
import { FormatError } from '../errors';
import { createArrowWriter } from './arrow-writer';
import type { ByteSink } from './byte-io';
import { gzipSink } from './gzip-stream';
import { createParquetWriter } from './parquet-writer';
import type { TableWriter, WriterOptions } from './table-io';
import { CsvWriter, JsonArrayWriter, JsonLinesWriter } from './text-writers';

export function createTableWriter(
  format: DataFormat,
  sink: ByteSink,
  options: WriterOptions & { readonly compression?: Compression },
): TableWriter {
  const gzip = options.compression === 'gzip';
  if (gzip && (format === 'parquet' || format === 'arrow')) {
    throw new FormatError(
      `gzip around ${format} is not supported: use the format's own compression (--parquet-codec)`,
    );
  }
  const out = gzip ? gzipSink(sink) : sink;
  switch (format) {
    case 'csv':
      return new CsvWriter(out, options.schema, options.csv ?? {});
    case 'jsonl':
      return new JsonLinesWriter(out, options.schema);
    case 'json':
      return new JsonArrayWriter(out, options.schema);
    case 'parquet':
      return createParquetWriter(out, options);
    case 'arrow':
      return createArrowWriter(out, options);
  }
}
