/**
 * Names the functions and the CDK constructs must agree on besides the environment variables
 * (function-environment.ts): the construct grants, or graphs, exactly what a function writes. Kept
 * apart from the code that uses them, so the CDK app imports names and nothing else.
 */

/**
 * Partition key of Register's Powertools idempotency records (register-idempotency.ts). The only
 * items any function deletes (Powertools removes the record of a failed invocation so a retry can
 * run); the register role's DeleteItem is limited to this partition by a `dynamodb:LeadingKeys`
 * condition (lib/output-registry.ts).
 */
export const REGISTER_IDEMPOTENCY_PARTITION = 'IDEMPOTENCY#register';

/**
 * One metric per failed rule and output, with the rule's name in the `Rule` dimension (beside
 * `service`), written by step-metrics.ts and searched by the dashboard (lib/monitoring.ts).
 */
export const RULE_FAILURE_METRIC = { name: 'RuleFailures', dimension: 'Rule' } as const;

/**
 * What the validate handler measures per tested output (step-metrics.ts), graphed per pipeline and
 * output by the dashboard (lib/monitoring.ts). Dimensions stay few: a pipeline, and an output as
 * `step/output` (one per contract); never a run or a version, which would make a metric per object.
 */
export const OUTPUT_QUALITY_METRIC = {
  /** Rules passed / rules evaluated, in percent, per output. */
  qualityScore: 'QualityScore',
  /** One per output version that got a status (passed, warned or failed), per pipeline. */
  outputsTested: 'OutputsTested',
  /** Milliseconds from the object's arrival (its S3 event time) to its verdict, per pipeline. */
  arrivalToStatus: 'ArrivalToStatus',
  pipelineDimension: 'Pipeline',
  outputDimension: 'Output',
} as const;

/** The canary function's verdict metrics (step-metrics.ts), one per finished canary run. */
export const CANARY_METRIC = {
  passed: 'CanaryPassed',
  failed: 'CanaryFailed',
  /** Cases whose registry status or failed rules differed from what was generated. */
  differences: 'CanaryDifferences',
} as const;
