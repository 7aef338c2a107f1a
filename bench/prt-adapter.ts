/**
 * The only bench file that knows prt's API. Every prt case goes through these functions, so when
 * prt's readers or validators change, this file is the one to update.
 *
 * PARQUET_READER says how Parquet is read today: prt has no streaming Parquet reader yet, so
 * parquetReadAndCheck loads the whole file with hyparquet's parquetReadObjects and turns the rows
 * into RecordBatches (cell text, the shape validateRecords takes). Replace its body when the
 * streaming reader lands, and update PARQUET_READER.
 */
import { createReadStream } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { parquetReadObjects } from 'hyparquet';
import { parseContract } from '../lambdas/core/contracts/parse-contract';
import type { OutputContract } from '../lambdas/core/contracts/output-contract';
import { convertRecords } from '../lambdas/core/conversion/convert-records';
import { readCsv } from '../lambdas/core/formats/csv-reader';
import type { RecordBatch } from '../lambdas/core/formats/record-batch';
import { validateRecords } from '../lambdas/core/validation/validate-records';

export const PARQUET_READER =
  'interim: hyparquet parquetReadObjects over the whole file, rows turned into RecordBatches (prt has no streaming Parquet reader yet)';

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

async function check(contract: Contract, batches: AsyncIterable<RecordBatch>): Promise<CheckResult> {
  const report = await validateRecords(contract, batches);
  return {
    rows: report.rowCount,
    nulls: Object.fromEntries(report.schema.columns.map((c) => [c.name, c.nulls])),
    passed: Object.fromEntries(report.rules.map((r) => [r.name, r.passed])),
    status: report.status,
  };
}

/** Streams the file through prt's CSV reader into prt's validator. */
export async function parseAndCheckCsv(path: string, contract: Contract): Promise<CheckResult> {
  return check(contract, readCsv(createReadStream(path)));
}

/** prt's converter (CSV → Parquet, snappy, with its read-back equivalence proof), written to outPath. */
export async function csvToParquet(
  inPath: string,
  outPath: string,
  contract: Contract,
): Promise<{ rows: number; bytes: number }> {
  const result = await convertRecords(contract, readCsv(createReadStream(inPath)), 'parquet');
  await writeFile(outPath, result.body);
  return { rows: result.rowsOut, bytes: result.body.byteLength };
}

function cellText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

function asAsync<T>(items: Iterable<T>): AsyncIterable<T> {
  const it = items[Symbol.iterator]();
  return { [Symbol.asyncIterator]: () => ({ next: () => Promise.resolve(it.next()) }) };
}

/** See PARQUET_READER: the whole file is read at once until prt has a streaming Parquet reader. */
export async function parquetReadAndCheck(path: string, contract: Contract): Promise<CheckResult> {
  const buf = await readFile(path);
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
  const objects: Record<string, unknown>[] = await parquetReadObjects({ file, utf8: true });
  const columns = contract.schema.map((c) => c.name);
  function* batches(): Generator<RecordBatch> {
    const size = 10_000;
    for (let start = 0; start < objects.length; start += size) {
      const rows = objects.slice(start, start + size).map((o) => columns.map((name) => cellText(o[name])));
      yield { columns, rows, firstRow: start + 1 };
    }
  }
  return check(contract, asAsync(batches()));
}
