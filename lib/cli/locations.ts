/**
 * Local paths and s3:// URIs as byte sources and sinks for the CLI. S3 clients are configured the
 * standard way (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3 ...), so the same command works
 * against AWS, LocalStack or the embedded stack.
 */
import { resolve } from 'node:path';
import type { ByteSource } from '../../lambdas/core/formats';
import { fileSink, fileSource, parseS3Uri, type PublishingSink } from '../../lambdas/core/storage';
import type { S3Client } from '../../lambdas/adapters/aws/aws-clients';
import { S3Sink, s3Source } from '../../lambdas/adapters/aws/s3-byte-io';
import { ServiceClients } from '../../lambdas/runtime/dependencies';
import { clientSettingsFromEnv } from '../../lambdas/runtime/function-config';

let clients: ServiceClients | undefined;

/** The command's SDK clients, built as the Lambda functions build theirs; closed by closeClients. */
export function commandClients(): ServiceClients {
  clients ??= new ServiceClients(clientSettingsFromEnv(process.env));
  return clients;
}

function s3(): S3Client {
  return commandClients().s3;
}

export function isS3Uri(location: string): boolean {
  return location.startsWith('s3://');
}

export function sourceOf(location: string): ByteSource {
  if (isS3Uri(location)) {
    const { bucket, key } = parseS3Uri(location);
    return s3Source(s3(), bucket, key);
  }
  return fileSource(resolve(location));
}

export function sinkOf(location: string, contentType: string): PublishingSink | ReturnType<typeof fileSink> {
  if (isS3Uri(location)) {
    const { bucket, key } = parseS3Uri(location);
    return new S3Sink(s3(), bucket, key, contentType);
  }
  return fileSink(resolve(location));
}

export function closeClients(): void {
  clients?.destroy();
  clients = undefined;
}
