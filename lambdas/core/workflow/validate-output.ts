/**
 * Validate step: streams the object through the contract's checks, writes the JSON report and,
 * when rows fail, a quarantine object with every failing row (JSON Lines).
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import { logicalName } from '../contracts/output-contract';
import type { ObjectStore } from '../storage/object-store';
import { s3Uri } from '../storage/object-store';
import { validateRecords } from '../validation/validate-records';
import type { ValidationReport } from '../validation/validation-report';
import { artifactKey } from './artifact-keys';
import { openRecords } from './open-records';
import type { ValidateInput, ValidateResult } from './workflow-types';

export interface ValidateDeps {
  readonly store: ObjectStore;
  readonly catalog: ContractCatalog;
  readonly artifactsBucket: string;
  readonly reportsPrefix: string;
  readonly quarantinePrefix: string;
  readonly now: () => Date;
}

export interface StoredReport extends ValidationReport {
  readonly object: {
    readonly uri: string;
    readonly version: string;
    readonly etag: string;
    readonly size: number;
  };
  readonly format: {
    readonly expected: string;
    readonly detected: string;
    readonly compression: string;
    readonly matches: boolean;
  };
  readonly quarantineUri: string | null;
  readonly validatedAt: string;
}

export async function validateOutput(input: ValidateInput, deps: ValidateDeps): Promise<ValidateResult> {
  const { object, output, inspection } = input;
  const contract = await deps.catalog.get(output.contractKey);
  const failedLines: string[] = [];
  let report: ValidationReport;
  if (!inspection.formatMatches) {
    report = {
      output: logicalName(contract),
      status: 'failed',
      rowCount: 0,
      schema: { level: 'incompatible', accepted: contract.compatibility, columns: [] },
      rules: [],
      failedRules: ['format'],
      failedRowCount: 0,
      summary: `FAILED: expected ${contract.format}, found ${inspection.format}${inspection.compression === 'gzip' ? ' (gzip)' : ''}`,
    };
  } else {
    const batches = await openRecords(deps.store, object, contract);
    report = await validateRecords(contract, batches, {
      onFailedRow: (row) => {
        failedLines.push(JSON.stringify(row));
      },
    });
  }

  const reportKey = artifactKey(deps.reportsPrefix, object, 'json');
  let quarantineUri: string | null = null;
  if (failedLines.length > 0) {
    const quarantineKey = artifactKey(deps.quarantinePrefix, object, 'jsonl');
    await deps.store.write(
      deps.artifactsBucket,
      quarantineKey,
      `${failedLines.join('\n')}\n`,
      'application/x-ndjson',
    );
    quarantineUri = s3Uri(deps.artifactsBucket, quarantineKey);
  }
  const stored: StoredReport = {
    ...report,
    object: {
      uri: object.uri,
      version: object.sk.replace(/^VER#/, ''),
      etag: object.etag,
      size: object.size,
    },
    format: {
      expected: contract.format,
      detected: inspection.format,
      compression: inspection.compression,
      matches: inspection.formatMatches,
    },
    quarantineUri,
    validatedAt: deps.now().toISOString(),
  };
  await deps.store.write(
    deps.artifactsBucket,
    reportKey,
    JSON.stringify(stored, null, 2),
    'application/json',
  );
  return {
    status: report.status,
    rowCount: report.rowCount,
    failedRules: report.failedRules,
    reportUri: s3Uri(deps.artifactsBucket, reportKey),
    quarantineUri,
    summary: report.summary,
  };
}
