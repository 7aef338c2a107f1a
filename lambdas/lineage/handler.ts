/** Lineage: links the object version to its declared inputs and to its converted copy. */
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { contractCacheTtlMs } from '../core/config/contract-cache-ttl';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { DynamoLineageStore } from '../adapters/aws/dynamo-lineage-store';
import { DynamoOutputRegistry } from '../adapters/aws/dynamo-output-registry';
import { S3ObjectStore } from '../adapters/aws/s3-object-store';
import { recordLineage, type LineageStepResult } from '../core/workflow/record-lineage';
import type { ConversionOutcome } from '../core/workflow/workflow-types';
import { createDocumentClient, createS3Client } from '../shared/aws-clients';
import { createObservability } from '../shared/observability';
import { stepHandler } from '../shared/step-handler';
import { requireField, requireObjectRef, requireOutput } from '../shared/step-input';

const o = createObservability('lineage');

const env = process.env;
const db = createDocumentClient();
const table = getRequiredEnv(env, FUNCTION_ENV.registryTable);
const deps = {
  catalog: new ContractCatalog(
    new S3ObjectStore(createS3Client(env)),
    getRequiredEnv(env, FUNCTION_ENV.artifactsBucket),
    getRequiredEnv(env, FUNCTION_ENV.contractsPrefix),
    contractCacheTtlMs(env),
  ),
  registry: new DynamoOutputRegistry(db, table),
  lineage: new DynamoLineageStore(db, table),
  now: () => new Date(),
};

export const handler = stepHandler<LineageStepResult>(o, 'Lineage', async (event) => {
  const result = await recordLineage(
    {
      object: requireObjectRef(event),
      output: requireOutput(event),
      conversion: requireField<ConversionOutcome>(event, 'conversion', 'object'),
    },
    deps,
  );
  o.metrics.addMetric('LineageEdges', MetricUnit.Count, result.edges);
  return result;
});
