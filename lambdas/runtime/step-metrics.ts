/**
 * The metrics every step adds per invocation, named in one place (the handlers only say what to count). The dashboard and
 * alarms (lib/monitoring.ts, lib/config/workflow-metrics.ts) read them by these names; a metric read
 * under any other name is an empty graph, never an error, so the infra tests check the two agree.
 */
import { MetricUnit, type Metrics } from '@aws-lambda-powertools/metrics';
import type { CanaryPlan } from '../core/canary';
import type { TestedRunReportResult } from '../core/reporting';
import type {
  ObjectRef,
  RegisterOutcome,
  RegisteredOutput,
  ValidateOutcome,
  ValidateRequest,
  ValidateResult,
} from '../core/workflow';
import { CANARY_METRIC, OUTPUT_QUALITY_METRIC, RULE_FAILURE_METRIC } from './deployment-names';

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
  // The plan validates nothing: the map's parts are counted as they are validated. An ended test
  // was counted by the state machine (CountUntested: OutputsErrored, OutputsUnreadable).
  if (outcome.mode === 'plan' || outcome.mode === 'ended') return;
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

/**
 * An output version that got its verdict, measured for the dashboard: it was tested (per pipeline),
 * how long after its arrival (per pipeline), and its quality score (per output). Only the modes
 * that give an output its status count: a plan or a part is a piece of a test, not a test. A report
 * that evaluated no rule has no score (0 of 0 is not 100%), and an arrival time that does not parse
 * or lies ahead of the clock gives no duration, rather than a made-up one.
 */
export function countTestedOutput(
  metrics: Metrics,
  request: ValidateRequest,
  outcome: ValidateOutcome,
  now: Date,
): void {
  if (outcome.mode !== 'object' && outcome.mode !== 'merge') return;
  if (request.mode === 'object')
    tested(metrics, request.input.output, request.input.object, outcome.result, now);
  else if (request.mode === 'merge')
    tested(metrics, request.input.output, request.input.dataset, outcome.result, now);
}

function tested(
  metrics: Metrics,
  output: Pick<RegisteredOutput, 'pipeline' | 'step' | 'output'>,
  object: Pick<ObjectRef, 'eventTime'>,
  result: ValidateResult,
  now: Date,
): void {
  const perPipeline = (
    name: string,
    unit: (typeof MetricUnit)[keyof typeof MetricUnit],
    value: number,
  ): void => {
    const single = metrics.singleMetric();
    single.addDimension(OUTPUT_QUALITY_METRIC.pipelineDimension, output.pipeline);
    single.addMetric(name, unit, value);
  };
  perPipeline(OUTPUT_QUALITY_METRIC.outputsTested, MetricUnit.Count, 1);
  const arrived = Date.parse(object.eventTime);
  const elapsed = now.getTime() - arrived;
  if (Number.isFinite(elapsed) && elapsed >= 0)
    perPipeline(OUTPUT_QUALITY_METRIC.arrivalToStatus, MetricUnit.Milliseconds, elapsed);
  const { rules } = result;
  if (rules !== undefined && rules.checked > 0) {
    const single = metrics.singleMetric();
    single.addDimension(OUTPUT_QUALITY_METRIC.pipelineDimension, output.pipeline);
    single.addDimension(OUTPUT_QUALITY_METRIC.outputDimension, `${output.step}/${output.output}`);
    single.addMetric(
      OUTPUT_QUALITY_METRIC.qualityScore,
      MetricUnit.Percent,
      (100 * rules.passed) / rules.checked,
    );
  }
}

/**
 * The canary's verdict, once a check step reaches one: passed or failed, and how many cases
 * differed. A plan, or a check still polling, has no verdict and counts nothing.
 */
export function countCanary(metrics: Metrics, result: CanaryPlan | CanaryCheckResult): void {
  if (!('verdict' in result) || result.verdict === null) return;
  const { verdict } = result;
  metrics.addMetric(verdict.passed ? CANARY_METRIC.passed : CANARY_METRIC.failed, MetricUnit.Count, 1);
  metrics.addMetric(CANARY_METRIC.differences, MetricUnit.Count, verdict.differences.length);
}

/** The part of a canary check step's result the metrics read. */
interface CanaryCheckResult {
  readonly verdict: { readonly passed: boolean; readonly differences: readonly unknown[] } | null;
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

/** A run report written, or skipped because the run is larger than one report covers. */
export function countRunReport(metrics: Metrics, result: TestedRunReportResult): void {
  if (result.status === 'skipped') metrics.addMetric('RunReportsSkipped', MetricUnit.Count, 1);
  else if (result.status === 'written') metrics.addMetric('RunReportsWritten', MetricUnit.Count, 1);
}

/** Objects a Publish step copied (a folder's parts count one each) or withheld in staging. */
export function countPublication(
  metrics: Metrics,
  result: { readonly published: boolean; readonly objects?: number },
): void {
  if (result.published) metrics.addMetric('ObjectsPublished', MetricUnit.Count, result.objects ?? 0);
  else metrics.addMetric('VersionsWithheld', MetricUnit.Count, 1);
}
