/**
 * The history step of a validation: the report of a new version judged against the last N
 * versions of its output (lambdas/core/history), recorded in the report as `historyCheck` (every
 * metric with its band, or "not enough history") and `history` (the anomalies, as warnings). The
 * same for an object validated in one pass, from its ranges, or a partitioned folder.
 */
import type { OutputContract } from '../contracts/output-contract';
import { DEFAULT_HISTORY_SETTINGS } from '../history/history-types';
import { judgeAgainstHistory, type VersionMetrics } from '../history/history-detector';
import { historyFindings } from '../history/history-findings';
import { columnMetricsOf, loadHistory } from '../history/history-series';
import type { OutputRegistry } from '../registry/output-registry';
import { versionTokenOf } from '../registry/output-registry';
import type { ObjectStore } from '../storage/object-store';
import type { ValidationReport } from '../validation/validation-report';
import type { ObjectRef, RegisteredOutput } from './workflow-types';

export interface HistoryDeps {
  /** Without a registry (a unit test of another step) nothing is judged and the report says nothing. */
  readonly registry?: Pick<OutputRegistry, 'versions'>;
  readonly store: Pick<ObjectStore, 'read'>;
}

/** The report with the history judgement of `object` added. */
export async function judgedAgainstHistory(
  deps: HistoryDeps,
  input: {
    readonly object: Pick<ObjectRef, 'pk' | 'sk' | 'eventTime'>;
    readonly output: Pick<RegisteredOutput, 'pipeline' | 'step' | 'output'>;
  },
  report: ValidationReport,
  contract: Pick<OutputContract, 'history'>,
): Promise<ValidationReport> {
  if (!deps.registry) return report;
  const settings = contract.history ?? DEFAULT_HISTORY_SETTINGS;
  const { object, output } = input;
  const loaded = await loadHistory(
    { registry: deps.registry, store: deps.store },
    { pipeline: output.pipeline, step: output.step, output: output.output },
    { count: settings.versions, before: object.eventTime, exclude: `${object.pk}#${object.sk}` },
  );
  const current: VersionMetrics = {
    version: versionTokenOf(object),
    arrival: object.eventTime,
    status: report.status,
    rowCount: report.rowCount,
    columns: columnMetricsOf(report),
  };
  const historyCheck = judgeAgainstHistory(current, loaded.versions, settings, loaded.unreadReports);
  const findings = historyFindings(historyCheck);
  return { ...report, historyCheck, ...(findings.length > 0 ? { history: findings } : {}) };
}
