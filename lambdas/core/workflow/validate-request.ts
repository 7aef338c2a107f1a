/**
 * The four things the Validate function is asked to do. One object is validated whole
 * (`mode: object`); in the partitioned branch the same function plans the map's items into a
 * manifest (`mode: plan`), validates one part (`mode: part`, a Distributed Map item) and merges
 * the parts' states into the report (`mode: merge`): same code, same permissions, and its reserved
 * concurrency already covers the map's (see environment-config). The outcome keeps the mode, for
 * the step's metrics.
 */
import { validateOutput, type ValidateDeps } from './validate-output';
import {
  mergeParts,
  validatePart,
  type MergePartsInput,
  type PartitionDeps,
  type ValidatePartInput,
  type ValidatePartResult,
} from './validate-partitions';
import { planParts, type PartsManifest, type PlanDeps, type PlanPartsInput } from './plan-parts';
import type { ValidateInput, ValidateResult } from './workflow-types';

export type ValidateRequest =
  | { readonly mode: 'object'; readonly input: ValidateInput }
  | { readonly mode: 'part'; readonly input: ValidatePartInput }
  | { readonly mode: 'merge'; readonly input: MergePartsInput }
  | { readonly mode: 'plan'; readonly input: PlanPartsInput };

export type ValidateOutcome =
  | { readonly mode: 'object' | 'merge'; readonly result: ValidateResult }
  | { readonly mode: 'part'; readonly result: ValidatePartResult }
  | { readonly mode: 'plan'; readonly result: PartsManifest };

export async function runValidateRequest(
  request: ValidateRequest,
  deps: ValidateDeps & PartitionDeps & PlanDeps,
): Promise<ValidateOutcome> {
  switch (request.mode) {
    case 'object':
      return { mode: 'object', result: await validateOutput(request.input, deps) };
    case 'part':
      return { mode: 'part', result: await validatePart(request.input, deps) };
    case 'merge':
      return { mode: 'merge', result: await mergeParts(request.input, deps) };
    case 'plan':
      return { mode: 'plan', result: await planParts(request.input, deps) };
  }
}
