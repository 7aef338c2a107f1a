/**
 * The staging targets of an environment (cdk.json `staging.targets`: other environments the
 * download function may stage into, each through a role that environment created for it), carried
 * to the function as PRT_STAGING_TARGETS (JSON) and read once at cold start. The CDK construct and
 * the embedded stack write the value with stagingTargetsEnvValue; the config's validation uses the
 * same checks (checkStagingTarget) as the cold start, so the two cannot disagree on what is valid.
 *
 * @example
 * const targets = parseStagingTargets(process.env[DOWNLOAD_ENV.targets]); // at cold start
 */
import { ConfigurationError } from '../core/errors';
import { checkStagingTarget, type StagingTarget } from '../core/inputs';
import { DOWNLOAD_ENV } from './function-environment';

export { checkStagingTarget, type StagingTarget };

/** Bound of PRT_STAGING_TARGETS: the value lives in a Lambda environment (4 KB for all variables). */
export const MAX_STAGING_TARGETS = 20;

/** PRT_STAGING_TARGETS, checked field by field (the CDK app wrote it from validated config). */
export function parseStagingTargets(text: string | undefined): ReadonlyMap<string, StagingTarget> {
  const name = DOWNLOAD_ENV.targets;
  if (text === undefined || text.trim() === '') return new Map();
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`${name} must be a JSON object of staging targets`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new ConfigurationError(`${name} must be a JSON object of staging targets`);
  const entries = Object.entries(raw as Record<string, unknown>);
  if (entries.length > MAX_STAGING_TARGETS)
    throw new ConfigurationError(`${name} names ${entries.length} targets; at most ${MAX_STAGING_TARGETS}`);
  const targets = new Map<string, StagingTarget>();
  for (const [environment, value] of entries) {
    const v = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
    const text = (field: string) => (typeof v[field] === 'string' ? v[field] : '');
    try {
      targets.set(
        environment,
        checkStagingTarget({
          environment,
          bucket: text('bucket'),
          prefix: text('prefix'),
          roleArn: text('roleArn'),
          ...(v['externalId'] !== undefined ? { externalId: text('externalId') } : {}),
        }),
      );
    } catch (error) {
      throw new ConfigurationError(`${name}: ${(error as Error).message}`);
    }
  }
  return targets;
}

/** The value of PRT_STAGING_TARGETS for these targets (bucket, prefix, role and external id each). */
export function stagingTargetsEnvValue(targets: readonly StagingTarget[]): string {
  return JSON.stringify(
    Object.fromEntries(
      targets.map((t) => [
        t.environment,
        {
          bucket: t.bucket,
          prefix: t.prefix,
          roleArn: t.roleArn,
          ...(t.externalId !== undefined ? { externalId: t.externalId } : {}),
        },
      ]),
    ),
  );
}

export { EXTERNAL_ID, TARGET_NAME } from '../core/inputs';
