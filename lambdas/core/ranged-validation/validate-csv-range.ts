/**
 * Validates one byte range of a CSV object (planCsvRanges), its header prepended, into a
 * mergeable state. It reads the range as runValidation reads a CSV (openTable's column batches:
 * the same reader, dialect and limits, into the same engine), so the states of a file's ranges,
 * merged in order, are the state of one pass. Rows are numbered from 1 within the range: the
 * caller renumbers.
 *
 * It imports only the CSV column reader and the validation engine (not every format's reader, as
 * openTable does), because a worker thread loads it on every start.
 */
import type { OutputContract } from '../contracts/output-contract';
import type { ByteSource } from '../formats/byte-io';
import { csvRangeSource, type CsvRangePlan } from '../formats/csv-ranges';
import { readCsvColumns } from '../formats/csv-column-reader';
import type { ReaderLimits } from '../formats/table-io';
import { ValidationState, type ValidateOptions } from '../validation/validate-records';

export interface CsvRangeTask {
  readonly contract: OutputContract;
  /** The plan's header end and the one range to validate. */
  readonly headerEnd: number;
  readonly start: number;
  readonly end: number;
  readonly readerLimits?: ReaderLimits;
}

export async function validateCsvRange(
  object: ByteSource,
  task: CsvRangeTask,
  options: Pick<
    ValidateOptions,
    'onFailedRow' | 'referenceSets' | 'exactDistinctBound' | 'uniqueKeyBound'
  > = {},
): Promise<ValidationState> {
  const { contract } = task;
  const csv = contract.csv;
  const plan: CsvRangePlan = {
    headerEnd: task.headerEnd,
    columns: 0,
    ranges: [{ start: task.start, end: task.end }],
  };
  const batches = readCsvColumns(csvRangeSource(object, plan, 0).stream(), {
    ...task.readerLimits,
    delimiter: csv.delimiter ?? ',',
    header: csv.header ?? true,
    ...(csv.quote !== undefined ? { quote: csv.quote } : {}),
    ...(csv.escape !== undefined ? { escape: csv.escape } : {}),
    ...(csv.lenientQuotes ? { lenientQuotes: true } : {}),
    ...(csv.header ? {} : { columns: contract.schema.map((c) => c.name) }),
    // The engine keeps nothing of a batch but strings and numbers (see ValidationState.addColumns).
    reuseBatches: true,
  });
  const state = new ValidationState(contract, options);
  for await (const batch of batches) await state.addColumns(batch);
  return state;
}
