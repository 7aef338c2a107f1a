import { DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import type { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import { describe, expect, it } from 'vitest';

import { TransientDependencyError } from '../../../lambdas/core/errors';
import { typedStoreErrors } from '../../../lambdas/runtime/register-idempotency';

type Idempotent = ReturnType<typeof makeHandlerIdempotent>;
type Request = Parameters<NonNullable<Idempotent['before']>>[0];

const REQUEST = {} as Request;

function throttled(): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    message: 'Rate of requests exceeds the allowed throughput.',
  });
}

function middleware(fail: Error | undefined, answer?: unknown): Idempotent {
  const step = (): Promise<unknown> => (fail ? Promise.reject(fail) : Promise.resolve(answer));
  return { before: step, after: step, onError: step };
}

describe('typedStoreErrors', () => {
  it('turns a throttled read of the idempotency record into TransientDependencyError, in every step', async () => {
    const wrapped = typedStoreErrors(middleware(throttled()));
    for (const step of [wrapped.before, wrapped.after, wrapped.onError]) {
      const error = await Promise.resolve(step!(REQUEST)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(TransientDependencyError);
      expect((error as Error).message).toBe(
        'idempotency record of Register: DynamoDB answered ThrottlingException (HTTP 400); retry later',
      );
    }
  });

  it("passes Powertools' own errors and answers through as they are", async () => {
    const inProgress = Object.assign(new Error('already in progress'), {
      name: 'IdempotencyAlreadyInProgressError',
    });
    await expect(typedStoreErrors(middleware(inProgress)).before!(REQUEST)).rejects.toBe(inProgress);
    const cached = { statusCode: 200 };
    await expect(typedStoreErrors(middleware(undefined, cached)).before!(REQUEST)).resolves.toBe(cached);
  });
});
