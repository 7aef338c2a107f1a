/**
 * The only bench file that knows prt's API. Every prt case goes through these functions, so when
 * prt's readers, converter or validator change, this file is the one to update.
 *
 * Files are opened with prt's own file byte I/O (fileSource / fileSink), the same code `prt` uses
 * for local files; in a Lambda the bytes come from S3 instead. The converter and the parallel runner
 * are imported by the cases that use them, so a validation child loads what the validate function
 * loads, not the writers.
 */
import { readFile } from 'node:fs/promises';
import { parseContract } from '../lambdas/core/contracts/parse-contract';
import type { OutputContract } from '../lambdas/core/contracts/output-contract';
import { readCsvColumns } from '../lambdas/core/formats/csv-column-reader';
import { readParquetColumns } from '../lambdas/core/formats/parquet-column-reader';
import { fileSink, fileSource } from '../lambdas/core/storage/file-byte-io';
import { validateColumns } from '../lambdas/core/validation/validate-records';
import type { ValidationReport } from '../lambdas/core/validation/validation-report';

/** How prt reads Parquet here, printed with case c. */
export const PARQUET_READER =
  "prt readParquetColumns: the contract's columns only, one row group at a time into typed vectors (plain ASCII strings as bytes + offsets)";

/** What the bench compares across engines: row count, nulls per column, passed count per rule. */
export interface CheckResult {
  readonly rows: number;
  readonly nulls: Readonly<Record<string, number>>;
  readonly passed: Readonly<Record<string, number>>;
  readonly status: string;
}

export type Contract = OutputContract;

export async function loadContract(path: string): Promise<Contract> {
  return parseContract(await readFile(path, 'utf8'), path);
}

function summary(report: ValidationReport): CheckResult {
  return {
    rows: report.rowCount,
    nulls: Object.fromEntries(report.schema.columns.map((c) => [c.name, c.nulls])),
    passed: Object.fromEntries(report.rules.map((r) => [r.name, r.passed])),
    status: report.status,
  };
}

/** Streams the file through prt's CSV reader (bytes into column batches) into prt's validator. */
export async function parseAndCheckCsv(path: string, contract: Contract): Promise<CheckResult> {
  // As prt's validation reads a CSV: the reader reuses its buffers, the engine copying out what it keeps.
  return summary(
    await validateColumns(contract, readCsvColumns(fileSource(path).stream(), { reuseBatches: true })),
  );
}

/** prt's converter (CSV → Parquet, snappy), including its read-back equivalence proof. */
export async function csvToParquet(
  inPath: string,
  outPath: string,
  contract: Contract,
): Promise<{ rows: number }> {
  const { convertTable } = await import('../lambdas/core/conversion/convert-table');
  const result = await convertTable(fileSource(inPath), fileSink(outPath), () => fileSource(outPath), {
    to: 'parquet',
    contract,
    parquetCodec: 'snappy',
  });
  return { rows: result.rowsOut };
}

/** Streams the Parquet file through prt's Parquet reader into prt's validator. */
export async function parquetReadAndCheck(path: string, contract: Contract): Promise<CheckResult> {
  const columns = contract.schema.map((c) => c.name);
  // As prt's validation reads Parquet (openTable's columnBatches): the reader reuses its arrays.
  return summary(
    await validateColumns(
      contract,
      readParquetColumns(fileSource(path), {
        columns,
        presentOnly: true,
        stringsAsText: true,
        reuseBatches: true,
      }),
    ),
  );
}

/**
 * `prt validate --workers n`'s runner: the file planned into ranges (a CSV into byte ranges at
 * record starts, a Parquet file into runs of row groups; several per lane), validated by this
 * thread and n − 1 worker threads as each comes free, states merged. The note says how many
 * ranges and lanes it really used (a file it cannot split goes through one pass, which would make
 * the column a one-worker figure).
 */
export async function parallelCheck(
  path: string,
  contract: Contract,
  workers: number,
): Promise<{ checks: CheckResult; note: string }> {
  const { runParallelValidation } = await import('../lib/cli/parallel-validation');
  const run = await runParallelValidation(contract, path, { workers, openSource: fileSource });
  const t = run.timeline;
  // Where the lanes spent the run: the worker's start, then each range as lane:start-end (s).
  const s = (ms: number): string => (ms / 1000).toFixed(2);
  const timeline = t
    ? `; worker ready at ${t.workerReadyMs.map(s).join(', ')} s, ranges ${t.ranges.map((r) => `${r.lane}:${s(r.startMs)}-${s(r.endMs)}`).join(' ')}, merged at ${s(t.doneMs)} s`
    : '';
  return {
    checks: summary(run.report),
    note: `${run.ranges} range(s) on ${run.lanes} lane(s) (${run.rangesByLane.join(' + ')})${run.onePassBecause ? `, one pass: ${run.onePassBecause}` : ''}${timeline}`,
  };
}

/** prt's converter (Parquet → CSV), including its read-back equivalence proof, as for case b. */
export async function parquetToCsv(inPath: string, outPath: string): Promise<{ rows: number }> {
  const { convertTable } = await import('../lambdas/core/conversion/convert-table');
  const result = await convertTable(fileSource(inPath), fileSink(outPath), () => fileSource(outPath), {
    to: 'csv',
  });
  return { rows: result.rowsOut };
}
