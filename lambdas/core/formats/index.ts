// The public face of formats: format detection, content types, the byte I/O port, record batches and
// the table readers. Every importer that uses a value from here reads tables anyway; the others
// import types only, which the compiler erases.
export { arrowSchemaOf } from './arrow-lazy';
export type { ByteSink, ByteSource } from './byte-io';
export { contentTypeOf, extensionOf } from './content-type';
export { readCsvColumns } from './csv-column-reader';
export { formatFromExtension } from './detect-format';
export { HEAD_BYTES, inspectSource, openTable } from './open-table';
export { readParquetColumns } from './parquet-column-reader';
export { parquetSchemaOf } from './parquet-reader';
export { parquetLeafKind } from './parquet-types';
export type { InferredColumn } from './parquet-types';
export type { RawCell, RecordBatch } from './record-batch';
export type { ParquetCodec, ReaderLimits } from './table-io';
export { csvRangeSource, planCsvRanges } from './csv-ranges';
export type { CsvRange, CsvRangeOptions, CsvRangePlan } from './csv-ranges';
export { planParquetRanges, splitRowGroups } from './parquet-ranges';
export type { ParquetRange } from './parquet-ranges';
export type { Detection } from './detect-format';
