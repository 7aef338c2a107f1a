/**
 * The Lambda functions the output-testing state machine invokes. One list drives the CDK functions,
 * the ASL substitutions (`${RegisterFunctionArn}` ...) and the embedded stack's task bindings, so the
 * three cannot drift apart.
 */
export const WORKFLOW_FUNCTIONS = ['register', 'inspect', 'validate', 'convert', 'lineage'] as const;
export type WorkflowFunction = (typeof WORKFLOW_FUNCTIONS)[number];

/** Handler entry file of each function, relative to the repository root. */
export function handlerEntry(fn: WorkflowFunction): string {
  return `lambdas/${fn}/handler.ts`;
}

/** Name of the ASL definition substitution that carries the function's ARN. */
export function functionArnSubstitution(fn: WorkflowFunction): string {
  return `${fn.charAt(0).toUpperCase()}${fn.slice(1)}FunctionArn`;
}

/** Other substitutions the ASL file uses. */
export const REGISTRY_TABLE_SUBSTITUTION = 'RegistryTableName';
export const ALERT_TOPIC_SUBSTITUTION = 'AlertTopicArn';

/** Path of the state machine definition, relative to the repository root. */
export const OUTPUT_TESTING_ASL = 'statemachines/output-testing.asl.json';
