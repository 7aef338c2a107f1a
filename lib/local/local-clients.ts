/**
 * SDK clients of the embedded stack's servers, configured the one way those servers need: the
 * fixed local region and key pair, path-style S3 addressing (s3rver has no bucket subdomains) and
 * checksums only where an operation requires them (s3rver would store a streamed upload's checksum
 * framing inside the object). The stack itself, the local demo and the integration suites all build
 * their clients here.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export const LOCAL_ACCOUNT = '000000000000';
export const LOCAL_REGION = 'us-east-1';
/** s3rver checks signatures against this fixed key pair. */
export const LOCAL_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

const CLIENT_CONFIG = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };

export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    ...CLIENT_CONFIG,
    endpoint,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
}

export function localDynamoDBClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ ...CLIENT_CONFIG, endpoint });
}

export function localDocumentClient(endpoint: string): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(localDynamoDBClient(endpoint));
}
