/**
 * The things the Validate function is asked to do. One object is validated whole
 * (`mode: object`); in the partitioned branch the same function plans the map's items into a
 * manifest (`mode: plan`), validates one part (`mode: part`, a Distributed Map item) and merges
 * the parts' states into the report (`mode: merge`): same code, same permissions, and its reserved
 * concurrency already covers the map's (see environment-config). One object above the
 * environment's splitObjectsAboveBytes rides the same three modes with ranges of the object for
 * items (validate-ranges.ts): the plan is asked for `split`, an item carries its `Range`, and the
 * manifest's kind `ranges` tells the merge. A test that ended in the state machine's error path gets
 * its results dataset rows here too (`mode: ended`, record-ended-test.ts): the function that writes
 * a report's rows, with the same grants. The outcome keeps the mode, for the step's metrics.
 */
import { ConfigurationError } from '../errors';
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
import {
  mergeRanges,
  planRanges,
  validateRange,
  type RangeDeps,
  type RangesManifest,
} from './validate-ranges';
import { recordEndedTest, type EndedTestInput, type EndedTestResult } from './record-ended-test';
import type { ValidateInput, ValidateResult } from './workflow-types';

export type ValidateRequest =
  | { readonly mode: 'object'; readonly input: ValidateInput }
  | { readonly mode: 'ended'; readonly input: EndedTestInput }
  | { readonly mode: 'part'; readonly input: ValidatePartInput }
  | { readonly mode: 'merge'; readonly input: MergePartsInput }
  | { readonly mode: 'plan'; readonly input: PlanPartsInput & { readonly split?: SplitRequest } };

/** Set by the state machine when one object above splitObjectsAboveBytes is planned into ranges. */
export interface SplitRequest {
  readonly output: ValidatePartInput['output'];
  readonly splitAboveBytes: number;
}

export type ValidateOutcome =
  | { readonly mode: 'object' | 'merge'; readonly result: ValidateResult }
  | { readonly mode: 'ended'; readonly result: EndedTestResult }
  | { readonly mode: 'part'; readonly result: ValidatePartResult }
  | { readonly mode: 'plan'; readonly result: PartsManifest | RangesManifest };

export async function runValidateRequest(
  request: ValidateRequest,
  deps: ValidateDeps & PartitionDeps & PlanDeps & RangeDeps,
): Promise<ValidateOutcome> {
  switch (request.mode) {
    case 'object':
      return { mode: 'object', result: await validateOutput(request.input, deps) };
    case 'ended': {
      const { resultsPrefix } = deps;
      // The deployed and embedded functions always set it (ValidateDeps): without it the state
      // machine's request could not be honoured, and saying so beats writing nothing.
      if (resultsPrefix === undefined)
        throw new ConfigurationError('the validate function has no results prefix for ended tests');
      return { mode: 'ended', result: await recordEndedTest(request.input, { ...deps, resultsPrefix }) };
    }
    case 'part': {
      // An item of one object's ranges names its range; a folder's part does not.
      const { part } = request.input;
      if (part.Range !== undefined) {
        const range = {
          ...request.input,
          part: { ...part, Etag: part.Etag ?? part.ETag ?? '', Range: part.Range },
        };
        return { mode: 'part', result: await validateRange(range, deps) };
      }
      return { mode: 'part', result: await validatePart(request.input, deps) };
    }
    case 'merge': {
      const { manifest } = request.input;
      // The state machine reads `conversion` from every merge: converted is false unless the
      // merge published a partitioned output's converted folder (one object converts after it).
      const result =
        manifest?.kind === 'ranges'
          ? await mergeRanges({ ...request.input, manifest }, deps)
          : await mergeParts(request.input, deps);
      return { mode: 'merge', result: { ...result, conversion: result.conversion ?? { converted: false } } };
    }
    case 'plan': {
      const { split, ...input } = request.input;
      if (split !== undefined)
        return {
          mode: 'plan',
          result: await planRanges(
            {
              object: input.dataset,
              output: split.output,
              splitAboveBytes: split.splitAboveBytes,
              ...(input.execution !== undefined ? { execution: input.execution } : {}),
            },
            deps,
          ),
        };
      return { mode: 'plan', result: await planParts(input, deps) };
    }
  }
}
