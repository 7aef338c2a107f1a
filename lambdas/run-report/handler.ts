/**
 * The run report: subscribed to the `Output Tested` event, writes the report of the tested
 * output's pipeline run again (lambdas/core/reporting, writeTestedRunReport) under
 * `reports/runs/<pipeline>/<run>/`. A failure is thrown, so EventBridge retries the delivery and
 * then puts it in the dead-letter queue; a run too large to report is a logged skip, counted in the
 * RunReportsSkipped metric.
 */
import { writeTestedRunReport, type TestedRunReportResult } from '../core/reporting';
import { createObservability } from '../runtime/observability';
import { runReportDependencies } from '../runtime/run-report-dependencies';
import { countRunReport } from '../runtime/step-metrics';
import { stepHandler } from '../runtime/step-handler';

const o = createObservability('run-report');
const deps = runReportDependencies();

export const handler = stepHandler<TestedRunReportResult>(o, 'RunReport', async (event) => {
  const detail = (event as { detail?: unknown } | null)?.detail;
  const result = await writeTestedRunReport(detail, deps);
  countRunReport(o.metrics, result);
  if (result.status === 'no-run') o.logger.info('no run to report', { reason: result.reason });
  else if (result.status === 'skipped') o.logger.warn('run report not written', { reason: result.reason });
  else if (!result.settled) o.logger.warn('run report written while the run still changed', { ...result });
  else o.logger.info('run report written', { ...result });
  return result;
});
