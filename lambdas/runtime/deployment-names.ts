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
