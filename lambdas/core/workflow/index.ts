// The public face of workflow: the inspect, register and lineage steps and the types of every step.
// convert-output.ts and validate-request.ts read tables (Arrow, Parquet); they are imported by their
// own handlers only, so the other handlers' bundles stay without them.
export { inspectOutput } from './inspect-output';
export type { DeletionInput } from './record-deletion';
export type { EndedTestInput, EndedTestResult } from './record-ended-test';
export { recordLineage } from './record-lineage';
export type { LineageStepResult } from './record-lineage';
export { registerArrival } from './register-arrival';
export type { RegisterOutcome, RegisterRequest } from './register-arrival';
export type { PartItem } from './validate-partitions';
export type { ValidateOutcome, ValidateRequest } from './validate-request';
export type {
  ConversionOutcome,
  ConvertResult,
  InspectResult,
  ObjectRef,
  RegisteredOutput,
  ValidateResult,
} from './workflow-types';
