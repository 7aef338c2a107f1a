/**
 * The run report written for one `Output Tested` event (docs/output-tested-event.schema.json): the
 * event names the tested version and the logical output the contract resolved, with its run; the
 * run's report is then written again whole (writeRunReport). An event without a run (an output
 * whose path has no `{run_id}`, or an object that could not be registered) has no run report to
 * write: the result says so (`no-run`), as it says when the run is too large to report (`skipped`).
 *
 * A malformed event or a failing read or write is thrown, so the subscriber's retry policy and
 * dead-letter queue see it; it is never reported as a run with a failed output.
 */
import { InvalidInputError } from '../errors';
import { parseOutputTestedDetail } from '../openlineage/emit-tested-version';
import { writeRunReport, type RunReportResult, type WriteRunReportDeps } from './write-run-report';

/** The run of an Output Tested detail, or why it has none. */
export function runOfTestedOutput(
  detail: unknown,
): { readonly pipeline: string; readonly runId: string } | { readonly none: string } {
  const parsed = parseOutputTestedDetail(detail);
  const output = (detail as { output?: unknown }).output;
  if (output === undefined || output === null)
    return { none: `${parsed.uri} has no logical output (it could not be registered)` };
  if (typeof output !== 'object' || Array.isArray(output))
    throw new InvalidInputError('Output Tested detail: output must be an object');
  const { pipeline, runId } = output as { pipeline?: unknown; runId?: unknown };
  if (typeof pipeline !== 'string' || pipeline === '')
    throw new InvalidInputError("Output Tested detail: 'output.pipeline' must be a non-empty string");
  if (runId === undefined || runId === null || runId === '')
    return { none: `${parsed.uri} belongs to no run of ${pipeline} (its path has no run id)` };
  if (typeof runId !== 'string')
    throw new InvalidInputError("Output Tested detail: 'output.runId' must be a string or null");
  return { pipeline, runId };
}

/** A written or skipped run report, or `no-run` for an output outside every run (nothing to report). */
export type TestedRunReportResult = RunReportResult | { readonly status: 'no-run'; readonly reason: string };

export async function writeTestedRunReport(
  detail: unknown,
  deps: WriteRunReportDeps,
): Promise<TestedRunReportResult> {
  const run = runOfTestedOutput(detail);
  if ('none' in run) return { status: 'no-run', reason: run.none };
  const { uri, version } = parseOutputTestedDetail(detail);
  return writeRunReport(deps, run.pipeline, run.runId, { recorded: { uri, version } });
}
