/**
 * Where the handlers' CloudWatch metrics live, for the dashboard and alarms that read them. The
 * handlers write them as EMF through Powertools Metrics (lambdas/runtime/observability.ts) with one
 * dimension, `service`, the function's Powertools service name; a metric read with any other
 * namespace, name or dimension set is an empty graph, never an error, so the infra tests check that
 * these values match what the handlers use.
 */
import type { WorkflowFunction } from './workflow-definition';

/** METRICS_NAMESPACE of lambdas/runtime/observability.ts. */
export const WORKFLOW_METRICS_NAMESPACE = 'PipelineRuntimeTesting';

/** Powertools service name of a function: its POWERTOOLS_SERVICE_NAME and its metrics' `service` dimension. */
export function serviceNameOf(fn: WorkflowFunction): string {
  return fn;
}

/** The step name of a function's `<Step>Duration` and `<Step>Errors` metrics (stepHandler's `step`). */
export function stepNameOf(fn: WorkflowFunction): string {
  return `${fn.charAt(0).toUpperCase()}${fn.slice(1)}`;
}

/** Metrics the validate handler adds per validated output. */
export const VALIDATION_METRICS = {
  rowsValidated: 'RowsValidated',
  rulesFailed: 'RulesFailed',
  outputsPassed: 'OutputsPassed',
  outputsWarned: 'OutputsWarned',
  outputsFailed: 'OutputsFailed',
} as const;

/** Metrics the convert handler adds per converted output. */
export const CONVERSION_METRICS = {
  bytesConverted: 'BytesConverted',
  rowsConverted: 'RowsConverted',
} as const;

/**
 * Counted by the state machine itself (its CountUntested state, statemachines/output-testing.asl.json),
 * one per output whose test ended in `error` or whose object could not be read as its format.
 */
export const UNTESTED_METRICS = {
  service: 'output-testing',
  errored: 'OutputsErrored',
  unreadable: 'OutputsUnreadable',
} as const;

/** The canary function's Powertools service name (lambdas/canary/handler.ts), its metrics' `service`. */
export const CANARY_SERVICE = 'canary';
