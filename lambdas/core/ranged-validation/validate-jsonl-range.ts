/**
 * Validates one byte range of a JSON Lines object (planJsonLinesRanges) into a mergeable state.
 * It reads the range as runValidation reads JSON Lines (the same reader and limits, its record
 * batches as column batches, into the same engine), so the states of an object's ranges, merged
 * in order, are the state of one pass: columns first seen in a later range join the merged state
 * in the order one reader would have seen them. Rows are numbered from 1 within the range: the
 * caller renumbers.
 */
import type { OutputContract } from '../contracts/output-contract';
import { byteRangeSource, type ByteSource } from '../formats/byte-io';
import { columnBatchOf } from '../formats/column-batch';
import { readJsonLines } from '../formats/jsonl-reader';
import type { ReaderLimits } from '../formats/table-io';
import { ValidationState, type ValidateOptions } from '../validation/validate-records';

export interface JsonLinesRangeTask {
  readonly contract: OutputContract;
  /** Bytes [start, end) of the object: whole lines. */
  readonly start: number;
  readonly end: number;
  readonly readerLimits?: ReaderLimits;
}

export async function validateJsonLinesRange(
  object: ByteSource,
  task: JsonLinesRangeTask,
  options: Pick<
    ValidateOptions,
    'onFailedRow' | 'referenceSets' | 'exactDistinctBound' | 'uniqueKeyBound'
  > = {},
): Promise<ValidationState> {
  const limits = task.readerLimits ?? {};
  const batches = readJsonLines(byteRangeSource(object, task.start, task.end).stream(), {
    ...(limits.batchSize !== undefined ? { batchSize: limits.batchSize } : {}),
    ...(limits.maxRecordLength !== undefined ? { maxRecordLength: limits.maxRecordLength } : {}),
    ...(limits.maxColumns !== undefined ? { maxColumns: limits.maxColumns } : {}),
    fromObjectStart: task.start === 0,
  });
  const state = new ValidationState(task.contract, options);
  for await (const batch of batches) await state.addColumns(columnBatchOf(batch));
  return state;
}
