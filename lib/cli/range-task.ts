/**
 * One range of a parallel validation (parallel-validation.ts): validates a range of a local file
 * (CSV bytes with the header prepended, or Parquet row groups) into the range's mergeable state. Failing rows go to a spool file
 * with range-local row numbers; the parent renumbers them once it knows the row counts of the
 * ranges before this one, so no failing row is held in memory. A worker thread runs it
 * (validation-worker.ts), and so does the parent itself, which is one of the lanes.
 */
import { open, type FileHandle } from 'node:fs/promises';
import type { OutputContract } from '../../lambdas/core/contracts';
import type { ReaderLimits } from '../../lambdas/core/formats';
import { FailedRowLines, validateCsvRange, validateParquetRange } from '../../lambdas/core/ranged-validation';
import { fileSource } from '../../lambdas/core/storage';
import type { FailedRow, ValidationStateJson } from '../../lambdas/core/validation';

interface TaskBase {
  readonly contract: OutputContract;
  readonly path: string;
  readonly readerLimits: ReaderLimits;
  readonly referenceSets: Map<string, Set<string>>;
  /** Where failing rows are spooled (JSON Lines); absent when nobody collects them. */
  readonly failedRowsFile?: string;
}

/** What the parent hands to a lane for one range. */
export type RangeTask =
  | (TaskBase & {
      readonly kind: 'csv';
      readonly headerEnd: number;
      readonly start: number;
      readonly end: number;
    })
  | (TaskBase & {
      readonly kind: 'parquet';
      readonly rowGroups: { readonly start: number; readonly end: number };
    });

export type RangeResult =
  | { readonly ok: true; readonly state: ValidationStateJson; readonly failedRows: number }
  | { readonly ok: false; readonly error: string };

async function validate(task: RangeTask): Promise<RangeResult> {
  let spool: FileHandle | undefined;
  const lines = new FailedRowLines((block) => spool!.write(block));
  const file = task.failedRowsFile;
  const onFailedRow = file
    ? async (row: FailedRow): Promise<void> => {
        spool ??= await open(file, 'w');
        await lines.add(row);
      }
    : undefined;
  try {
    const options = { referenceSets: task.referenceSets, ...(onFailedRow ? { onFailedRow } : {}) };
    const source = fileSource(task.path);
    const state =
      task.kind === 'csv'
        ? await validateCsvRange(source, task, options)
        : await validateParquetRange(source, task, options);
    await lines.flush();
    return { ok: true, state: state.toJSON(), failedRows: lines.count };
  } finally {
    await spool?.close();
  }
}

/**
 * Validates one range. Any error comes back as a result: the parent then validates the whole
 * file in one pass, which reports it with the location one pass gives.
 */
export function validateRange(task: RangeTask): Promise<RangeResult> {
  return validate(task).catch((error: unknown): RangeResult => ({
    ok: false,
    error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
  }));
}
