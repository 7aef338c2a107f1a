/**
 * The expected-outputs state machine's definition and its substitutions, shared by the CDK
 * construct (lib/expected-outputs.ts) and the embedded stack (lib/local/expected-outputs-runner.ts),
 * so the two fill the same file the same way.
 */

/** Path of the definition, relative to the repository root. */
export const EXPECTED_OUTPUTS_ASL = 'statemachines/expected-outputs.asl.json';
/** The definition's placeholder for the check-expected function's ARN. */
export const CHECK_EXPECTED_FUNCTION_SUBSTITUTION = 'CheckExpectedFunctionArn';
/** The check-expected function's timeout: a check reads the contracts and at most 20 pages of versions. */
export const CHECK_EXPECTED_TIMEOUT_SECONDS = 60;
/** How often due relative waits are checked: a missing run is seen at most this long after its deadline. */
export const SWEEP_MINUTES = 10;
