import type { Compression, DataFormat } from '../contracts/output-contract';

const TYPES: Record<DataFormat, string> = {
  csv: 'text/csv',
  jsonl: 'application/x-ndjson',
  json: 'application/json',
  parquet: 'application/vnd.apache.parquet',
  arrow: 'application/vnd.apache.arrow.stream',
};

/** Content type to store an object of this format under (gzip text is application/gzip). */
export function contentTypeOf(format: DataFormat, compression: Compression = 'none'): string {
  return compression === 'gzip' ? 'application/gzip' : TYPES[format];
}

/** File extension for a format (with .gz when compressed). */
export function extensionOf(format: DataFormat, compression: Compression = 'none'): string {
  return `${format}${compression === 'gzip' ? '.gz' : ''}`;
}
