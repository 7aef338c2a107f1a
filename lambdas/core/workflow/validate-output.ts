/**
 * Validate step: streams the object through the contract's checks, writes the JSON report and,
 * when rows fail, a quarantine object with every failing row (JSON Lines).
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import type { OutputContract } from '../contracts/output-contract';
import { consumersOf, logicalName, type Consumer } from '../contracts';
import { recordedEdgesOf, withConsumerEdges } from '../validation/consumer-edges';
import type { ObjectStore } from '../storage/object-store';
import { parseS3Uri, s3Uri } from '../storage/object-store';
import type { ByteSource } from '../formats/byte-io';
import type { ReaderLimits } from '../formats/table-io';
import { runValidation } from '../validation/run-validation';
import { judgedAgainstHistory } from './judge-history';
import { objectPk, type OutputRegistry } from '../registry/output-registry';
import type { ValidationReport } from '../validation/validation-report';
import { formatMismatchReport, withExtensionFinding } from '../validation/format-findings';
import { writeResults } from '../results/write-results';
import { boundResult, ruleTally } from './bounded-result';
import { artifactKey } from './artifact-keys';
import { testedVersionOf } from './record-ended-test';
import type { RegisteredOutput, ValidateInput, ValidateResult } from './workflow-types';

export interface ValidateDeps {
  readonly store: ObjectStore;
  readonly catalog: ContractCatalog;
  readonly artifactsBucket: string;
  readonly reportsPrefix: string;
  readonly quarantinePrefix: string;
  readonly now: () => Date;
  /**
   * Registry reads, for referential rules and the judgement against earlier versions; and the
   * write of the consumer edges a validation graded, which `prt lineage` shows.
   */
  readonly registry?: Pick<OutputRegistry, 'latest' | 'versions' | 'recordConsumerEdges'>;
  /** Renders the HTML page stored beside the JSON report. */
  readonly renderHtml?: (report: StoredReport) => string;
  /** Bounds the object (and any reference) is read within; each absent limit is its reader's default. */
  readonly readerLimits?: ReaderLimits;
  /**
   * Where the results dataset's tables go in the artifacts bucket (`results/`). The deployed and
   * embedded validate functions always set it; a caller without it (a unit test of the report
   * alone) writes no dataset rows.
   */
  readonly resultsPrefix?: string;
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

/**
 * Resolves a logical output (`pipeline/step/output`, for exists_in rules) to the newest registered
 * version of it in the same run, as a byte source.
 */
export function registryResolver(
  deps: Pick<ValidateDeps, 'registry' | 'store'>,
  output: Pick<RegisteredOutput, 'runId'>,
): (name: string) => Promise<ByteSource | undefined> {
  return async (name) => {
    const [pipeline, step, out] = name.split('/');
    const entry = await deps.registry?.latest(pipeline!, step!, out!, output.runId ?? undefined);
    return entry ? deps.store.source(entry.bucket, entry.key, entry.versionId ?? undefined) : undefined;
  };
}

export async function validateOutput(input: ValidateInput, deps: ValidateDeps): Promise<ValidateResult> {
  const { object, output, inspection } = input;
  const contract = await deps.catalog.get(output.contractKey);
  let report: ValidationReport;
  let quarantineUri: string | null = null;
  const quarantineKey = artifactKey(deps.quarantinePrefix, object, 'jsonl');
  if (!inspection.formatMatches) {
    report = formatMismatchReport(contract, inspection);
  } else {
    // Found once: the reader reads the consumers' columns too, and the consumers then judge the report.
    const consumers = await consumersOfContract(contract, deps.catalog);
    const run = await runValidation(
      contract,
      deps.store.source(object.bucket, object.key, object.versionId ?? undefined),
      {
        openSource: (location) => {
          const { bucket, key } = parseS3Uri(location);
          return deps.store.source(bucket, key);
        },
        resolveOutput: registryResolver(deps, output),
        quarantineSink: () => deps.store.sink(deps.artifactsBucket, quarantineKey, 'application/x-ndjson'),
        now: deps.now,
        ...(deps.readerLimits ? { readerLimits: deps.readerLimits } : {}),
        consumerColumns: consumers.flatMap((c) => c.expectation.columns ?? []),
      },
    );
    report = withExtensionFinding(run.report, object.key, inspection);
    if (run.quarantinedRows > 0) quarantineUri = s3Uri(deps.artifactsBucket, quarantineKey);
    report = await judgedAgainstHistory(deps, input, report, contract);
    report = judgedByConsumers(report, contract, consumers);
    await recordConsumerEdges(deps, object, report);
  }

  const reportKey = artifactKey(deps.reportsPrefix, object, 'json');
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
  return storeReport(deps, { object, output }, reportKey, stored);
}

