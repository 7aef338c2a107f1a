/**
 * OpenLineage RunEvents for a tested output version (spec 2-0-2), so that a lineage UI (Marquez,
 * DataHub, OpenMetadata, the AWS catalog's lineage) shows prt's verdicts where teams already look,
 * and the graph between steps even when the pipeline's own jobs emit nothing.
 *
 * Two events per tested version:
 * - the **test run**: job `<namespace>` / `test.<pipeline>.<step>.<output>`, COMPLETE when the
 *   data passed or warned, FAIL when it failed or could not be tested (with an errorMessage run
 *   facet); its one input is the tested object (namespace `s3://<bucket>`, name the key, the S3
 *   version as dataset version) with the `dataQualityAssertions` and `dataQualityMetrics` input
 *   facets and a `schema` facet.
 * - the **producing step**: job `<pipeline>` / `<step>`, COMPLETE, whose inputs are the versions the
 *   registry linked to the object (its lineage edges) and whose output is the object.
 *
 * Run ids are UUIDs derived from the version and the execution (name-based, SHA-256), so a retried
 * emission repeats the same run instead of inventing another; the producing step's run id depends
 * on the version alone, since one version is produced once whatever tests it.
 */
import { createHash } from 'node:crypto';
import type { ColumnProfile } from '../metrics/column-profile';
import type { ValidationReport } from '../validation/validation-report';

export const OPENLINEAGE_SCHEMA_URL = 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent';

/** Where each facet's definition is, as its `_schemaURL` says. */
export const FACET_SCHEMA_URLS = {
  dataQualityAssertions:
    'https://openlineage.io/spec/facets/1-1-0/DataQualityAssertionsDatasetFacet.json#/$defs/DataQualityAssertionsDatasetFacet',
  dataQualityMetrics:
    'https://openlineage.io/spec/facets/1-0-3/DataQualityMetricsInputDatasetFacet.json#/$defs/DataQualityMetricsInputDatasetFacet',
  schema: 'https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet',
  version:
    'https://openlineage.io/spec/facets/1-0-1/DatasetVersionDatasetFacet.json#/$defs/DatasetVersionDatasetFacet',
  errorMessage:
    'https://openlineage.io/spec/facets/1-0-1/ErrorMessageRunFacet.json#/$defs/ErrorMessageRunFacet',
} as const;

/** The producer every event and facet names unless the caller gives another. */
export const DEFAULT_PRODUCER = 'urn:pipeline-runtime-testing:prt';

export type RunEventType = 'COMPLETE' | 'FAIL';

interface BaseFacet {
  readonly _producer: string;
  readonly _schemaURL: string;
}

export interface Assertion {
  readonly assertion: string;
  readonly success: boolean;
  readonly column?: string;
  readonly severity?: string;
  readonly name?: string;
  readonly expected?: string;
  readonly actual?: string;
}

export interface ColumnMetrics {
  readonly nullCount?: number;
  readonly distinctCount?: number;
  readonly count?: number;
  readonly min?: number;
  readonly max?: number;
  readonly quantiles?: Readonly<Record<string, number>>;
}

export interface DatasetRef {
  readonly namespace: string;
  readonly name: string;
  readonly facets?: Readonly<Record<string, BaseFacet & Record<string, unknown>>>;
  readonly inputFacets?: Readonly<Record<string, BaseFacet & Record<string, unknown>>>;
}

export interface RunEvent {
  readonly eventType: RunEventType;
  readonly eventTime: string;
  readonly producer: string;
  readonly schemaURL: string;
  readonly run: {
    readonly runId: string;
    readonly facets?: Readonly<Record<string, BaseFacet & Record<string, unknown>>>;
  };
  readonly job: { readonly namespace: string; readonly name: string };
  readonly inputs: readonly DatasetRef[];
  readonly outputs: readonly DatasetRef[];
}

