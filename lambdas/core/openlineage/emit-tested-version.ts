/**
 * Emits the OpenLineage RunEvents of one tested output version, from the `Output Tested` event the
 * output-testing workflow publishes (docs/output-tested-event.schema.json). The event says which
 * version and how it ended; the registry names its logical output, the stored report gives the
 * quality facets, and the lineage store gives the versions the producing step read. All three are
 * read through ports; the events leave through a transport port (HTTP, the AWS catalog's
 * PostLineageEvent, or objects under a prefix), so this runs the same in a Lambda, the embedded
 * stack and a unit test.
 *
 * A processing error (a report that cannot be read, a receiver that refuses) is thrown, so the
 * subscriber's retry policy and dead-letter queue see it; it is never turned into a FAIL event,
 * which would say the data failed. The one version skipped on purpose is one the registry does
 * not know (an object outside every contract has no logical output to name): the result says so.
 */
import { InvalidInputError } from '../errors';
import { lineageNode, parseLineageNode } from '../lineage/lineage-store';
import type { LineageStore } from '../lineage/lineage-store';
import type { OutputRegistry } from '../registry/output-registry';
import { parseS3Uri } from '../storage/object-store';
import type { ObjectStore } from '../storage/object-store';
import type { ValidationReport } from '../validation/validation-report';
import { runEventsOf, type EventSettings, type RunEvent, type TestedVersion } from './run-events';

/** Where the events go: one call per event, in order; a rejection means the event did not arrive. */
export interface OpenLineageTransport {
  /** Names the destination in logs and results (never a credential). */
  readonly describe: string;
  send(event: RunEvent): Promise<void>;
}

/** The part of the Output Tested detail the emission reads (schemaVersion "1"). */
export interface OutputTestedDetail {
  readonly status: 'passed' | 'warned' | 'failed' | 'error';
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
  /** The registry's sort key: `VER#<versionId>` or `VER#etag:<etag>`. */
  readonly version: string;
  readonly execution: string;
  readonly reportUri?: string;
  readonly error?: { readonly Error?: string; readonly Cause?: string };
}

export interface EmissionDeps {
  readonly store: Pick<ObjectStore, 'read'>;
  readonly registry: Pick<OutputRegistry, 'find'>;
  readonly lineage: Pick<LineageStore, 'upstream'>;
  readonly transport: OpenLineageTransport;
  readonly settings: EventSettings;
  readonly now: () => Date;
}

export type EmissionResult =
  | { readonly emitted: readonly RunEvent['eventType'][]; readonly runIds: readonly string[] }
  | { readonly skipped: string };

/**
 * Longest error text carried into an errorMessage facet: a Step Functions cause can be 32 KB of
 * JSON, and a lineage UI shows a line, not a dump.
 */
export const MAX_ERROR_MESSAGE_CHARS = 2000;

/** Most linked inputs named on the producing step's job (a wide fan-in still makes a bounded event). */
export const MAX_LINKED_INPUTS = 500;

const STATUSES = new Set(['passed', 'warned', 'failed', 'error']);

function text(detail: Record<string, unknown>, field: string): string {
  const value = detail[field];
  if (typeof value !== 'string' || value === '')
    throw new InvalidInputError(`Output Tested detail: '${field}' must be a non-empty string`);
  return value;
}

/** Checks the fields the emission needs; a detail of another schema version is refused by name. */
export function parseOutputTestedDetail(detail: unknown): OutputTestedDetail {
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail))
    throw new InvalidInputError('Output Tested detail: expected an object');
  const d = detail as Record<string, unknown>;
  if (d['schemaVersion'] !== '1')
    throw new InvalidInputError(
      `Output Tested detail: schemaVersion ${JSON.stringify(d['schemaVersion'])} is not supported (expected "1")`,
    );
  const status = text(d, 'status');
  if (!STATUSES.has(status))
    throw new InvalidInputError(
      `Output Tested detail: status '${status}' is not passed, warned, failed or error`,
    );
  const error = d['error'];
  return {
    status: status as OutputTestedDetail['status'],
    uri: text(d, 'uri'),
    bucket: text(d, 'bucket'),
    key: text(d, 'key'),
    version: text(d, 'version'),
    execution: text(d, 'execution'),
    ...(typeof d['reportUri'] === 'string' && d['reportUri'] !== '' ? { reportUri: d['reportUri'] } : {}),
    ...(error !== null && typeof error === 'object' ? { error: error } : {}),
  };
}

