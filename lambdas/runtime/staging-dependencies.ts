/**
 * The download function's settings and dependencies (prepare-inputs workflow), read and built once
 * per container: where staged copies go, the bounds of one staging, the downloader (with its cache
 * in the function's temporary storage) and the masking key behind its port. A missing or unusable
 * setting fails the cold start with the variable's name.
 */
import {
  SecretsExtensionMaskingKey,
  SECRETS_EXTENSION_PORT,
} from '../adapters/aws/secrets-extension-masking-key';
import { endpointLabel, S3DownloadSource } from '../adapters/aws/s3-download-source';
import { DownloadCache, ObjectDownloader } from '../core/download';
import { ConfigurationError } from '../core/errors';
import type { StageDeps, StagingLimits } from '../core/inputs';
import type { OutputContract } from '../core/contracts';
import { functionDependencies, type FunctionDependencies } from './dependencies';
import { DOWNLOAD_ENV, STAGING_DEFAULTS } from './function-environment';

export interface StagingConfig {
  readonly destination: { readonly bucket: string; readonly prefix: string };
  readonly limits: StagingLimits;
  readonly maskingKeySecret: string;
  readonly secretsEndpoint: string;
  readonly cacheDir: string;
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text.trim() === '') return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new ConfigurationError(`${name} must be a positive whole number, not '${text}'`);
  return n;
}

function requiredEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '')
    throw new ConfigurationError(`environment variable ${name} is required but not set`);
  return value;
}

export function readStagingConfig(env: NodeJS.ProcessEnv): StagingConfig {
  const prefix = env[DOWNLOAD_ENV.stagingPrefix] ?? STAGING_DEFAULTS.prefix;
  if (!/^([^/*][^*]*\/)?$/.test(prefix))
    throw new ConfigurationError(
      `${DOWNLOAD_ENV.stagingPrefix} must be a key prefix ending in / (got '${prefix}')`,
    );
  const port = env['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'] ?? String(SECRETS_EXTENSION_PORT);
  return {
    destination: { bucket: requiredEnv(env, DOWNLOAD_ENV.stagingBucket), prefix },
    limits: {
      maxObjects: positive(env, DOWNLOAD_ENV.maxObjects, STAGING_DEFAULTS.maxObjects),
      maxObjectBytes: positive(env, DOWNLOAD_ENV.maxObjectBytes, STAGING_DEFAULTS.maxObjectBytes),
    },
    maskingKeySecret: requiredEnv(env, DOWNLOAD_ENV.maskingKeySecret),
    secretsEndpoint: env[DOWNLOAD_ENV.secretsEndpoint] ?? `http://localhost:${port}`,
    cacheDir: env[DOWNLOAD_ENV.cacheDir] ?? STAGING_DEFAULTS.cacheDir,
  };
}

export interface StagingDependencies {
  readonly config: StagingConfig;
  readonly shared: FunctionDependencies;
  readonly deps: StageDeps;
  /** The deployed contracts, through the catalog's cache. */
  readonly contracts: () => Promise<readonly OutputContract[]>;
}

export function stagingDependencies(env: NodeJS.ProcessEnv = process.env): StagingDependencies {
  const shared = functionDependencies();
  const config = readStagingConfig(env);
  const contracts = async () => (await shared.catalog.snapshot()).entries.map((e) => e.contract);
  const downloader = new ObjectDownloader(
    new S3DownloadSource(shared.clients.s3, endpointLabel(env)),
    // The cache only holds an object while it is staged: a day, and the largest object staged.
    new DownloadCache({ dir: config.cacheDir, ttlMs: 86_400_000, maxBytes: config.limits.maxObjectBytes }),
  );
  const maskingKey = new SecretsExtensionMaskingKey({
    secretId: config.maskingKeySecret,
    endpoint: config.secretsEndpoint,
    token: env['AWS_SESSION_TOKEN'] ?? '',
  });
  return {
    config,
    shared,
    contracts,
    deps: {
      registry: shared.registry,
      lineage: shared.lineage,
      downloader,
      store: shared.store,
      contracts,
      maskingKey,
      limits: config.limits,
      now: () => new Date(),
    },
  };
}
