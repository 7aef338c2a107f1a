// The public face of inputs: loading contracts and preparing the inputs a pipeline step declares.
export { loadContractBucket, loadContractDirectory } from './contract-source';
export type { LoadedContracts } from './contract-source';
export { prepareInputs } from './prepare-inputs';
export { declaredInputs } from './prepare-inputs';
export { STAGED_MANIFEST, StagingError, stageOutput } from './stage-output';
export type { StageDeps, StageRequest, StagingLimits, StagingSummary } from './stage-output';
export { checkSample, keepsRow, stageTable } from './stage-table';
export type { SampleSpec } from './stage-table';
export { MAX_STAGED_INPUTS, parseStagingRequest, planStaging } from './staging-request';
export type { StagingOptions, StagingPlan, StagingRequest } from './staging-request';
export {
  checkStagingTarget,
  resolveStagingTarget,
  stagingSessionName,
  BUCKET_NAME,
  EXTERNAL_ID,
  ROLE_ARN,
  TARGET_NAME,
  TARGET_PREFIX,
} from './staging-target';
export type { StagingTarget } from './staging-target';