function errorText(detail: OutputTestedDetail): string | undefined {
  if (detail.error === undefined) return undefined;
  const joined = [detail.error.Error, detail.error.Cause]
    .filter((s) => typeof s === 'string' && s !== '')
    .join(': ');
  if (joined === '') return undefined;
  return joined.length > MAX_ERROR_MESSAGE_CHARS
    ? `${joined.slice(0, MAX_ERROR_MESSAGE_CHARS - 1)}…`
    : joined;
}

async function readReport(store: EmissionDeps['store'], uri: string): Promise<ValidationReport> {
  const { bucket, key } = parseS3Uri(uri);
  const chunks: Uint8Array[] = [];
  for await (const chunk of await store.read(bucket, key)) chunks.push(chunk);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (error) {
    throw new InvalidInputError(`the report ${uri} is not JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || !Array.isArray((parsed as { rules?: unknown }).rules))
    throw new InvalidInputError(`the report ${uri} is not a validation report`);
  return parsed as ValidationReport;
}

/** Builds the version's events from what the registry, the report and the lineage store hold, and sends them. */
export async function emitTestedVersion(rawDetail: unknown, deps: EmissionDeps): Promise<EmissionResult> {
  const detail = parseOutputTestedDetail(rawDetail);
  const token = detail.version.replace(/^VER#/, '');
  const entry = await deps.registry.find(detail.uri, token);
  if (entry?.pipeline === undefined || entry.step === undefined || entry.output === undefined)
    return { skipped: `${detail.uri} (${token}) is not a registered output: no job to name` };
  const reportUri = detail.reportUri ?? entry.reportUri;
  // A version that failed or passed its tests has a report; one that could not be tested, or was
  // unreadable as its format, may not, and its FAIL event then carries the error instead.
  const report = reportUri !== undefined ? await readReport(deps.store, reportUri) : undefined;
  const edges = await deps.lineage.upstream(lineageNode(detail.uri, token));
  const inputs = edges
    .filter((e) => e.kind === 'declared-input' || e.kind === 'conversion')
    .slice(0, MAX_LINKED_INPUTS)
    .map((e) => {
      const node = parseLineageNode(e.from);
      const { bucket, key } = parseS3Uri(node.uri);
      return {
        bucket,
        key,
        version: node.version,
        ...(e.fromOutput !== undefined ? { output: e.fromOutput } : {}),
      };
    });
  const error = errorText(detail) ?? entry.failureReason;
  const version: TestedVersion = {
    object: { bucket: detail.bucket, key: detail.key, version: token },
    output: `${entry.pipeline}/${entry.step}/${entry.output}`,
    status: detail.status,
    ...(report !== undefined ? { report } : {}),
    ...(error !== undefined ? { error } : {}),
    execution: detail.execution,
    inputs,
    eventTime: deps.now().toISOString(),
  };
  const events = runEventsOf(version, deps.settings);
  // In order: the producing step first, so a UI knows where the dataset came from before its test.
  for (const event of events) await deps.transport.send(event);
  return { emitted: events.map((e) => e.eventType), runIds: events.map((e) => e.run.runId) };
}

/**
 * Objects under a prefix: one per event, at a key fixed by the job and run, so a retried emission
 * overwrites rather than adds. A COMPLETE and a FAIL of the same run would never both be written.
 */
export function objectStoreTransport(
  store: Pick<ObjectStore, 'write'>,
  bucket: string,
  prefix: string,
): OpenLineageTransport {
  return {
    describe: `s3://${bucket}/${prefix}`,
    async send(event) {
      const key = `${prefix}${encodeURIComponent(event.job.namespace)}/${encodeURIComponent(event.job.name)}/${event.run.runId}.json`;
      await store.write(bucket, key, JSON.stringify(event), 'application/json');
    },
  };
}
