/**
 * The results dataset's rows for a version whose test ended in the state machine's error path
 * (ClassifyError → RecordError): a processing error (a time budget stop, a crash, a dependency down
 * after its retries) recorded as `error`, or an object unreadable as its format recorded as
 * `failed`. The validate step adds rows only where it stores a report; without this, such versions
 * would have no row and "failure rate" or "status over time" queries would silently miss them.
 *
 * The rows go to the keys the version's report rows take (fixed by the tested version), so a
 * retried or redriven execution overwrites them and the version keeps exactly one version row.
 * A version whose report was stored before the error (a conversion or a status write that failed
 * after validation, a partitioned output with too many unreadable parts) keeps its report's rows,
 * marked as ended in error as the validate step marks them: none of its rules counts as passed.
 */
import { writeEndedResults, writeResults, type ReportedVersion, type TestedVersion } from '../results';
import { InvalidInputError } from '../errors';
import { ObjectNotFoundError, s3Uri, type ObjectStore } from '../storage/object-store';
import { artifactKey, versionToken } from './artifact-keys';
import type { ObjectRef, RegisteredOutput } from './workflow-types';

/** What the state machine's RecordErrorResults state passes. */
export interface EndedTestInput {
  readonly object: ObjectRef;
  readonly output: RegisteredOutput;
  /** The status RecordError wrote: `error`, or `failed` for an object unreadable as its format. */
  readonly status: 'error' | 'failed';
  /** The caught error as Step Functions gives it: its name and cause (Lambda's error JSON or text). */
  readonly error: { readonly name: string; readonly cause: string };
  /** When RecordError recorded the status. */
  readonly endedAt: string;
}

export interface EndedTestDeps {
  readonly store: Pick<ObjectStore, 'head' | 'read' | 'sink'>;
  readonly artifactsBucket: string;
  readonly reportsPrefix: string;
  readonly resultsPrefix: string;
}

export interface EndedTestResult {
  readonly status: 'error' | 'failed';
  /** Where the rows came from: the stored report, or the recorded error alone. */
  readonly rowsFrom: 'report' | 'error';
  readonly versionResultsKey: string;
}

/**
 * Largest stored report read back to mark its rows as ended in error. Reports hold per-rule and
 * per-column summaries bounded by the contract and the readers' column limits, so a real one is
 * far below this; a bigger object is not a report this workflow wrote.
 */
export const MAX_ENDED_REPORT_BYTES = 16 * 1024 * 1024;

/** The tested version as the results dataset names it. */
export function testedVersionOf(object: ObjectRef, output: RegisteredOutput): TestedVersion {
  return {
    bucket: object.bucket,
    key: object.key,
    version: versionToken(object),
    uri: object.uri,
    arrivedAt: object.eventTime,
    pipeline: output.pipeline,
    step: output.step,
    output: output.output,
    run: output.runId,
  };
}

/**
 * `<name>: <message>`: a Lambda error's cause is its error JSON, of which the message is what a
 * person reads; any other cause (a States.* error's text) is kept as it is.
 */
export function describeEndedError(error: EndedTestInput['error']): string {
  let message = error.cause;
  try {
    const parsed = JSON.parse(message) as { errorMessage?: unknown } | null;
    if (parsed !== null && typeof parsed.errorMessage === 'string') message = parsed.errorMessage;
  } catch {
    // not Lambda's error JSON: the cause is the message
  }
  return message === '' ? error.name : `${error.name}: ${message}`;
}

async function storedReport(
  deps: EndedTestDeps,
  object: ObjectRef,
): Promise<{ report: ReportedVersion; uri: string } | undefined> {
  const key = artifactKey(deps.reportsPrefix, object, 'json');
  try {
    const head = await deps.store.head(deps.artifactsBucket, key);
    if (head.size > MAX_ENDED_REPORT_BYTES)
      throw new InvalidInputError(
        `report ${s3Uri(deps.artifactsBucket, key)} is ${head.size} bytes, over the ${MAX_ENDED_REPORT_BYTES} a report is read back within`,
      );
    const chunks: Uint8Array[] = [];
    for await (const chunk of await deps.store.read(deps.artifactsBucket, key)) chunks.push(chunk);
    const report = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ReportedVersion;
    return { report, uri: s3Uri(deps.artifactsBucket, key) };
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

export async function recordEndedTest(input: EndedTestInput, deps: EndedTestDeps): Promise<EndedTestResult> {
  const { object, output, status } = input;
  const version = testedVersionOf(object, output);
  const reason = describeEndedError(input.error);
  const results = {
    store: deps.store,
    artifactsBucket: deps.artifactsBucket,
    resultsPrefix: deps.resultsPrefix,
  };
  // An unreadable object never got a report; a processing error may have come after one.
  const stored = status === 'error' ? await storedReport(deps, object) : undefined;
  const keys = stored
    ? await writeResults({ version, report: stored.report, reportUri: stored.uri, error: reason }, results)
    : await writeEndedResults(
        { version, status, reason, endedAt: input.endedAt, bytes: object.size },
        results,
      );
  return { status, rowsFrom: stored ? 'report' : 'error', versionResultsKey: keys.version_results };
}
