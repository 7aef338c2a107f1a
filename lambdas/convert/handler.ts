/** Convert: writes the output in its contract's `convert_to` format, with the equivalence proof. */
import type { ConvertResult, InspectResult } from '../core/workflow';
// eslint-disable-next-line prt/core-public-face -- loads Arrow and Parquet, which the workflow index keeps out of the inspect, register and lineage bundles
import { convertOutput } from '../core/workflow/convert-output';
import { functionDependencies } from '../runtime/dependencies';
import { requireSetting } from '../runtime/function-config';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';
import { invocationStore } from '../runtime/time-budget';
import { countConversion } from '../runtime/step-metrics';
import { requireField, requireObjectRef, requireOutput } from '../runtime/step-input';

const o = createObservability('convert');
const { config, store, catalog } = functionDependencies();
const deps = {
  store,
  catalog,
  artifactsBucket: requireSetting(config, 'artifactsBucket'),
  convertedPrefix: requireSetting(config, 'convertedPrefix'),
  readerLimits: config.readerLimits,
};

export const handler = stepHandler<ConvertResult>(o, 'Convert', async (event, context) => {
  const result = await convertOutput(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      inspection: requireField<InspectResult>(event, 'inspection', 'object'),
    },
    { ...deps, store: invocationStore(store, context) },
  );
  countConversion(o.metrics, result);
  return result;
});
