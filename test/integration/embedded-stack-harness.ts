/**
 * Starts the embedded stack for an integration test file and hands out real SDK clients pointed
 * at it, exactly as a user's pipeline or notebook would configure them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { EmbeddedStack, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/embedded-stack';
import { PROJECT_ROOT } from '../../lib/project-paths';
import { loadEnvironmentFromCdkJson } from '../../lib/shared/project-config';

export interface Harness {
  readonly stack: EmbeddedStack;
  readonly s3: S3Client;
  readonly db: DynamoDBDocumentClient;
  upload(key: string, body: string | Uint8Array): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev'),
    contractsDir: join(PROJECT_ROOT, 'contracts'),
  });
  const clientConfig = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
  const s3 = new S3Client({
    ...clientConfig,
    endpoint: stack.endpoints.s3,
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({ ...clientConfig, endpoint: stack.endpoints.dynamodb }),
  );
  return {
    stack,
    s3,
    db,
    async upload(key, body) {
      await s3.send(
        new PutObjectCommand({
          Bucket: stack.resources.outputsBucket,
          Key: key,
          Body: typeof body === 'string' ? Buffer.from(body) : body,
        }),
      );
    },
    async close() {
      s3.destroy();
      db.destroy();
      await stack.stop();
    },
  };
}
