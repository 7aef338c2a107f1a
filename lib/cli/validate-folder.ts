/**
 * `prt validate <folder>`: a local folder of part files (Spark, Glue, Hive output) validated as
 * one output, as the workflow's partitioned branch does: every data part (names starting with `_`
 * or `.` are not data) validated in byte order with the values of its Hive-style folders as
 * columns (the contract's `partition_by`), the parts' states merged into the report of one pass.
 *
 * A part in another format than the contract's is unreadable (rule `parts_readable`), a part whose
 * folders do not give the declared partition columns is reported on `partition_folders`, and a
 * folder without parts fails `parts_present`: none is silently left out of the verdict.
 */
import { readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import type { OutputContract } from '../../lambdas/core/contracts';
import { FormatError, PartitionPathError } from '../../lambdas/core/errors';
import {
  inspectSource,
  type ByteSource,
  type Detection,
  type ReaderLimits,
} from '../../lambdas/core/formats';
import { byteOrder, isDataPart } from '../../lambdas/core/registry';
import { fileSource } from '../../lambdas/core/storage';
import {
  formatMatches,
  loadRuleReferences,
  partitionValuesOf,
  runPartialValidation,
  ValidationState,
  type ValidationReport,
} from '../../lambdas/core/validation';

/** Parts listed at once: bounded, as the workflow's manifest is (10,000 items per map). */
export const MAX_FOLDER_PARTS = 100_000;

export interface FolderRun {
  readonly report: ValidationReport;
  readonly detection: Detection;
  readonly format: string;
  readonly quarantinedRows: number;
  readonly parts: number;
  /** Parts read and merged; the others were unreadable or misplaced (named in the report). */
  readonly validated: number;
  readonly bytes: number;
}

export interface FolderDeps {
  readonly openSource: (location: string) => ByteSource;
  readonly readerLimits?: ReaderLimits;
}

/** The data parts under `folder`, as `/`-separated paths below it, in S3's (byte) order. */
export function folderParts(folder: string): string[] {
  const entries = readdirSync(folder, { recursive: true, withFileTypes: true });
  const parts = entries
    .filter((e) => e.isFile())
    .map((e) => relative(folder, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((p) => isDataPart('', p));
  if (parts.length > MAX_FOLDER_PARTS)
    throw new FormatError(
      `${folder} holds ${parts.length} parts, more than the ${MAX_FOLDER_PARTS} read at once`,
    );
  return parts.sort(byteOrder);
}

export async function validateFolder(
  contract: OutputContract,
  folder: string,
  deps: FolderDeps,
): Promise<FolderRun> {
  const parts = folderParts(folder);
  const references = await loadRuleReferences(contract, deps, { sets: false });
  const merged = new ValidationState(contract, { referenceSamples: references.referenceSamples });
  const misplaced: string[] = [];
  const unreadable: string[] = [];
  let detection: Detection | undefined;
  let bytes = 0;
  for (const part of parts) {
    const source = fileSource(join(folder, part));
    bytes += await source.size();
    const found = await inspectSource(source);
    detection ??= found;
    if (!formatMatches(found, contract.format)) {
      unreadable.push(`${part}: expected ${contract.format}, found ${found.format}`);
      continue;
    }
    try {
      const values = partitionValuesOf(contract, '', part);
      const run = await runPartialValidation(contract, source, {
        ...deps,
        ...(values.length > 0 ? { partition: { key: part, values } } : {}),
      });
      merged.merge(run.state);
    } catch (error) {
      if (error instanceof PartitionPathError) misplaced.push(error.message);
      else if (error instanceof FormatError) unreadable.push(`${part}: ${error.message}`);
      else throw error;
    }
  }
  return {
    report: withFolderFindings(merged.finish(), contract, parts.length, misplaced, unreadable),
    detection: detection ?? {
      format: 'unknown',
      compression: 'none',
      extensionFormat: null,
      source: 'extension',
    },
    format: detection?.format ?? 'none',
    quarantinedRows: 0,
    parts: parts.length,
    validated: parts.length - misplaced.length - unreadable.length,
    bytes,
  };
}

/** The folder's own findings as failed rules, as the workflow's merge reports them. */
function withFolderFindings(
  report: ValidationReport,
  contract: OutputContract,
  total: number,
  misplaced: readonly string[],
  unreadable: readonly string[],
): ValidationReport {
  if (total === 0)
    return {
      ...report,
      status: 'failed',
      failedRules: ['parts_present'],
      summary: `FAILED: no part files in the folder; expected ${contract.format} parts`,
    };
  const failed: string[] = [];
  const extra: string[] = [];
  if (misplaced.length > 0) {
    failed.push('partition_folders');
    extra.push(
      `${misplaced.length} of ${total} parts with folders that do not give the partition columns (${(contract.partitionBy ?? []).join(', ')}), first ${misplaced[0]}`,
    );
  }
  if (unreadable.length > 0) {
    failed.push('parts_readable');
    extra.push(`${unreadable.length} of ${total} parts unreadable, first ${unreadable[0]}`);
  }
  if (failed.length === 0) return report;
  const rest = report.summary.replace(/^[A-Z]+: \d+ rows;? ?/, '');
  return {
    ...report,
    status: 'failed',
    failedRules: [...report.failedRules, ...failed],
    summary: [`FAILED: ${report.rowCount} rows in ${total} parts`, ...extra, ...(rest ? [rest] : [])].join(
      '; ',
    ),
  };
}
