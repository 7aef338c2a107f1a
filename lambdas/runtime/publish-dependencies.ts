/**
 * The publish function's settings and dependencies (write-audit-publish), read and built once per
 * container: the published prefix it may write, the copy's part sizes, and the S3 copier. A
 * missing or unusable setting fails the cold start with the variable's name.
 */
import { S3ObjectCopier } from '../adapters/aws/s3-object-copier';
import { ConfigurationError } from '../core/errors';
import type { CopyPlanOptions, PublishDeps } from '../core/publishing';
import { functionDependencies } from './dependencies';
import { PUBLISH_ENV } from './function-environment';

export interface PublishConfig {
  readonly publishedPrefix: string;
  readonly copy: CopyPlanOptions;
}

function optionalBytes(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1)
    throw new ConfigurationError(`${name} must be a positive whole number of bytes, not '${text}'`);
  return n;
}

export function readPublishConfig(env: NodeJS.ProcessEnv): PublishConfig {
  const prefix = env[PUBLISH_ENV.publishedPrefix];
  if (prefix === undefined || !/^[^/*][^*]*\/$/.test(prefix))
    throw new ConfigurationError(
      `${PUBLISH_ENV.publishedPrefix} must be a key prefix ending in / (got ${prefix === undefined ? 'nothing' : `'${prefix}'`})`,
    );
  const multipartAboveBytes = optionalBytes(env, PUBLISH_ENV.multipartAboveBytes);
  const partBytes = optionalBytes(env, PUBLISH_ENV.copyPartBytes);
  return {
    publishedPrefix: prefix,
    copy: {
      ...(multipartAboveBytes !== undefined ? { multipartAboveBytes } : {}),
      ...(partBytes !== undefined ? { partBytes } : {}),
    },
  };
}

export function publishDependencies(env: NodeJS.ProcessEnv = process.env): PublishDeps {
  const config = readPublishConfig(env);
  const shared = functionDependencies();
  return {
    catalog: shared.catalog,
    store: shared.store,
    copier: new S3ObjectCopier(shared.clients.s3),
    registry: shared.registry,
    lineage: shared.lineage,
    now: () => new Date(),
    publishedPrefix: config.publishedPrefix,
    copy: config.copy,
  };
}
