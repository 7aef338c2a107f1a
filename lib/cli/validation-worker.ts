/**
 * One worker thread of a parallel validation (parallel-validation.ts): validates one byte range of
 * a local CSV, the header prepended, and posts back the range's mergeable state. Failing rows go
 * to a spool file with range-local row numbers; the parent renumbers them once it knows the row
 * counts of the ranges before this one, so no failing row is held in memory here or there.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import type { OutputContract } from '../../lambdas/core/contracts';
import type { ReaderLimits } from '../../lambdas/core/formats';
import { validateCsvRange } from '../../lambdas/core/ranged-validation';
import { fileSource } from '../../lambdas/core/storage';
import type { FailedRow, ValidationStateJson } from '../../lambdas/core/validation';

/** What the parent posts to a started thread (threads start before the ranges are planned). */
export interface RangeTask {
  readonly contract: OutputContract;
  readonly path: string;
  readonly headerEnd: number;
  readonly start: number;
  readonly end: number;
  readonly readerLimits: ReaderLimits;
  readonly referenceSets: Map<string, Set<string>>;
  /** Where failing rows are spooled (JSON Lines); absent when nobody collects them. */
  readonly failedRowsFile?: string;
}

export type RangeResult =
  | { readonly ok: true; readonly state: ValidationStateJson; readonly failedRows: number }
  | { readonly ok: false; readonly error: string };

const FLUSH_AT = 1 << 20;

async function validateRange(task: RangeTask): Promise<RangeResult> {
  let spool: FileHandle | undefined;
  let pending: string[] = [];
  let size = 0;
  let failedRows = 0;
  const flush = async (): Promise<void> => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    size = 0;
    await spool!.write(text);
  };
  const file = task.failedRowsFile;
  const onFailedRow = file
    ? async (row: FailedRow): Promise<void> => {
        spool ??= await open(file, 'w');
        failedRows++;
        const line = `${JSON.stringify(row)}\n`;
        pending.push(line);
        size += line.length;
        if (size >= FLUSH_AT) await flush();
      }
    : undefined;
  try {
    const state = await validateCsvRange(fileSource(task.path), task, {
      referenceSets: task.referenceSets,
      ...(onFailedRow ? { onFailedRow } : {}),
    });
    await flush();
    return { ok: true, state: state.toJSON(), failedRows };
  } finally {
    await spool?.close();
  }
}

const port = parentPort;
if (port) {
  port.once('message', (task: RangeTask) => {
    // Any error goes back as a message: the parent then validates the whole file in one pass,
    // which reports it with the location one pass gives.
    void validateRange(task)
      .catch((error: unknown): RangeResult => ({
        ok: false,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      }))
      .then((result) => port.postMessage(result));
  });
}
