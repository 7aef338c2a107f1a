/**
 * The Lambda functions the output-testing state machine invokes. One list drives the CDK functions,
 * the ASL substitutions (`${RegisterFunctionArn}` ...) and the embedded stack's task bindings, so the
 * three cannot drift apart.
 */
export const WORKFLOW_FUNCTIONS = [
  'register',
  'inspect',
  'validate',
  'convert',
  'lineage',
  'publish',
] as const;
export type WorkflowFunction = (typeof WORKFLOW_FUNCTIONS)[number];

/** Handler entry file of each function, relative to the repository root. */
export function handlerEntry(fn: WorkflowFunction): string {
  return `lambdas/${fn}/handler.ts`;
}

/** Name of the ASL definition substitution that carries the function's ARN. */
export function functionArnSubstitution(fn: WorkflowFunction): string {
  return `${fn.charAt(0).toUpperCase()}${fn.slice(1)}FunctionArn`;
}

/**
 * Timeouts: register, inspect and lineage do a few small S3/DynamoDB calls; validate and convert
 * stream whole outputs, for which 5 minutes at the configured memory covers files of a few GB
 * (larger, partitioned outputs are split by the Distributed Map, not given a longer timeout).
 * The deployed functions and the embedded stack's Lambda contexts both use these.
 */
export const FUNCTION_TIMEOUT_SECONDS: Readonly<Record<WorkflowFunction, number>> = {
  register: 30,
  inspect: 30,
  validate: 300,
  convert: 300,
  lineage: 30,
  // publish: S3 copies inside the service, but a 5 GiB CopyObject, or the parts of a large object
  // or folder, take minutes.
  publish: 300,
};

/** Other substitutions the ASL file uses. */
export const REGISTRY_TABLE_SUBSTITUTION = 'RegistryTableName';
export const ALERT_TOPIC_SUBSTITUTION = 'AlertTopicArn';
/** Where the partitioned branch's Distributed Map writes its run results (ResultWriter). */
export const ARTIFACTS_BUCKET_SUBSTITUTION = 'ArtifactsBucketName';
export const MAP_RUNS_PREFIX_SUBSTITUTION = 'MapRunsPrefix';
/** The environment's name, carried by every alert as its `environment` message attribute. */
export const ENVIRONMENT_NAME_SUBSTITUTION = 'EnvironmentName';
/**
 * `arn:<partition>:s3:::`, before `bucket/key` in the Output Tested event's `resources`: the
 * partition is the deployment's (aws, aws-cn, aws-us-gov), not a literal.
 */
export const S3_OBJECT_ARN_PREFIX_SUBSTITUTION = 'S3ObjectArnPrefix';

/** Path of the state machine definition, relative to the repository root. */
export const OUTPUT_TESTING_ASL = 'statemachines/output-testing.asl.json';

/** The synthetic canary's definition and its substitutions (lib/synthetic-canary.ts fills them). */
export const SYNTHETIC_CANARY_ASL = 'statemachines/synthetic-canary.asl.json';
export const CANARY_SUBSTITUTIONS = {
  canaryFunctionArn: 'CanaryFunctionArn',
  generateFunctionArn: 'GenerateFunctionArn',
  /** Decimal strings, turned into numbers by the definition's Settings state. */
  pollSeconds: 'CanaryPollSeconds',
  maxPolls: 'CanaryMaxPolls',
} as const;

/**
 * Substitutions of the partitioned-output branch (a Distributed Map), filled from the environment's
 * `partitions` settings as decimal strings. Only placeholders the definition actually contains are
 * substituted: the branch and its settings land separately, and CloudFormation rejects nothing for
 * an unused substitution, but the infra tests hold every other substitution to "used".
 *
 * In the ASL, put a placeholder inside a JSON string (the file must stay valid JSON) and turn it into
 * a number where one is needed, e.g. a Pass state with
 * `"maxConcurrency.$": "States.StringToJson('${PartitionMaxConcurrency}')"` read by `MaxConcurrencyPath`.
 */
export const PARTITION_MAX_CONCURRENCY_SUBSTITUTION = 'PartitionMaxConcurrency';
export const PARTITION_TOLERATED_FAILURE_SUBSTITUTION = 'PartitionToleratedFailurePercentage';
/** Size above which one object is validated range by range in the same map (decision 0012). */
export const SPLIT_OBJECTS_ABOVE_BYTES_SUBSTITUTION = 'SplitObjectsAboveBytes';
export const PARTITION_SUBSTITUTIONS = [
  PARTITION_MAX_CONCURRENCY_SUBSTITUTION,
  PARTITION_TOLERATED_FAILURE_SUBSTITUTION,
  SPLIT_OBJECTS_ABOVE_BYTES_SUBSTITUTION,
] as const;

export interface PartitionSubstitutionValues {
  readonly maxConcurrency: number;
  readonly toleratedFailurePercentage: number;
  readonly splitObjectsAboveBytes: number;
}

/**
 * The partition substitutions whose `${...}` placeholder occurs in `definition` (all of them when
 * `definition` is omitted, for interpreters that replace only what they find).
 */
export function partitionSubstitutions(
  settings: PartitionSubstitutionValues,
  definition?: string,
): Record<string, string> {
  const values: Record<(typeof PARTITION_SUBSTITUTIONS)[number], string> = {
    [PARTITION_MAX_CONCURRENCY_SUBSTITUTION]: String(settings.maxConcurrency),
    [PARTITION_TOLERATED_FAILURE_SUBSTITUTION]: String(settings.toleratedFailurePercentage),
    [SPLIT_OBJECTS_ABOVE_BYTES_SUBSTITUTION]: String(settings.splitObjectsAboveBytes),
  };
  return Object.fromEntries(
    Object.entries(values).filter(([name]) => definition === undefined || definition.includes(`\${${name}}`)),
  );
}
