/**
 * Validates a run of row groups of a Parquet object (planParquetRanges) into a mergeable state.
 * It reads as runValidation reads Parquet (the contract's columns only, the same reader and
 * limits, into the same engine), so the states of a file's ranges, merged in order, are the state
 * of one pass. Rows are numbered from 1 within the range: the caller renumbers.
 */
import type { OutputContract } from '../contracts/output-contract';
import type { ByteSource } from '../formats/byte-io';
import { readParquetColumns } from '../formats/parquet-column-reader';
import type { ReaderLimits } from '../formats/table-io';
import { ValidationState, type ValidateOptions } from '../validation/validate-records';

export interface ParquetRangeTask {
  readonly contract: OutputContract;
  /** Row groups [start, end). */
  readonly rowGroups: { readonly start: number; readonly end: number };
  readonly readerLimits?: ReaderLimits;
}

export async function validateParquetRange(
  object: ByteSource,
  task: ParquetRangeTask,
  options: Pick<
    ValidateOptions,
    'onFailedRow' | 'referenceSets' | 'exactDistinctBound' | 'uniqueKeyBound'
  > = {},
): Promise<ValidationState> {
  const batches = readParquetColumns(object, {
    ...task.readerLimits,
    columns: task.contract.schema.map((c) => c.name),
    presentOnly: true,
    rowGroups: task.rowGroups,
    // As a whole-object validation reads them (run-validation.ts): the states merge alike.
    stringsAsText: true,
    // The engine keeps nothing of a batch but strings and numbers (see ValidationState.addColumns).
    reuseBatches: true,
  });
  const state = new ValidationState(task.contract, options);
  for await (const batch of batches) await state.addColumns(batch);
  return state;
}
