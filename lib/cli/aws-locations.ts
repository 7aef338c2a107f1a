/**
 * The AWS side of the CLI's locations (lib/cli/locations.ts): s3:// sources and sinks and the
 * registry table, on SDK clients configured the standard way (AWS_PROFILE, AWS_REGION,
 * AWS_ENDPOINT_URL_S3 ...), so the same command works against AWS, LocalStack or the embedded
 * stack. Imported only by locations.ts, and only when a command is given an s3:// location or a
 * registry table: the SDK is most of a command's start-up.
 */
import type { ByteSource } from '../../lambdas/core/formats';
import type { OutputRegistry } from '../../lambdas/core/registry';
import { parseS3Uri, type PublishingSink } from '../../lambdas/core/storage';
import { S3Sink, s3Source } from '../../lambdas/adapters/aws/s3-byte-io';
import { outputRegistry, ServiceClients } from '../../lambdas/runtime/dependencies';
import { clientSettingsFromEnv } from '../../lambdas/runtime/function-config';

let clients: ServiceClients | undefined;

/** The command's SDK clients, built as the Lambda functions build theirs; closed by closeClients. */
function commandClients(): ServiceClients {
  clients ??= new ServiceClients(clientSettingsFromEnv(process.env));
  return clients;
}

export function s3SourceOf(uri: string): ByteSource {
  const { bucket, key } = parseS3Uri(uri);
  return s3Source(commandClients().s3, bucket, key);
}

export function s3SinkOf(uri: string, contentType: string): PublishingSink {
  const { bucket, key } = parseS3Uri(uri);
  return new S3Sink(commandClients().s3, bucket, key, contentType);
}

export function registryOf(table: string): OutputRegistry {
  return outputRegistry(commandClients().db, table);
}

export function closeClients(): void {
  clients?.destroy();
  clients = undefined;
}
