/**
 * Register is idempotent per (execution, object version) with Powertools' DynamoDB persistence:
 * when Step Functions retries an invocation that had in fact succeeded, the retry gets the first
 * answer instead of finding its own registry entry and ending as a duplicate. The records live in
 * the registry table under a partition of their own.
 *
 * Powertools wraps most failures of its store in IdempotencyPersistenceLayerError, which the state
 * machine retries, but not all: when the in-progress write finds a record already there, it reads
 * that record, and a failure of that read (throttling, a dropped connection) escapes as the SDK's
 * own error, which no Retry names. Those reach the state machine here as TransientDependencyError,
 * as every other DynamoDB failure of the workflow does.
 */
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { mapDynamoError } from '../adapters/aws/dynamo-errors';
import { REGISTER_IDEMPOTENCY_PARTITION } from './deployment-names';

type Idempotent = ReturnType<typeof makeHandlerIdempotent>;

/** The middleware that makes Register idempotent, keeping its records in `registryTable`. */
export function registerIdempotency(registryTable: string): Idempotent {
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
  return typedStoreErrors(makeHandlerIdempotent({ persistenceStore, config }));
}

/** The middleware with the SDK errors its store lets through mapped as the workflow maps them. */
export function typedStoreErrors(idempotent: Idempotent): Idempotent {
  const mapped =
    <A extends unknown[], R>(step: ((...args: A) => R) | undefined) =>
    async (...args: A): Promise<Awaited<R> | undefined> => {
      if (!step) return undefined;
      try {
        return await step(...args);
      } catch (error) {
        return mapDynamoError(error, 'idempotency record of Register');
      }
    };
  return {
    ...idempotent,
    before: mapped(idempotent.before),
    after: mapped(idempotent.after),
    onError: mapped(idempotent.onError),
  };
}
