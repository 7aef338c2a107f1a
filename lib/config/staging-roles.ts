/**
 * The names of the two roles of a cross-environment staging, fixed by the environments' names so
 * each side's config can name the other's role without a deployment output:
 *
 * - the source environment's download function runs as `prt-<source>-download` (named only where
 *   the source declares staging targets): the target's trust policy names it by ARN
 *   (`aws:PrincipalArn`), so no other role of the source account can assume the staging role;
 * - the target environment creates `prt-stage-<source>-to-<target>` for each source it accepts:
 *   the ARN the source's `staging.targets.<target>.roleArn` names.
 *
 * IAM role names are at most 64 characters; the config refuses names that would not fit.
 */
export const MAX_ROLE_NAME = 64;

export function stagingSourceRoleName(source: string): string {
  return `prt-${source}-download`;
}

export function stagingTargetRoleName(source: string, target: string): string {
  return `prt-stage-${source}-to-${target}`;
}
