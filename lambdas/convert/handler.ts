/** Convert: writes the output in its contract's `convert_to` format, with the equivalence proof. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { contractCacheTtlMs } from '../core/config/contract-cache-ttl';
import { readerLimitsFromEnv } from '../core/config/reader-limits-env';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { S3ObjectStore } from '../adapters/aws/s3-object-store';
import { convertOutput } from '../core/workflow/convert-output';
import type { ConvertResult, InspectResult } from '../core/workflow/workflow-types';
import { createS3Client } from '../shared/aws-clients';
import { createObservability } from '../shared/observability';
import { stepHandler } from '../shared/step-handler';
import { requireField, requireObjectRef, requireOutput } from '../shared/step-input';

const env = process.env;
const o = createObservability('convert');
const store = new S3ObjectStore(createS3Client(env));
const artifactsBucket = getRequiredEnv(env, FUNCTION_ENV.artifactsBucket);
const deps = {
  store,
  catalog: new ContractCatalog(
    store,
    artifactsBucket,
    getRequiredEnv(env, FUNCTION_ENV.contractsPrefix),
    contractCacheTtlMs(env),
  ),
  artifactsBucket,
  convertedPrefix: getRequiredEnv(env, FUNCTION_ENV.convertedPrefix),
  // Parsed here, once: a bad PRT_READER_LIMITS fails the cold start, not every object read.
  readerLimits: readerLimitsFromEnv(env),
};

export const handler = stepHandler<ConvertResult>(o, 'Convert', async (event) => {
  const result = await convertOutput(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      inspection: requireField<InspectResult>(event, 'inspection', 'object'),
    },
    deps,
  );
  o.metrics.addMetric('BytesConverted', MetricUnit.Bytes, result.size);
  o.metrics.addMetric('RowsConverted', MetricUnit.Count, result.rowsOut);
  return result;
});
