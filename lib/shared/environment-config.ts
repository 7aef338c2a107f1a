/**
 * Per-environment settings, read once from the CDK context (`cdk.json` → `environments`) by
 * `bin/app.ts` and by the embedded local stack, then passed down typed and readonly.
 * An unknown environment or an invalid field fails here, at the edge, naming the field.
 */
import { WORKFLOW_FUNCTIONS, type WorkflowFunction } from './workflow-functions';

export type RemovalMode = 'destroy' | 'retain';

export interface EnvironmentConfig {
  readonly name: string;
  /** Key prefixes of the outputs bucket whose new objects are tested. */
  readonly watchedPrefixes: readonly string[];
  readonly alertEmail: string;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalMode;
  readonly memorySizes: Readonly<Record<WorkflowFunction, number>>;
  readonly account?: string;
  readonly region?: string;
}

export class EnvironmentConfigError extends Error {
  override readonly name = 'EnvironmentConfigError';
}

/** Retention periods CloudWatch Logs accepts; any other number is rejected by the service at deploy time. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

function fail(envName: string, field: string, problem: string): never {
  throw new EnvironmentConfigError(`environments.${envName}${field ? `.${field}` : ''}: ${problem}`);
}

const KNOWN_FIELDS = [
  'watchedPrefixes',
  'alertEmail',
  'logRetentionDays',
  'removalPolicy',
  'memorySizes',
  'account',
  'region',
];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates one environment entry of the `environments` context object. */
export function parseEnvironmentConfig(envName: string, raw: unknown): EnvironmentConfig {
  if (!isRecord(raw)) fail(envName, '', 'must be an object');
  // A misspelt key (say `acount`) would otherwise deploy silently without the intended setting.
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.includes(key))
      fail(envName, key, `unknown setting; expected one of ${KNOWN_FIELDS.join(', ')}`);
  }
  const prefixes = raw['watchedPrefixes'];
  if (!Array.isArray(prefixes) || prefixes.length === 0) {
    fail(envName, 'watchedPrefixes', 'must be a non-empty list of key prefixes');
  }
  prefixes.forEach((p, i) => {
    if (typeof p !== 'string' || p.length === 0 || p.startsWith('/')) {
      fail(
        envName,
        `watchedPrefixes[${i}]`,
        `${JSON.stringify(p)} is not a key prefix (non-empty, no leading "/")`,
      );
    }
  });
  const alertEmail = raw['alertEmail'];
  if (typeof alertEmail !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alertEmail)) {
    fail(envName, 'alertEmail', `${JSON.stringify(alertEmail)} is not an e-mail address`);
  }
  const logRetentionDays = raw['logRetentionDays'];
  if (typeof logRetentionDays !== 'number' || !LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    fail(
      envName,
      'logRetentionDays',
      `${JSON.stringify(logRetentionDays)} is not one of ${LOG_RETENTION_DAYS.join(', ')}`,
    );
  }
  const removalPolicy = raw['removalPolicy'];
  if (removalPolicy !== 'destroy' && removalPolicy !== 'retain') {
    fail(envName, 'removalPolicy', `${JSON.stringify(removalPolicy)} must be "destroy" or "retain"`);
  }
  const memory = raw['memorySizes'];
  if (!isRecord(memory))
    fail(envName, 'memorySizes', `must be an object with ${WORKFLOW_FUNCTIONS.join(', ')}`);
  const memorySizes = {} as Record<WorkflowFunction, number>;
  for (const fn of WORKFLOW_FUNCTIONS) {
    const mb = memory[fn];
    if (typeof mb !== 'number' || !Number.isInteger(mb) || mb < 128 || mb > 10240) {
      fail(
        envName,
        `memorySizes.${fn}`,
        `${JSON.stringify(mb)} must be an integer number of MB in 128..10240`,
      );
    }
    memorySizes[fn] = mb;
  }
  const config: EnvironmentConfig = {
    name: envName,
    watchedPrefixes: prefixes as string[],
    alertEmail,
    logRetentionDays,
    removalPolicy,
    memorySizes,
  };
  const account = raw['account'];
  const region = raw['region'];
  if (account !== undefined && (typeof account !== 'string' || !/^\d{12}$/.test(account))) {
    fail(envName, 'account', `${JSON.stringify(account)} is not a 12-digit AWS account id`);
  }
  if (region !== undefined && (typeof region !== 'string' || !/^[a-z]{2}(-[a-z]+)+-\d$/.test(region))) {
    fail(envName, 'region', `${JSON.stringify(region)} is not an AWS region name`);
  }
  return {
    ...config,
    ...(typeof account === 'string' ? { account } : {}),
    ...(typeof region === 'string' ? { region } : {}),
  };
}

/** Picks and validates the named environment from the whole `environments` context value. */
export function selectEnvironment(environments: unknown, envName: string): EnvironmentConfig {
  if (!isRecord(environments)) {
    throw new EnvironmentConfigError('cdk.json context "environments" is missing or not an object');
  }
  if (!(envName in environments)) {
    throw new EnvironmentConfigError(
      `unknown environment "${envName}"; choose one of: ${Object.keys(environments).join(', ')} (cdk ... -c env=NAME)`,
    );
  }
  return parseEnvironmentConfig(envName, environments[envName]);
}
