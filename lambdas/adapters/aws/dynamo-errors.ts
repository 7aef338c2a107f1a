/**
 * DynamoDB failures as the core's typed errors. Throttling, server faults and an unreachable
 * endpoint (after the SDK's own adaptive retries) become TransientDependencyError, which the state
 * machine retries; anything else is rethrown as it is, so a bug or a missing table is not retried
 * into an alert storm.
 */
import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { TransientDependencyError } from '../../core/errors';

/**
 * DynamoDB's transient answers by the name the service puts on the wire (and the JavaScript SDK on
 * the error). The state machine's own DynamoDB tasks retry the same set (test/infra checks it).
 */
export const TRANSIENT_DYNAMO_ERRORS: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
]);

export function mapDynamoError(error: unknown, what: string): never {
  if (error instanceof DynamoDBServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    if (status >= 500 || error.$retryable || TRANSIENT_DYNAMO_ERRORS.has(error.name)) {
      throw new TransientDependencyError(
        `${what}: DynamoDB answered ${error.name} (HTTP ${status}); retry later`,
      );
    }
  } else if (
    error instanceof Error &&
    /ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|EPIPE/.test(
      `${error.message} ${(error as { code?: string }).code ?? ''}`,
    )
  ) {
    throw new TransientDependencyError(`${what}: DynamoDB endpoint unreachable (${error.message})`);
  }
  throw error;
}

/**
 * A conditional write that found its condition false. Checked by name: the document client and the
 * low-level client may come from different copies of the SDK, so `instanceof` is not reliable.
 */
export function isConditionFailed(error: unknown): boolean {
  return (error as { name?: string } | null)?.name === 'ConditionalCheckFailedException';
}
