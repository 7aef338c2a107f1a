/**
 * The OpenLineage function's settings and dependencies, read from its environment once per
 * container. The transport is the environment's `openLineage` setting (lib/config), carried by the
 * CDK construct (lib/openlineage-emitter.ts) as the variables of OPENLINEAGE_ENV; a missing or
 * unusable one fails the cold start with its name.
 */
import { DataZoneLineageTransport } from '../adapters/aws/datazone-lineage-transport';
import { DEFAULT_HTTP_TIMEOUT_MS, HttpLineageTransport } from '../adapters/aws/http-lineage-transport';
import { SECRETS_EXTENSION_PORT } from '../adapters/aws/secrets-extension-masking-key';
import { SecretsExtensionText } from '../adapters/aws/secrets-extension-text';
import { ConfigurationError } from '../core/errors';
import { objectStoreTransport, type EmissionDeps, type OpenLineageTransport } from '../core/openlineage';
import { functionDependencies } from './dependencies';
import { OPENLINEAGE_ENV, OPENLINEAGE_TRANSPORTS } from './openlineage-environment';
import { requireSetting } from './function-config';

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value.trim() === '')
    throw new ConfigurationError(`environment variable ${name} is required but not set`);
  return value;
}

function timeoutOf(env: NodeJS.ProcessEnv): number {
  const raw = env[OPENLINEAGE_ENV.timeoutMs];
  if (raw === undefined) return DEFAULT_HTTP_TIMEOUT_MS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 100 || n > 60_000)
    throw new ConfigurationError(
      `${OPENLINEAGE_ENV.timeoutMs} must be an integer of milliseconds in 100..60000 (got '${raw}')`,
    );
  return n;
}

/** The transport the environment names. */
export function openLineageTransport(
  env: NodeJS.ProcessEnv,
  s3Store: () => Parameters<typeof objectStoreTransport>[0],
  artifactsBucket: () => string,
): OpenLineageTransport {
  const kind = required(env, OPENLINEAGE_ENV.transport);
  const timeoutMs = timeoutOf(env);
  switch (kind) {
    case 'http': {
      const secretId = env[OPENLINEAGE_ENV.apiKeySecret];
      const port = env['PARAMETERS_SECRETS_EXTENSION_HTTP_PORT'] ?? String(SECRETS_EXTENSION_PORT);
      const secret =
        secretId !== undefined && secretId !== ''
          ? new SecretsExtensionText({
              secretId,
              endpoint: env[OPENLINEAGE_ENV.secretsEndpoint] ?? `http://localhost:${port}`,
              token: env['AWS_SESSION_TOKEN'] ?? '',
            })
          : undefined;
      return new HttpLineageTransport({
        url: required(env, OPENLINEAGE_ENV.url),
        timeoutMs,
        ...(secret ? { apiKey: () => secret.value() } : {}),
      });
    }
    case 'datazone':
      return new DataZoneLineageTransport({
        domainId: required(env, OPENLINEAGE_ENV.domainId),
        region: required(env, 'AWS_REGION'),
        timeoutMs,
      });
    case 's3':
      return objectStoreTransport(s3Store(), artifactsBucket(), required(env, OPENLINEAGE_ENV.prefix));
    default:
      throw new ConfigurationError(
        `${OPENLINEAGE_ENV.transport} must be one of ${OPENLINEAGE_TRANSPORTS.join(', ')} (got '${kind}')`,
      );
  }
}

/** What emitTestedVersion needs, built once per container. */
export function openLineageDependencies(env: NodeJS.ProcessEnv = process.env): EmissionDeps {
  const shared = functionDependencies();
  const transport = openLineageTransport(
    env,
    () => shared.store,
    () => requireSetting(shared.config, 'artifactsBucket'),
  );
  return {
    store: shared.store,
    registry: shared.registry,
    lineage: shared.lineage,
    transport,
    settings: { namespace: required(env, OPENLINEAGE_ENV.namespace) },
    now: () => new Date(),
  };
}
