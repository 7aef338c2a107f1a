/**
 * The handlers' settings, read from the environment once per container (at cold start) into one
 * typed object. Every value with a format is checked here, so a bad one fails the cold start with a
 * ConfigurationError naming the variable instead of failing each invocation later. Resource names
 * are required only by the functions that use them (a convert function has no registry table):
 * requireSetting checks one when the dependency that needs it is built.
 *
 * @example
 * const config = readFunctionConfig(process.env);
 * const table = requireSetting(config, 'registryTable');
 */
import { ConfigurationError } from '../core/errors';
import type { ClientSettings } from '../adapters/aws/aws-clients';
import { contractCacheTtlMs } from './contract-cache-ttl';
import {
  DEFAULT_MAX_ROWS,
  DEFAULT_SYNTHETIC_PREFIX,
  FUNCTION_ENV,
  GENERATE_ENV,
} from './function-environment';
import { readerLimitsFromEnv, type ConfigurableReaderLimits } from './reader-limits-env';

/** The variable each resource setting is read from. */
const RESOURCE_ENV = {
  registryTable: FUNCTION_ENV.registryTable,
  artifactsBucket: FUNCTION_ENV.artifactsBucket,
  contractsPrefix: FUNCTION_ENV.contractsPrefix,
  reportsPrefix: FUNCTION_ENV.reportsPrefix,
  quarantinePrefix: FUNCTION_ENV.quarantinePrefix,
  convertedPrefix: FUNCTION_ENV.convertedPrefix,
  conversionPartsPrefix: FUNCTION_ENV.conversionPartsPrefix,
  manifestsPrefix: FUNCTION_ENV.manifestsPrefix,
  resultsPrefix: FUNCTION_ENV.resultsPrefix,
  outputsBucket: GENERATE_ENV.outputsBucket,
} as const;

export type ResourceSetting = keyof typeof RESOURCE_ENV;

export interface FunctionConfig {
  /** Resource names and key prefixes, as set (a function's environment carries only its own). */
  readonly resources: Readonly<Partial<Record<ResourceSetting, string>>>;
  /** Path-style S3 addressing, for S3 servers that cannot route bucket subdomains. */
  readonly s3ForcePathStyle: boolean;
  /** How long a warm function keeps its parsed contracts. */
  readonly contractCacheTtlMs: number;
  /** Parsed here, once: a bad PRT_READER_LIMITS fails the cold start, not every object read. */
  readonly readerLimits: ConfigurableReaderLimits;
  /** How long the partitioned branch's merge waits for a folder still changing; the core's default when absent. */
  readonly settle?: { readonly windowMs: number };
  /** Key prefix of the outputs bucket synthetic data goes under (generate). */
  readonly syntheticPrefix: string;
  /** Most rows one generate invocation may write per output. */
  readonly maxGeneratedRows: number;
}

export function readFunctionConfig(env: NodeJS.ProcessEnv): FunctionConfig {
  const resources: Partial<Record<ResourceSetting, string>> = {};
  for (const [setting, name] of Object.entries(RESOURCE_ENV) as [ResourceSetting, string][]) {
    const value = env[name];
    if (value !== undefined && value.trim() !== '') resources[setting] = value;
  }
  return {
    resources,
    ...clientSettingsFromEnv(env),
    contractCacheTtlMs: contractCacheTtlMs(env),
    readerLimits: readerLimitsFromEnv(env),
    ...settleSetting(env[FUNCTION_ENV.partsSettleSeconds]),
    syntheticPrefix: syntheticPrefix(env[GENERATE_ENV.syntheticPrefix]),
    maxGeneratedRows: maxGeneratedRows(env[GENERATE_ENV.maxRows]),
  };
}

/** How to build the SDK clients (the CLI reads only this part of the configuration). */
export function clientSettingsFromEnv(env: NodeJS.ProcessEnv): ClientSettings {
  return { s3ForcePathStyle: env[FUNCTION_ENV.s3ForcePathStyle] === 'true' };
}

/** A resource setting the caller cannot work without; when it is not set, fails naming the variable. */
export function requireSetting(config: FunctionConfig, setting: ResourceSetting): string {
  const value = config.resources[setting];
  if (value === undefined)
    throw new ConfigurationError(`environment variable ${RESOURCE_ENV[setting]} is required but not set`);
  return value;
}

/**
 * The merge's settle window. At most 240 s: the merge runs in the validate function, whose timeout
 * is 300 s, and must still validate and merge after waiting.
 */
function settleSetting(value: string | undefined): { settle?: { windowMs: number } } {
  if (value === undefined || value.trim() === '') return {};
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 240)
    throw new ConfigurationError(
      `${FUNCTION_ENV.partsSettleSeconds} must be whole seconds from 0 to 240, not '${value}'`,
    );
  return { settle: { windowMs: seconds * 1000 } };
}

function syntheticPrefix(value: string | undefined): string {
  const prefix = value ?? DEFAULT_SYNTHETIC_PREFIX;
  if (prefix !== '' && !prefix.endsWith('/'))
    throw new ConfigurationError(`${GENERATE_ENV.syntheticPrefix} must end with / (got '${prefix}')`);
  return prefix;
}

function maxGeneratedRows(value: string | undefined): number {
  const maxRows = Number(value ?? DEFAULT_MAX_ROWS);
  if (!Number.isSafeInteger(maxRows) || maxRows < 1)
    throw new ConfigurationError(`${GENERATE_ENV.maxRows} must be a positive whole number`);
  return maxRows;
}
