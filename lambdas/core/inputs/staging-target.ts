/**
 * Another environment a staging may write into: its bucket and staging prefix, and the role in that
 * environment (named by its own config, `staging.acceptFrom`) that may put objects there. A request
 * names a target by the environment's name; only targets this environment's config declares exist,
 * so a request cannot send copies anywhere the deployment did not grant (the function may assume
 * only the configured roles).
 */
import { InvalidInputError } from '../errors';

export interface StagingTarget {
  /** The other environment's name, as the request and the manifest say it. */
  readonly environment: string;
  readonly bucket: string;
  /** Key prefix ending in /, the one the target role may write under. */
  readonly prefix: string;
  readonly roleArn: string;
  /** Required by the target role's trust policy when it names one. */
  readonly externalId?: string;
}

/** Environment names as cdk.json spells them: what a target is called in a request. */
export const TARGET_NAME = /^[a-z][a-z0-9-]{0,39}$/;
/** An IAM role ARN in any partition: `arn:aws:iam::123456789012:role/path/name`. */
export const ROLE_ARN = /^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** S3 bucket names: 3-63 lower-case letters, digits, dots and hyphens, starting and ending alphanumeric. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** A staging prefix: not empty, no leading /, ends in /. */
export const TARGET_PREFIX = /^[^/*][^*]*\/$/;
/** What STS accepts as an external id. */
export const EXTERNAL_ID = /^[\w+=,.@:/-]{2,1224}$/;

/**
 * The target a request names, or undefined when it names none (the environment's own bucket).
 * An unknown name is refused by name, listing the ones that exist: no retry fixes it.
 */
export function resolveStagingTarget(
  targets: ReadonlyMap<string, StagingTarget>,
  name: string | null | undefined,
): StagingTarget | undefined {
  if (name === null || name === undefined) return undefined;
  const target = targets.get(name);
  if (target) return target;
  const known = [...targets.keys()].sort();
  throw new InvalidInputError(
    `unknown staging target '${name}': ${
      known.length > 0
        ? `this environment stages into ${known.join(', ')}`
        : 'this environment declares no staging targets'
    } (staging.targets in cdk.json)`,
  );
}

/** Checks one target's fields; the message names the target and the field. */
export function checkStagingTarget(target: StagingTarget): StagingTarget {
  const where = `staging target ${target.environment}`;
  if (!TARGET_NAME.test(target.environment))
    throw new RangeError(`${where}: the name must be lower-case letters, digits and -, up to 40`);
  if (!BUCKET_NAME.test(target.bucket))
    throw new RangeError(`${where}: '${target.bucket}' is not a bucket name`);
  if (!TARGET_PREFIX.test(target.prefix))
    throw new RangeError(`${where}: prefix '${target.prefix}' must be a key prefix ending in /`);
  if (!ROLE_ARN.test(target.roleArn))
    throw new RangeError(
      `${where}: roleArn '${target.roleArn}' is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    );
  if (target.externalId !== undefined && !EXTERNAL_ID.test(target.externalId))
    throw new RangeError(`${where}: externalId must be 2-1224 characters of letters, digits and +=,.@:/-`);
  return target;
}

/**
 * The STS session name of one staging: names the execution (the staging id), so the other
 * account's CloudTrail shows which staging wrote what. STS allows 2-64 of `[\w+=,.@-]`.
 */
export function stagingSessionName(stagingId: string): string {
  return `prt-${stagingId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}
