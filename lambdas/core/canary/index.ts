// The public face of canary: planning a canary run's cases and judging what the registry recorded.
export { CANARY_PREFIX, canaryContractKey } from './canary-prefix';
export { DEFAULT_CANARY_ROWS, MAX_CANARY_CASES, planCanary, violationRate } from './canary-plan';
export type {
  CanaryCase,
  CanaryExpectation,
  CanaryPlan,
  CanaryPlanOptions,
  UncoveredRule,
} from './canary-plan';
export { canarySettled, compareCanary, observeCanary, pairCases } from './canary-verdict';
export type { CanaryDifference, CanaryObservation, CanaryVerdict, GeneratedCase } from './canary-verdict';
export { runCanaryStep } from './canary-step';
export type { CanaryStepDeps } from './canary-step';
export { CanaryAfterDeployError, runCanaryAfterDeploy } from './canary-after-deploy';
export type {
  CanaryAfterDeployOptions,
  CanaryAfterDeployResult,
  CanaryExecutions,
  CanaryExecutionState,
} from './canary-after-deploy';
