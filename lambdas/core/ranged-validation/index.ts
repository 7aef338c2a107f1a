// The public face of ranged validation: one range of an object (CSV bytes, Parquet row groups)
// into a mergeable state, for callers that validate the ranges of one object side by side. Kept
// apart from the validation area's face so that a worker thread loading it does not load every
// format's reader.
export { validateCsvRange } from './validate-csv-range';
export type { CsvRangeTask } from './validate-csv-range';
export { validateParquetRange } from './validate-parquet-range';
export type { ParquetRangeTask } from './validate-parquet-range';
// A range spools its failing rows as the one-pass run writes its quarantine.
export { FailedRowLines } from '../validation/failed-row-lines';
export { validateJsonLinesRange } from './validate-jsonl-range';
export type { JsonLinesRangeTask } from './validate-jsonl-range';
export { validateArrowRange } from './validate-arrow-range';
export type { ArrowRangeTask } from './validate-arrow-range';
