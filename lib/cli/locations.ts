/**
 * Local paths and s3:// URIs as byte sources and sinks for the CLI.
 *
 * The S3 side (lib/cli/aws-locations.ts) loads only when a command names an s3:// location: the
 * AWS SDK's modules took 0.19 s of the 0.64 s `prt validate` spent on a 1,000-row local file.
 * So a command hands every location it will open to `prepareLocations` before it opens one;
 * sourceOf and sinkOf stay synchronous, for callbacks the core calls (a read-back, a reference
 * sample), and refuse an s3:// location that was not prepared rather than load the SDK late.
 */
import { resolve } from 'node:path';
import type { ByteSource } from '../../lambdas/core/formats';
import type { OutputRegistry } from '../../lambdas/core/registry';
import { fileSink, fileSource, type PublishingSink } from '../../lambdas/core/storage';

type AwsLocations = typeof import('./aws-locations');

let aws: AwsLocations | undefined;

export function isS3Uri(location: string): boolean {
  return location.startsWith('s3://');
}

async function loadAws(): Promise<AwsLocations> {
  aws ??= await import('./aws-locations');
  return aws;
}

/** Loads the S3 side if any of the command's locations is an s3:// URI. */
export async function prepareLocations(locations: Iterable<string | undefined>): Promise<void> {
  for (const location of locations) {
    if (location !== undefined && isS3Uri(location)) {
      await loadAws();
      return;
    }
  }
}

function s3Side(location: string): AwsLocations {
  if (!aws) throw new Error(`${location}: s3:// location opened before prepareLocations was given it`);
  return aws;
}

export function sourceOf(location: string): ByteSource {
  return isS3Uri(location) ? s3Side(location).s3SourceOf(location) : fileSource(resolve(location));
}

export function sinkOf(location: string, contentType: string): PublishingSink | ReturnType<typeof fileSink> {
  return isS3Uri(location) ? s3Side(location).s3SinkOf(location, contentType) : fileSink(resolve(location));
}

/** The registry table's store, on the command's SDK clients (loaded here: a table needs them). */
export async function registryOf(table: string): Promise<OutputRegistry> {
  return (await loadAws()).registryOf(table);
}

export function closeClients(): void {
  aws?.closeClients();
}
