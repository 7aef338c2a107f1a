/**
 * The prepare-inputs workflow's definition file, its one substitution and its function's timeout:
 * shared by the CDK construct (lib/prepare-inputs-workflow.ts), the embedded stack and the infra
 * tests, so they cannot drift apart.
 */
export const PREPARE_INPUTS_ASL = 'statemachines/prepare-inputs.asl.json';
export const DOWNLOAD_FUNCTION_SUBSTITUTION = 'DownloadFunctionArn';
export const DOWNLOAD_HANDLER_ENTRY = 'lambdas/download/handler.ts';
/**
 * The Lambda maximum: one input's objects are fetched and rewritten in one invocation; the staging
 * bounds (PRT_STAGING_MAX_OBJECTS, PRT_STAGING_MAX_OBJECT_BYTES) keep it inside.
 */
export const DOWNLOAD_TIMEOUT_SECONDS = 900;
/** Name of the stack output that carries the state machine's ARN (`prt inputs prepare --remote`). */
export const PREPARE_INPUTS_OUTPUT = 'PrepareInputsStateMachineArn';
