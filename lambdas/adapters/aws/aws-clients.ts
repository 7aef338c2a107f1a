/**
 * Builds the SDK clients, for a handler once per cold start (through lambdas/runtime/dependencies.ts)
 * and for the CLI once per command. Endpoints and credentials come from the standard AWS variables
 * (AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, AWS_REGION ...), so the same code talks to AWS,
 * LocalStack or the embedded stack unchanged; the one extra switch is path-style addressing for S3
 * servers that cannot route bucket subdomains (PRT_S3_FORCE_PATH_STYLE, read by lambdas/runtime/function-config.ts).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** The client types, for the layers above that hold clients without calling the SDK themselves. */
export type { S3Client, DynamoDBDocumentClient };

export interface ClientSettings {
  readonly s3ForcePathStyle: boolean;
}

export function createS3Client(settings: ClientSettings): S3Client {
  return new S3Client({
    forcePathStyle: settings.s3ForcePathStyle,
    retryMode: 'adaptive',
  });
}

export function createDocumentClient(): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient({ retryMode: 'adaptive' }), {
    marshallOptions: { removeUndefinedValues: true },
  });
}
