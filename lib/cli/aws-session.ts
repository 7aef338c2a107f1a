/**
 * What the registry, download, lineage and inputs commands share: settings from flags or the
 * environment (PRT_REGISTRY_TABLE, PRT_ARTIFACTS_BUCKET, PRT_CACHE_*), and SDK clients configured
 * the standard way (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, plus
 * PRT_S3_FORCE_PATH_STYLE=true for the embedded stack), created on first use and closed at the
 * end, so one command works against AWS, LocalStack or the embedded stack unchanged.
 */
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DownloadCache, cacheSettings } from '../../lambdas/core/download/download-cache';
import { ObjectDownloader } from '../../lambdas/core/download/object-downloader';
import { S3DownloadSource, endpointLabel } from '../../lambdas/adapters/aws/s3-download-source';
import type { LineageStore } from '../../lambdas/core/lineage/lineage-store';
import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import { parseSize } from '../../lambdas/core/download/download-cache';
import type { OutputRegistry } from '../../lambdas/core/registry/output-registry';
import { DynamoOutputRegistry } from '../../lambdas/adapters/aws/dynamo-output-registry';
import { createDocumentClient, createS3Client } from '../../lambdas/shared/aws-clients';
import { FUNCTION_ENV } from '../shared/function-environment';

/** A command line that cannot work as given; the message says what to pass. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A flag's value, else the environment variable's, else a UsageError naming both. */
export function requiredSetting(
  value: string | undefined,
  envName: string,
  flag: string,
  what: string,
): string {
  const chosen = value ?? process.env[envName];
  if (chosen === undefined || chosen.trim() === '') {
    throw new UsageError(`no ${what}: pass ${flag} or set ${envName}`);
  }
  return chosen;
}

export interface CacheFlags {
  readonly cacheDir?: string;
  readonly cacheTtl?: string;
  readonly cacheMaxSize?: string;
}

export interface DownloadFlags extends CacheFlags {
  readonly concurrency?: string;
  readonly partSize?: string;
  readonly verifyCache?: boolean;
}

export function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new UsageError(`${flag} must be a positive whole number, not '${text}'`);
  return n;
}

function registryTable(table: string | undefined): string {
  return requiredSetting(table, FUNCTION_ENV.registryTable, '--table', 'registry table');
}

export class AwsSession {
  private s3Client: S3Client | undefined;
  private dbClient: DynamoDBDocumentClient | undefined;

  get s3(): S3Client {
    this.s3Client ??= createS3Client(process.env);
    return this.s3Client;
  }

  get db(): DynamoDBDocumentClient {
    this.dbClient ??= createDocumentClient();
    return this.dbClient;
  }

  get s3Endpoint(): string {
    return endpointLabel(process.env);
  }

  get dynamoEndpoint(): string {
    return (
      process.env['AWS_ENDPOINT_URL_DYNAMODB'] ??
      process.env['AWS_ENDPOINT_URL'] ??
      `aws (${process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'default region'})`
    );
  }

  /** The registry in the table named by --table or PRT_REGISTRY_TABLE. */
  registry(table: string | undefined): OutputRegistry {
    return new DynamoOutputRegistry(this.db, registryTable(table));
  }

  /** The lineage edges stored in the registry's table (--table or PRT_REGISTRY_TABLE). */
  lineage(table: string | undefined): LineageStore {
    return new DynamoLineageStore(this.db, registryTable(table));
  }

  cache(flags: CacheFlags): DownloadCache {
    return new DownloadCache(
      cacheSettings(process.env, {
        ...(flags.cacheDir !== undefined ? { dir: flags.cacheDir } : {}),
        ...(flags.cacheTtl !== undefined ? { ttl: flags.cacheTtl } : {}),
        ...(flags.cacheMaxSize !== undefined ? { maxSize: flags.cacheMaxSize } : {}),
      }),
    );
  }

  downloader(flags: DownloadFlags): ObjectDownloader {
    const concurrency = positiveInteger(flags.concurrency, '--concurrency');
    return new ObjectDownloader(new S3DownloadSource(this.s3, this.s3Endpoint), this.cache(flags), {
      ...(concurrency !== undefined ? { concurrency } : {}),
      ...(flags.partSize !== undefined ? { partSize: parseSize(flags.partSize) } : {}),
      ...(flags.verifyCache === false ? { verifyCachedCopies: false } : {}),
    });
  }

  close(): void {
    this.s3Client?.destroy();
    this.dbClient?.destroy();
    this.s3Client = undefined;
    this.dbClient = undefined;
  }
}
