/**
 * Builds the SDK clients a handler uses, once per cold start. Endpoints and credentials come from
 * the standard AWS variables (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION ...), so the
 * same handler talks to AWS, LocalStack or the embedded stack unchanged; the one extra switch is
 * path-style addressing for S3 servers that cannot route bucket subdomains.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { FUNCTION_ENV } from '../../lib/shared/function-environment';

export function createS3Client(env: NodeJS.ProcessEnv): S3Client {
  return new S3Client({
    forcePathStyle: env[FUNCTION_ENV.s3ForcePathStyle] === 'true',
    retryMode: 'adaptive',
  });
}

export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ retryMode: 'adaptive' }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
