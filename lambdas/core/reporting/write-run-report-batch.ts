/**
 * Run reports written once per batch of `Output Tested` events, not once per event: the events
 * reach the run report function through a queue that gathers them for a while
 * (lib/run-report-writer.ts), and this groups a batch's messages by pipeline run and writes each
 * run's report once (writeRunReport, with every version the run's messages name), so a burst of n
 * outputs of a run costs a few writes of the run instead of n, each reading the whole run.
 *
 * Nothing is lost: a message whose run could not be written (a failing read or write), or that is
 * not an Output Tested event at all, is returned among the failures, for the queue to deliver it
 * again and, after its last receive, keep it in the dead-letter queue whose depth raises an alarm.
 * A run too large to report is a `skipped` result with its reason, as for a single event, and an
 * output outside every run has nothing to report (`no-run`): neither is a failure.
 */
import { parseOutputTestedDetail } from '../openlineage/emit-tested-version';
import {
  writeRunReport,
  type RecordedVersion,
  type RunReportResult,
  type WriteRunReportDeps,
} from './write-run-report';
import { runOfTestedOutput } from './write-tested-run-report';

/** One queued message: its id (for a partial failure) and its body, the EventBridge event as JSON. */
export interface RunReportMessage {
  readonly messageId: string;
  readonly body: string;
}

/** The messages of one pipeline run in a batch, with the versions they name. */
export interface RunOfBatch {
  readonly pipeline: string;
  readonly runId: string;
  readonly recorded: readonly RecordedVersion[];
  readonly messageIds: readonly string[];
}

/** A message that names no run (nothing to report) or cannot be read (a failure), and why. */
export interface MessageOutsideRuns {
  readonly messageId: string;
  readonly reason: string;
}

export interface GroupedMessages {
  /** In the order each run first appears in the batch. */
  readonly runs: readonly RunOfBatch[];
  readonly noRun: readonly MessageOutsideRuns[];
  readonly malformed: readonly MessageOutsideRuns[];
}

/** The detail of one message's EventBridge event; throws on a body that is not one. */
function detailOf(body: string): unknown {
  const event = JSON.parse(body) as unknown;
  if (event === null || typeof event !== 'object' || Array.isArray(event))
    throw new TypeError('the message body is not an EventBridge event object');
  return (event as { detail?: unknown }).detail;
}

/** Groups a batch's messages by (pipeline, run); keeps apart those without a run and unreadable ones. */
export function groupMessagesByRun(messages: readonly RunReportMessage[]): GroupedMessages {
  const runs = new Map<
    string,
    { pipeline: string; runId: string; recorded: RecordedVersion[]; messageIds: string[] }
  >();
  const noRun: MessageOutsideRuns[] = [];
  const malformed: MessageOutsideRuns[] = [];
  for (const message of messages) {
    let run: ReturnType<typeof runOfTestedOutput>;
    let version: RecordedVersion;
    try {
      const detail = detailOf(message.body);
      run = runOfTestedOutput(detail);
      const { uri, version: v } = parseOutputTestedDetail(detail);
      version = { uri, version: v };
    } catch (error) {
      malformed.push({
        messageId: message.messageId,
        reason: `${(error as Error).name}: ${(error as Error).message}`,
      });
      continue;
    }
    if ('none' in run) {
      noRun.push({ messageId: message.messageId, reason: run.none });
      continue;
    }
    // JSON of the pair: a pipeline or run name may hold any character, so no separator is safe.
    const key = JSON.stringify([run.pipeline, run.runId]);
    const group = runs.get(key) ?? { pipeline: run.pipeline, runId: run.runId, recorded: [], messageIds: [] };
    group.recorded.push(version);
    group.messageIds.push(message.messageId);
    runs.set(key, group);
  }
  return { runs: [...runs.values()], noRun, malformed };
}

/** What became of one run of a batch: its report written or skipped, or the error that stopped it. */
export type RunOfBatchResult = {
  readonly pipeline: string;
  readonly runId: string;
  readonly messages: number;
} & (
  RunReportResult | { readonly status: 'error'; readonly errorName: string; readonly errorMessage: string }
);

export interface RunReportBatchResult {
  readonly runs: readonly RunOfBatchResult[];
  readonly noRun: readonly MessageOutsideRuns[];
  readonly malformed: readonly MessageOutsideRuns[];
  /** Ids of the messages to deliver again: every message of a failed run, and every unreadable one. */
  readonly failedMessageIds: readonly string[];
}

/**
 * Writes the report of every run the batch names, one run after the other: a run's report reads
 * all its stored reports, and runs written side by side would hold them all in memory at once.
 */
export async function writeRunReportBatch(
  messages: readonly RunReportMessage[],
  deps: WriteRunReportDeps,
): Promise<RunReportBatchResult> {
  const { runs, noRun, malformed } = groupMessagesByRun(messages);
  const results: RunOfBatchResult[] = [];
  const failed: string[] = malformed.map((m) => m.messageId);
  for (const run of runs) {
    const about = { pipeline: run.pipeline, runId: run.runId, messages: run.messageIds.length };
    try {
      const result = await writeRunReport(deps, run.pipeline, run.runId, { recorded: run.recorded });
      results.push({ ...about, ...result });
    } catch (error) {
      // writeRunReport already turns a run past the bound into a skip: anything thrown is an error
      // of this run only, retried through its own messages while the batch's other runs succeed.
      const e = error as Error;
      results.push({ ...about, status: 'error', errorName: e.name, errorMessage: e.message });
      failed.push(...run.messageIds);
    }
  }
  return { runs: results, noRun, malformed, failedMessageIds: failed };
}
