/**
 * Validates a run of record batches of an Arrow IPC file (planArrowRanges) into a mergeable state.
 * It reads as runValidation reads Arrow (the same reader and limits, its record batches as column
 * batches, into the same engine), so the states of a file's runs, merged in order, are the state
 * of one pass. A run planned as the whole object (an IPC stream, or a file whose footer cannot be
 * trusted) is read as one reader reads it. Rows are numbered from 1 within the run: the caller
 * renumbers.
 */
import type { OutputContract } from '../contracts/output-contract';
import { readArrow } from '../formats/arrow-lazy';
import type { ByteSource } from '../formats/byte-io';
import { columnBatchOf } from '../formats/column-batch';
import type { ReaderLimits } from '../formats/table-io';
import { ValidationState, type ValidateOptions } from '../validation/validate-records';

export interface ArrowRangeTask {
  readonly contract: OutputContract;
  /** Record batches [start, end) in footer order, or null for the whole object. */
  readonly recordBatches: { readonly start: number; readonly end: number } | null;
  readonly readerLimits?: ReaderLimits;
}

export async function validateArrowRange(
  object: ByteSource,
  task: ArrowRangeTask,
  options: Pick<
    ValidateOptions,
    'onFailedRow' | 'referenceSets' | 'exactDistinctBound' | 'uniqueKeyBound'
  > = {},
): Promise<ValidationState> {
  const batches = readArrow(object, {
    ...task.readerLimits,
    ...(task.recordBatches ? { recordBatches: task.recordBatches } : {}),
  });
  const state = new ValidationState(task.contract, options);
  for await (const batch of batches) await state.addColumns(columnBatchOf(batch));
  return state;
}
