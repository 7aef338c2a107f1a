/**
 * Writes one tested version's rows into the results dataset: a Parquet file per table at a key
 * derived from the tested version alone (`<prefix><table>/dt=<arrival date>/pipeline=<p>/<hash>.parquet`).
 * A retried execution, a redrive or a merge run twice writes the same keys, so it overwrites its
 * own files and never adds rows; the date is the arrival's (the S3 event time, the same in every
 * delivery and retry), not the time of writing. Files go through the object store port, written
 * by the project's own Parquet encoder.
 */
import { createParquetWriter } from '../formats/parquet-writer';
import type { ObjectStore } from '../storage/object-store';
import {
  buildEndedRows,
  buildResultsRows,
  versionHash,
  type EndedVersion,
  type ResultsInput,
  type ResultsRows,
  type TestedVersion,
} from './results-rows';
import { RESULTS_SCHEMAS, RESULTS_TABLES, type ResultsTable } from './results-tables';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';

export interface ResultsDeps {
  readonly store: Pick<ObjectStore, 'sink'>;
  readonly artifactsBucket: string;
  /** Where the dataset's tables live in the artifacts bucket (`results/`). */
  readonly resultsPrefix: string;
}

/** The arrival's UTC date, `YYYY-MM-DD`: the `dt` partition. */
export function arrivalDate(arrivedAt: string): string {
  const ms = Date.parse(arrivedAt);
  if (!Number.isFinite(ms)) throw new Error(`arrival time '${arrivedAt}' is not an ISO time`);
  return new Date(ms).toISOString().slice(0, 10);
}

/** The key of a table's file for one tested version. */
export function resultsKey(
  prefix: string,
  table: ResultsTable,
  version: Pick<TestedVersion, 'bucket' | 'key' | 'version' | 'arrivedAt' | 'pipeline'>,
): string {
  // Pipeline names are letters, digits, _ . - (contract schema): safe in a Hive folder name.
  return `${prefix}${table}/dt=${arrivalDate(version.arrivedAt)}/pipeline=${version.pipeline}/${versionHash(version)}.parquet`;
}

/** Writes the version's three files; returns their keys. */
export async function writeResults(
  input: ResultsInput,
  deps: ResultsDeps,
): Promise<Readonly<Record<ResultsTable, string>>> {
  return writeRows(input.version, buildResultsRows(input), deps);
}

/**
 * Writes the rows of a version whose test ended without a report (buildEndedRows) at the same keys
 * a report's rows take: a retry overwrites them, and rows an earlier attempt wrote for the version
 * are replaced (an empty file where it now has none), so the version keeps exactly one version row.
 */
export async function writeEndedResults(
  input: EndedVersion,
  deps: ResultsDeps,
): Promise<Readonly<Record<ResultsTable, string>>> {
  return writeRows(input.version, buildEndedRows(input), deps);
}

async function writeRows(
  version: TestedVersion,
  { rows }: ResultsRows,
  deps: ResultsDeps,
): Promise<Readonly<Record<ResultsTable, string>>> {
  const keys = {} as Record<ResultsTable, string>;
  for (const table of RESULTS_TABLES) {
    const key = resultsKey(deps.resultsPrefix, table, version);
    const writer = createParquetWriter(deps.store.sink(deps.artifactsBucket, key, PARQUET_CONTENT_TYPE), {
      schema: RESULTS_SCHEMAS[table],
      parquet: { codec: 'snappy' },
    });
    try {
      await writer.write(rows[table]);
      await writer.close();
    } catch (error) {
      await writer.abort().catch(() => undefined);
      throw error;
    }
    keys[table] = key;
  }
  return keys;
}
