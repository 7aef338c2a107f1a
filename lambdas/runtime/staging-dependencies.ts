/**
 * The download function's settings and dependencies (prepare-inputs workflow), read and built once
 * per container: where staged copies go, the bounds of one staging, the downloader (with its cache
 * in the function's temporary storage) and the masking key behind its port. A missing or unusable
 * setting fails the cold start with the variable's name.
 *
 * A staging into another environment (a target of `staging.targets`) writes through an S3 client
 * signed with that environment's role, assumed per staging (lambdas/adapters/aws/assumed-role-s3-client.ts);
 * the registry, lineage and the reads of the sources stay on the function's own role.
 */
import {
  SecretsExtensionMaskingKey,
  SECRETS_EXTENSION_PORT,
} from '../adapters/aws/secrets-extension-masking-key';
import { assumedRoleS3Client } from '../adapters/aws/assumed-role-s3-client';
import type { S3Client } from '../adapters/aws/aws-clients';
import { endpointLabel, S3DownloadSource } from '../adapters/aws/s3-download-source';
import { DownloadCache, ObjectDownloader } from '../core/download';
import { ConfigurationError } from '../core/errors';
import {
  resolveStagingTarget,
  stagingSessionName,
  type StageDeps,
  type StagingLimits,
  type StagingTarget,
} from '../core/inputs';
import type { ObjectStore } from '../core/storage';
import type { OutputContract } from '../core/contracts';
import { functionDependencies, s3ObjectStore, type FunctionDependencies } from './dependencies';
import { DOWNLOAD_ENV, STAGING_DEFAULTS } from './function-environment';
import { parseStagingTargets } from './staging-targets-env';

export interface StagingConfig {
  readonly destination: { readonly bucket: string; readonly prefix: string };
  readonly limits: StagingLimits;
  readonly maskingKeySecret: string;
  readonly secretsEndpoint: string;
  readonly cacheDir: string;
  /** Other environments this one may stage into, by name. */
  readonly targets: ReadonlyMap<string, StagingTarget>;
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
    targets: parseStagingTargets(env[DOWNLOAD_ENV.targets]),
  };
}

/** Where one staging writes: the bucket and prefix, the store that writes there, and the target's name. */
export interface StagingDestination {
  readonly destination: { readonly bucket: string; readonly prefix: string };
  readonly store: ObjectStore;
  readonly target?: string;
}

export interface StagingDependencies {
  readonly config: StagingConfig;
  readonly shared: FunctionDependencies;
  readonly deps: StageDeps;
  /** The deployed contracts, through the catalog's cache. */
  readonly contracts: () => Promise<readonly OutputContract[]>;
  /**
   * The destination a request names: this environment's staging prefix (no target), or a
   * target's, written with its role assumed for this staging. An unknown target is refused by name.
   */
  readonly destinationFor: (target: string | null, stagingId: string) => StagingDestination;
}

/** Assumed-role clients kept per container: one per (target, staging), the latest few. */
const KEPT_CLIENTS = 4;

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
  const clients = new Map<string, S3Client>();
  const destinationFor = (name: string | null, stagingId: string): StagingDestination => {
    const target = resolveStagingTarget(config.targets, name);
    if (!target) return { destination: config.destination, store: shared.store };
    // The Map's items of one staging share a session (and its cached credentials) in a warm container.
    const id = `${target.environment}/${stagingId}`;
    let client = clients.get(id);
    if (!client) {
      client = assumedRoleS3Client(shared.config, {
        roleArn: target.roleArn,
        sessionName: stagingSessionName(stagingId),
        ...(target.externalId !== undefined ? { externalId: target.externalId } : {}),
      });
      clients.set(id, client);
      for (const [old, c] of clients) {
        if (clients.size <= KEPT_CLIENTS) break;
        c.destroy();
        clients.delete(old);
      }
    }
    return {
      destination: { bucket: target.bucket, prefix: target.prefix },
      store: s3ObjectStore(client),
      target: target.environment,
    };
  };
  return {
    config,
    shared,
    contracts,
    destinationFor,
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
