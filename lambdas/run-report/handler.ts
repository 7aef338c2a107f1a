/**
 * The run report: fed by the queue the `Output Tested` rule sends to (lib/run-report-writer.ts),
 * takes a batch of those events and writes the report of each pipeline run they name once
 * (lambdas/core/reporting, writeRunReportBatch) under `reports/runs/<pipeline>/<run>/`. The
 * messages of a run that failed, and any message that is not an Output Tested event, are returned
 * as batch item failures, so the queue delivers them again and then keeps them in its dead-letter
 * queue; a run too large to report is a logged skip, counted in the RunReportsSkipped metric.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { InvalidInputError } from '../core/errors';
import { writeRunReportBatch, type RunReportMessage } from '../core/reporting';
import { createObservability } from '../runtime/observability';
import { runReportDependencies } from '../runtime/run-report-dependencies';
import { countRunReport } from '../runtime/step-metrics';
import { stepHandler } from '../runtime/step-handler';

const o = createObservability('run-report');
const deps = runReportDependencies();

/** The messages of an SQS event; an event that is not one is thrown, so the whole batch is retried. */
function messagesOf(event: unknown): RunReportMessage[] {
  const records = (event as { Records?: unknown } | null)?.Records;
  if (!Array.isArray(records)) throw new InvalidInputError('run report: the event has no SQS Records');
  return records.map((r: unknown, at) => {
    const { messageId, body } = (r ?? {}) as { messageId?: unknown; body?: unknown };
    if (typeof messageId !== 'string' || typeof body !== 'string')
      throw new InvalidInputError(`run report: record ${at} has no messageId or body`);
    return { messageId, body };
  });
}

export const handler = stepHandler<SQSBatchResponse>(o, 'RunReport', async (event) => {
  const batch = await writeRunReportBatch(messagesOf(event), deps);
  for (const run of batch.runs) {
    if (run.status === 'error') {
      o.logger.error('run report not written; its messages will be delivered again', { ...run });
      continue;
    }
    countRunReport(o.metrics, run);
    if (run.status === 'skipped') o.logger.warn('run report not written', { ...run });
    else if (!run.settled) o.logger.warn('run report written while the run still changed', { ...run });
    else o.logger.info('run report written', { ...run });
  }
  for (const m of batch.noRun) o.logger.info('no run to report', { ...m });
  for (const m of batch.malformed) o.logger.error('not an Output Tested event', { ...m });
  return { batchItemFailures: batch.failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
});
