/**
 * Convert: writes the output in its contract's `convert_to` format, with the equivalence proof.
 * By default in one pass; a large object validated range by range and converted to Parquet, CSV
 * or JSON Lines is converted by ranges instead (`mode`: plan-ranges, range, assemble-ranges;
 * core/workflow/convert-ranges.ts), so no single invocation has to read the whole object.
 */
import type { ConvertResult } from '../core/workflow';
// eslint-disable-next-line prt/core-public-face -- loads Arrow and Parquet, which the workflow index keeps out of the inspect, register and lineage bundles
import { convertOutput } from '../core/workflow/convert-output';
// eslint-disable-next-line prt/core-public-face -- loads Arrow and Parquet, as convert-output does
import {
  assembleRangeConversion,
  convertRangeItem,
  planRangeConversion,
  type ConversionItem,
} from '../core/workflow/convert-ranges';
import { functionDependencies } from '../runtime/dependencies';
import { requireSetting } from '../runtime/function-config';
import { createObservability } from '../runtime/observability';
import { stepHandler } from '../runtime/step-handler';
import { invocationStore } from '../runtime/time-budget';
import { countConversion } from '../runtime/step-metrics';
import { requireConvertRequest } from '../runtime/convert-request';

const o = createObservability('convert');
const { config, store, catalog } = functionDependencies();
const deps = {
  store,
  catalog,
  artifactsBucket: requireSetting(config, 'artifactsBucket'),
  convertedPrefix: requireSetting(config, 'convertedPrefix'),
  readerLimits: config.readerLimits,
};
/**
 * The ranged conversion's settings, checked at the first ranged request rather than at cold start:
 * a deployment whose convert function has not got them yet still converts small objects.
 */
const rangeDeps = () => ({
  ...deps,
  // The S3 store joins the parts with a multipart upload (UploadPartCopy for parts of 5 MiB or more).
  composer: store,
  reportsPrefix: requireSetting(config, 'reportsPrefix'),
  manifestsPrefix: requireSetting(config, 'manifestsPrefix'),
  conversionPartsPrefix: requireSetting(config, 'conversionPartsPrefix'),
});

type ConvertStepResult =
  | ConvertResult
  | Awaited<ReturnType<typeof planRangeConversion>>
  | Awaited<ReturnType<typeof convertRangeItem>>;

export const handler = stepHandler<ConvertStepResult>(o, 'Convert', async (event, context) => {
  const request = requireConvertRequest(event);
  const budgeted = invocationStore(store, context);
  if (request.mode === 'plan-ranges')
    return planRangeConversion(
      { dataset: request.object, output: request.output, manifest: request.manifest },
      { ...rangeDeps(), store: budgeted },
    );
  if (request.mode === 'range')
    return convertRangeItem(
      // The plan wrote the item (planRangeConversion); the request checked the fields this step uses.
      { dataset: request.object, output: request.output, part: request.part as ConversionItem },
      { ...rangeDeps(), store: budgeted },
    );
  const result =
    request.mode === 'assemble-ranges'
      ? await assembleRangeConversion(
          { dataset: request.object, output: request.output, manifest: request.manifest },
          { ...rangeDeps(), store: budgeted },
        )
      : await convertOutput(request, { ...deps, store: budgeted });
  countConversion(o.metrics, result);
  return result;
});
