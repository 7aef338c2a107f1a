/**
 * The metrics every step adds per invocation, named in one place (the handlers only say what to count). The dashboard and
 * alarms (lib/monitoring.ts, lib/config/workflow-metrics.ts) read them by these names; a metric read
 * under any other name is an empty graph, never an error, so the infra tests check the two agree.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { RegisterOutcome, ValidateOutcome, ValidateResult } from '../core/workflow';
import { RULE_FAILURE_METRIC } from './deployment-names';

export function countRegistration(metrics: Metrics, outcome: RegisterOutcome): void {
  switch (outcome.kind) {
    case 'deletion':
      metrics.addMetric('VersionsDeleted', MetricUnit.Count, outcome.result.deleted.length);
      return;
    case 'dataset':
      if (outcome.result.tracked)
        metrics.addMetric(
          outcome.result.duplicate ? 'DuplicateArrivals' : 'OutputsRegistered',
          MetricUnit.Count,
          1,
        );
      return;
    case 'object': {
      const { result } = outcome;
      if (result.partOfDataset) {
        metrics.addMetric('PartArrivals', MetricUnit.Count, 1);
        return;
      }
      metrics.addMetric(
        result.tracked ? (result.duplicate ? 'DuplicateArrivals' : 'OutputsRegistered') : 'UntrackedArrivals',
        MetricUnit.Count,
        1,
      );
      return;
    }
  }
}

export function countValidation(metrics: Metrics, outcome: ValidateOutcome): void {
  if (outcome.mode === 'part') {
    metrics.addMetric('PartsValidated', MetricUnit.Count, outcome.result.skipped ? 0 : 1);
    metrics.addMetric('RowsValidated', MetricUnit.Count, outcome.result.rows);
    return;
  }
  // The plan validates nothing: the map's parts are counted as they are validated.
  if (outcome.mode === 'plan') return;
  // A merge's rows were counted part by part.
  if (outcome.mode === 'object')
    metrics.addMetric('RowsValidated', MetricUnit.Count, outcome.result.rowCount);
  countOutcome(metrics, outcome.result);
}

function countOutcome(metrics: Metrics, result: ValidateResult): void {
  metrics.addMetric('RulesFailed', MetricUnit.Count, result.failedRules.length);
  // One metric per failed rule, with the rule as a dimension: the dashboard's "failures by rule"
  // (rule names come from contracts, so the dimension's values stay few).
  for (const rule of result.failedRules) {
    const single = metrics.singleMetric();
    single.addDimension(RULE_FAILURE_METRIC.dimension, rule);
    single.addMetric(RULE_FAILURE_METRIC.name, MetricUnit.Count, 1);
  }
  metrics.addMetric(
    `Outputs${result.status[0]!.toUpperCase()}${result.status.slice(1)}`,
    MetricUnit.Count,
    1,
  );
}

export function countInspection(metrics: Metrics, result: { readonly size: number }): void {
  metrics.addMetric('BytesInspected', MetricUnit.Bytes, result.size);
}

export function countConversion(
  metrics: Metrics,
  result: { readonly size: number; readonly rowsOut: number },
): void {
  metrics.addMetric('BytesConverted', MetricUnit.Bytes, result.size);
  metrics.addMetric('RowsConverted', MetricUnit.Count, result.rowsOut);
}

export function countLineage(metrics: Metrics, result: { readonly edges: number }): void {
  metrics.addMetric('LineageEdges', MetricUnit.Count, result.edges);
}
