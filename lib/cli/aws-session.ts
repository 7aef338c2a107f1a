/**
 * What the registry, download, lineage and inputs commands share: settings from flags or the
 * environment (PRT_REGISTRY_TABLE, PRT_ARTIFACTS_BUCKET, PRT_CACHE_*), and SDK clients configured
 * the standard way (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL_DYNAMODB, plus
 * PRT_S3_FORCE_PATH_STYLE=true for the embedded stack), created on first use and closed at the
 * end, so one command works against AWS, LocalStack or the embedded stack unchanged.
 */
import type { DynamoDBDocumentClient, S3Client } from '../../lambdas/adapters/aws/aws-clients';
import { DownloadCache, cacheSettings, ObjectDownloader, parseSize } from '../../lambdas/core/download';
import { S3DownloadSource, endpointLabel } from '../../lambdas/adapters/aws/s3-download-source';
import type { LineageStore } from '../../lambdas/core/lineage';
import type { OutputRegistry } from '../../lambdas/core/registry';
import type { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import {
  ServiceClients,
  lineageStore,
  outputRegistry,
  s3ObjectStore,
} from '../../lambdas/runtime/dependencies';
import { clientSettingsFromEnv } from '../../lambdas/runtime/function-config';
import { FUNCTION_ENV } from '../../lambdas/runtime/function-environment';

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
  private clients: ServiceClients | undefined;

  /** The clients, built as the Lambda functions build theirs (lambdas/runtime/dependencies.ts). */
  private get services(): ServiceClients {
    this.clients ??= new ServiceClients(clientSettingsFromEnv(process.env));
    return this.clients;
  }

  get s3(): S3Client {
    return this.services.s3;
  }

  get db(): DynamoDBDocumentClient {
    return this.services.db;
  }

  /** The object store over this session's S3 client. */
  get store(): S3ObjectStore {
    return s3ObjectStore(this.s3);
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
    return outputRegistry(this.db, registryTable(table));
  }

  /** The lineage edges stored in the registry's table (--table or PRT_REGISTRY_TABLE). */
  lineage(table: string | undefined): LineageStore {
    return lineageStore(this.db, registryTable(table));
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
    this.clients?.destroy();
    this.clients = undefined;
  }
}
