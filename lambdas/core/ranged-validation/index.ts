// The public face of ranged validation: one byte range of a CSV object into a mergeable state,
// for callers that validate the ranges of one object side by side. Kept apart from the validation
// area's face so that a worker thread loading it does not load every format's reader.
export { validateCsvRange } from './validate-csv-range';
export type { CsvRangeTask } from './validate-csv-range';
