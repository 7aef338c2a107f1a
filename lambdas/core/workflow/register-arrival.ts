/**
 * What the Register function does with each of the events the state machine passes it: an S3
 * deletion marks the versions it removed (RecordDeletion state), a completion marker registers its
 * folder as one dataset version (RegisterDataset state), any other object is registered as itself
 * (Register state). The outcome keeps which one ran, for the step's metrics.
 */
import {
  recordDeletion,
  type DeletionDeps,
  type DeletionInput,
  type DeletionResult,
} from './record-deletion';
import { registerDataset, registerOutput, type RegisterDeps } from './register-output';
import type { RegisterDatasetResult, RegisterInput, RegisterResult } from './workflow-types';

export type RegisterRequest =
  | { readonly kind: 'deletion'; readonly deletion: DeletionInput }
  | { readonly kind: 'dataset'; readonly input: RegisterInput }
  | { readonly kind: 'object'; readonly input: RegisterInput };

export type RegisterOutcome =
  | { readonly kind: 'deletion'; readonly result: DeletionResult }
  | { readonly kind: 'dataset'; readonly result: RegisterDatasetResult }
  | { readonly kind: 'object'; readonly result: RegisterResult };

export async function registerArrival(
  request: RegisterRequest,
  deps: RegisterDeps & DeletionDeps,
): Promise<RegisterOutcome> {
  switch (request.kind) {
    case 'deletion':
      return { kind: 'deletion', result: await recordDeletion(request.deletion, deps) };
    case 'dataset':
      return { kind: 'dataset', result: await registerDataset(request.input, deps) };
    case 'object':
      return { kind: 'object', result: await registerOutput(request.input, deps) };
  }
}
