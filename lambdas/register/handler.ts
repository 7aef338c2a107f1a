/**
 * Register: resolves the arriving key to its contract and records the object version.
 * Idempotent per (execution, object version) with Powertools' DynamoDB persistence: when Step
 * Functions retries an invocation that had in fact succeeded, the retry gets the first answer
 * instead of finding its own registry entry and ending as a duplicate.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';
import { REGISTER_IDEMPOTENCY_PARTITION } from '../../lib/shared/registry-table-layout';
import { contractCacheTtlMs } from '../core/config/contract-cache-ttl';
import { getRequiredEnv } from '../core/config/required-env';
import { ContractCatalog } from '../core/contracts/contract-catalog';
import { DynamoLineageStore } from '../adapters/aws/dynamo-lineage-store';
import { DynamoOutputRegistry } from '../adapters/aws/dynamo-output-registry';
import { S3ObjectStore } from '../adapters/aws/s3-object-store';
import { recordDeletion, type DeletionResult } from '../core/workflow/record-deletion';
import { registerDataset, registerOutput } from '../core/workflow/register-output';
import type { RegisterDatasetResult, RegisterResult } from '../core/workflow/workflow-types';
import { createDocumentClient, createS3Client } from '../shared/aws-clients';
import { createObservability } from '../shared/observability';
import { stepHandler } from '../shared/step-handler';
import { requireObjectRef } from '../shared/step-input';

const env = process.env;
const table = getRequiredEnv(env, FUNCTION_ENV.registryTable);
const o = createObservability('register');
const db = createDocumentClient();
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

// Idempotency records live in the registry table under their own partition key.
const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: table,
  keyAttr: 'pk',
  sortKeyAttr: 'sk',
  staticPkValue: REGISTER_IDEMPOTENCY_PARTITION,
});
const config = new IdempotencyConfig({
  eventKeyJmesPath: '[execution, object.pk, object.sk]',
  expiresAfterSeconds: 3600,
});

export const handler = stepHandler<RegisterResult | RegisterDatasetResult | DeletionResult>(
  o,
  'Register',
  async (event) => {
    // An Object Deleted event (RecordDeletion state): mark the versions it removed.
    const deletion = deletionOf(event);
    if (deletion) {
      const result = await recordDeletion(deletion, deps);
      o.metrics.addMetric('VersionsDeleted', MetricUnit.Count, result.deleted.length);
      return result;
    }
    // The partitioned branch registers a completion marker's folder (RegisterDataset state).
    if ((event as { marker?: unknown }).marker === true) {
      const result = await registerDataset({ object: requireObjectRef(event), ...executionOf(event) }, deps);
      if (result.tracked)
        o.metrics.addMetric(
          result.duplicate ? 'DuplicateArrivals' : 'OutputsRegistered',
          MetricUnit.Count,
          1,
        );
      return result;
    }
    const result = await registerOutput({ object: requireObjectRef(event), ...executionOf(event) }, deps);
    if (result.partOfDataset) {
      o.metrics.addMetric('PartArrivals', MetricUnit.Count, 1);
      return result;
    }
    o.metrics.addMetric(
      result.tracked ? (result.duplicate ? 'DuplicateArrivals' : 'OutputsRegistered') : 'UntrackedArrivals',
      MetricUnit.Count,
      1,
    );
    return result;
  },
  [makeHandlerIdempotent({ persistenceStore, config })],
);

/** The S3 Object Deleted event's detail, as the RecordDeletion state passes it. */
function deletionOf(event: unknown): Parameters<typeof recordDeletion>[0] | undefined {
  const d = (event as { deletion?: { detail?: unknown; time?: unknown } } | null)?.deletion;
  if (!d) return undefined;
  const detail = d.detail as {
    bucket?: { name?: unknown };
    object?: { key?: unknown; 'version-id'?: unknown };
    'deletion-type'?: unknown;
  };
  const bucket = detail?.bucket?.name;
  const key = detail?.object?.key;
  if (typeof bucket !== 'string' || typeof key !== 'string')
    throw new TypeError('a deletion event needs detail.bucket.name and detail.object.key');
  const versionId = detail.object?.['version-id'];
  const deletionType = detail['deletion-type'];
  return {
    bucket,
    key,
    versionId: typeof versionId === 'string' && versionId.length > 0 ? versionId : null,
    deletionType: typeof deletionType === 'string' ? deletionType : 'Permanently Deleted',
    eventTime: typeof d.time === 'string' ? d.time : new Date().toISOString(),
  };
}

/** The execution id the state machine passes, as the entry's writer token. */
function executionOf(event: unknown): { execution?: string } {
  const execution = (event as { execution?: unknown } | null)?.execution;
  return typeof execution === 'string' && execution.length > 0 ? { execution } : {};
}