/**
 * The steps that read this output judge it too, each by what it declared it reads (every contract
 * whose inputs name it, consumersOfContract): an edge below what its consumer accepts fails or
 * warns the report. The caller passes the consumers it already found for the reader's columns, so
 * the catalog is searched once per validation.
 */
export function judgedByConsumers(
  report: ValidationReport,
  contract: OutputContract,
  consumers: readonly Consumer[],
): ValidationReport {
  return withConsumerEdges(report, contract, consumers);
}

/**
 * Records on the version's registry entry how each consumer graded it, before the state machine
 * records the status: `prt lineage` reads the edges from there rather than grading again.
 */
export async function recordConsumerEdges(
  deps: Pick<ValidateDeps, 'registry'>,
  object: Pick<ValidateInput['object'], 'uri' | 'sk'>,
  report: Pick<ValidationReport, 'consumers'>,
): Promise<void> {
  if (!deps.registry || !report.consumers || report.consumers.length === 0) return;
  await deps.registry.recordConsumerEdges(
    { pk: objectPk(object.uri), sk: object.sk },
    recordedEdgesOf(report.consumers),
  );
}

/** The contracts in the catalog whose inputs name this output, with what each expects of it. */
export async function consumersOfContract(
  contract: OutputContract,
  catalog: Pick<ContractCatalog, 'snapshot'>,
): Promise<Consumer[]> {
  const { entries } = await catalog.snapshot();
  return consumersOf(
    logicalName(contract),
    entries.map((e) => e.contract),
  );
}

/** What every stored report says beside the validation report (single, ranged or partitioned). */
type AnyStoredReport = ValidationReport &
  Pick<StoredReport, 'format' | 'quarantineUri' | 'validatedAt'> & {
    readonly object: { readonly size: number };
  };

/**
 * Stores a report beside its object (the JSON, and the HTML page where one is rendered), adds the
 * version's rows to the results dataset, and gives the step's result: the same for an object
 * validated in one pass, one merged from its ranges and a partitioned folder. `ended.error` says
 * why a test whose report is kept ended in error (the caller then throws): its dataset rows say
 * `error`, never `failed`.
 */
export async function storeReport<R extends AnyStoredReport>(
  deps: Pick<ValidateDeps, 'store' | 'artifactsBucket' | 'reportsPrefix' | 'resultsPrefix'> & {
    readonly renderHtml?: ((report: R) => string) | undefined;
  },
  tested: { readonly object: ValidateInput['object']; readonly output: RegisteredOutput },
  reportKey: string,
  stored: R,
  ended: { readonly error?: string } = {},
): Promise<ValidateResult> {
  const { object, output } = tested;
  await deps.store.write(
    deps.artifactsBucket,
    reportKey,
    JSON.stringify(stored, null, 2),
    'application/json',
  );
  if (deps.renderHtml) {
    await deps.store.write(
      deps.artifactsBucket,
      artifactKey(deps.reportsPrefix, object, 'html'),
      deps.renderHtml(stored),
      'text/html; charset=utf-8',
    );
  }
  const reportUri = s3Uri(deps.artifactsBucket, reportKey);
  if (deps.resultsPrefix !== undefined) {
    await writeResults(
      {
        version: testedVersionOf(object, output),
        report: stored,
        reportUri,
        ...(ended.error !== undefined ? { error: ended.error } : {}),
      },
      { store: deps.store, artifactsBucket: deps.artifactsBucket, resultsPrefix: deps.resultsPrefix },
    );
  }
  return boundResult({
    status: stored.status,
    rowCount: stored.rowCount,
    failedRules: stored.failedRules,
    reportUri,
    quarantineUri: stored.quarantineUri,
    summary: stored.summary,
    rules: ruleTally(stored.rules),
  });
}
