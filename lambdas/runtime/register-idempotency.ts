/**
 * Register is idempotent per (execution, object version) with Powertools' DynamoDB persistence:
 * when Step Functions retries an invocation that had in fact succeeded, the retry gets the first
 * answer instead of finding its own registry entry and ending as a duplicate. The records live in
 * the registry table under a partition of their own.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { REGISTER_IDEMPOTENCY_PARTITION } from './deployment-names';

/** The middleware that makes Register idempotent, keeping its records in `registryTable`. */
export function registerIdempotency(registryTable: string): ReturnType<typeof makeHandlerIdempotent> {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: registryTable,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    staticPkValue: REGISTER_IDEMPOTENCY_PARTITION,
  });
  const config = new IdempotencyConfig({
    eventKeyJmesPath: '[execution, object.pk, object.sk]',
    expiresAfterSeconds: 3600,
  });
  return makeHandlerIdempotent({ persistenceStore, config });
}
