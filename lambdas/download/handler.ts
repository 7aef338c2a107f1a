/**
 * Download: the prepare-inputs workflow's function. `plan` lists a step's declared inputs from its
 * contract; `stage` stages one of them (resolved through the registry, fetched with integrity
 * checks, optionally sampled, masked and converted) under the staging prefix, or another
 * environment's (a named target, through its role), with a manifest and lineage to its source version. The same core as `prt inputs prepare` (lambdas/core/inputs).
 */
import {
  parseStagingRequest,
  planStaging,
  stageOutput,
  type StagingPlan,
  type StagingSummary,
} from '../core/inputs';
import { createObservability } from '../runtime/observability';
import { stagingDependencies } from '../runtime/staging-dependencies';
import { stepHandler } from '../runtime/step-handler';

const o = createObservability('download');
const { deps, contracts, destinationFor } = stagingDependencies();

export const handler = stepHandler<StagingPlan | StagingSummary>(o, 'Download', async (event) => {
  const request = parseStagingRequest(event);
  // An unknown target is refused before anything is planned or staged.
  const to = destinationFor(request.options.target, request.stagingId);
  if (request.mode === 'plan') return planStaging(await contracts(), request);
  const { runId, sample, mask, format } = request.options;
  return stageOutput(
    { ...deps, store: to.store },
    {
      output: request.output,
      ...(request.version !== null ? { version: request.version } : runId !== null ? { runId } : {}),
      ...(sample !== null ? { sample } : {}),
      ...(format !== null ? { format } : {}),
      ...(request.forStep !== null ? { forStep: request.forStep } : {}),
      mask,
      destination: to.destination,
      ...(to.target !== undefined ? { target: to.target } : {}),
      stagingId: request.stagingId,
    },
  );
});
