/**
 * Download: the prepare-inputs workflow's function. `plan` lists a step's declared inputs from its
 * contract; `stage` stages one of them (resolved through the registry, fetched with integrity
 * checks, optionally sampled, masked and converted) under the staging prefix, with a manifest and
 * lineage to its source version. The same core as `prt inputs prepare` (lambdas/core/inputs).
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
const { config, deps, contracts } = stagingDependencies();

export const handler = stepHandler<StagingPlan | StagingSummary>(o, 'Download', async (event) => {
  const request = parseStagingRequest(event);
  if (request.mode === 'plan') return planStaging(await contracts(), request);
  const { runId, sample, mask, format } = request.options;
  return stageOutput(deps, {
    output: request.output,
    ...(request.version !== null ? { version: request.version } : runId !== null ? { runId } : {}),
    ...(sample !== null ? { sample } : {}),
    ...(format !== null ? { format } : {}),
    ...(request.forStep !== null ? { forStep: request.forStep } : {}),
    mask,
    destination: config.destination,
    stagingId: request.stagingId,
  });
});