/** An object version as the events name it. */
export interface VersionedObject {
  readonly bucket: string;
  readonly key: string;
  /** The S3 version id, or the registry's version token (`etag:<etag>`) in an unversioned bucket. */
  readonly version: string;
}

export interface TestedVersion {
  readonly object: VersionedObject;
  /** `pipeline/step/output`. */
  readonly output: string;
  /** The registry's verdict: passed, warned, failed or error. */
  readonly status: 'passed' | 'warned' | 'failed' | 'error';
  /** The validation report; absent when the version could not be tested. */
  readonly report?: ValidationReport;
  /** Why the version could not be tested (status error). */
  readonly error?: string;
  /** The execution that tested it (its ARN or id): part of the test run's identity. */
  readonly execution: string;
  /** The versions the registry linked as its inputs. */
  readonly inputs: readonly (VersionedObject & { readonly output?: string })[];
  readonly eventTime: string;
}

export interface EventSettings {
  /** The namespace of the test jobs (e.g. `prt-prod`). */
  readonly namespace: string;
  readonly producer?: string;
}

/** A UUID (version 5 layout) named by SHA-256 of the text: stable for the same text. */
export function nameBasedUuid(text: string): string {
  const h = createHash('sha256').update(text).digest();
  h[6] = (h[6]! & 0x0f) | 0x50;
  h[8] = (h[8]! & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

function facet(
  producer: string,
  schemaURL: string,
  body: Record<string, unknown>,
): BaseFacet & Record<string, unknown> {
  return { _producer: producer, _schemaURL: schemaURL, ...body };
}

/** The rule's expectation in words: its condition or constraint and the share of rows it needs. */
function expectedOf(rule: ValidationReport['rules'][number]): string {
  const share = `${(rule.threshold * 100).toFixed(rule.threshold * 100 === Math.round(rule.threshold * 100) ? 0 : 2)}% of rows`;
  const what = rule.constraint ?? rule.type;
  return `${what} on ${share}`;
}

export function assertionsOf(report: ValidationReport): Assertion[] {
  const assertions: Assertion[] = report.rules.map((rule) => ({
    assertion: rule.constraint ?? rule.type,
    success: rule.outcome === 'pass',
    ...(rule.field !== '' ? { column: rule.field } : {}),
    severity: rule.severity,
    name: rule.name,
    expected: expectedOf(rule),
    actual: `${rule.passed} of ${rule.evaluated} rows passed`,
  }));
  // The schema check is an assertion too: the contract's accepted compatibility against the data's.
  assertions.push({
    assertion: 'schema_compatibility',
    success: rankOf(report.schema.level) <= rankOf(report.schema.accepted),
    severity: 'error',
    name: 'schema',
    expected: `${report.schema.accepted} or better`,
    actual: report.schema.level,
  });
  return assertions;
}

const LEVELS = ['strict', 'compatible', 'convertible', 'incompatible'];
function rankOf(level: string): number {
  const i = LEVELS.indexOf(level);
  return i < 0 ? LEVELS.length : i;
}

function finiteNumber(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && text.trim() !== '' ? n : undefined;
}

/** Integer counts only where the profile's counts are exact; estimates are left out, not rounded in. */
export function columnMetricsOf(profile: readonly ColumnProfile[]): Record<string, ColumnMetrics> {
  const out: Record<string, ColumnMetrics> = Object.create(null) as Record<string, ColumnMetrics>;
  for (const p of profile) {
    const min = finiteNumber(p.min);
    const max = finiteNumber(p.max);
    out[p.name] = {
      nullCount: p.nulls,
      count: p.count,
      ...(p.distinct.exact ? { distinctCount: p.distinct.value } : {}),
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      ...(p.quantiles !== undefined ? { quantiles: p.quantiles } : {}),
    };
  }
  return out;
}

function objectDataset(o: VersionedObject, producer: string, extra: Partial<DatasetRef> = {}): DatasetRef {
  return {
    namespace: `s3://${o.bucket}`,
    name: o.key,
    ...extra,
    facets: {
      version: facet(producer, FACET_SCHEMA_URLS.version, { datasetVersion: o.version }),
      ...(extra.facets ?? {}),
    },
  };
}

function splitOutput(output: string): [string, string, string] {
  const [pipeline = '', step = '', name = ''] = output.split('/');
  return [pipeline, step, name];
}

/** The test run's event: its input is the tested object with the quality facets. */
export function testRunEvent(v: TestedVersion, settings: EventSettings): RunEvent {
  const producer = settings.producer ?? DEFAULT_PRODUCER;
  const [pipeline, step, name] = splitOutput(v.output);
  const report = v.report;
  const failed = v.status === 'failed' || v.status === 'error';
  const inputFacets: Record<string, BaseFacet & Record<string, unknown>> = {};
  const facets: Record<string, BaseFacet & Record<string, unknown>> = {};
  if (report !== undefined) {
    inputFacets['dataQualityAssertions'] = facet(producer, FACET_SCHEMA_URLS.dataQualityAssertions, {
      assertions: assertionsOf(report),
    });
    inputFacets['dataQualityMetrics'] = facet(producer, FACET_SCHEMA_URLS.dataQualityMetrics, {
      rowCount: report.rowCount,
      columnMetrics: columnMetricsOf(report.profile ?? []),
    });
    facets['schema'] = facet(producer, FACET_SCHEMA_URLS.schema, {
      fields: report.schema.columns
        .filter((c) => c.finding !== 'missing')
        .map((c, i) => ({
          name: c.name,
          ...(c.expectedType !== null ? { type: c.expectedType } : {}),
          ordinal_position: i + 1,
        })),
    });
  }
  const runFacets: Record<string, BaseFacet & Record<string, unknown>> = {};
  if (v.status === 'error')
    runFacets['errorMessage'] = facet(producer, FACET_SCHEMA_URLS.errorMessage, {
      message: v.error ?? 'the version could not be tested',
      programmingLanguage: 'TypeScript',
    });
  else if (failed && report !== undefined)
    runFacets['errorMessage'] = facet(producer, FACET_SCHEMA_URLS.errorMessage, {
      message: report.summary,
      programmingLanguage: 'TypeScript',
    });
  return {
    eventType: failed ? 'FAIL' : 'COMPLETE',
    eventTime: v.eventTime,
    producer,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: {
      runId: nameBasedUuid(
        `test\u0000${v.execution}\u0000${v.object.bucket}/${v.object.key}\u0000${v.object.version}`,
      ),
      ...(Object.keys(runFacets).length > 0 ? { facets: runFacets } : {}),
    },
    job: { namespace: settings.namespace, name: `test.${pipeline}.${step}.${name}` },
    inputs: [objectDataset(v.object, producer, { facets, inputFacets })],
    outputs: [],
  };
}

/**
 * The producing step's event, on the pipeline's behalf: its inputs are the versions the registry
 * linked, its output the object, so the graph between steps exists in the lineage UI.
 */
export function producingStepEvent(v: TestedVersion, settings: EventSettings): RunEvent {
  const producer = settings.producer ?? DEFAULT_PRODUCER;
  const [pipeline, step] = splitOutput(v.output);
  return {
    eventType: 'COMPLETE',
    eventTime: v.eventTime,
    producer,
    schemaURL: OPENLINEAGE_SCHEMA_URL,
    run: { runId: nameBasedUuid(`produce\u0000${v.object.bucket}/${v.object.key}\u0000${v.object.version}`) },
    job: { namespace: pipeline, name: step },
    inputs: v.inputs.map((i) => objectDataset(i, producer)),
    outputs: [objectDataset(v.object, producer)],
  };
}

/** Both events of a tested version, the producing step's first (a UI then knows the dataset's origin). */
export function runEventsOf(v: TestedVersion, settings: EventSettings): RunEvent[] {
  return [producingStepEvent(v, settings), testRunEvent(v, settings)];
}
