/**
 * The receiving side of cross-environment staging: for each environment this one accepts stagings
 * from (`staging.acceptFrom`), one role that the source's download function may assume to write
 * its staged copies into this environment's outputs bucket.
 *
 * Least privilege, by construction:
 * - trust: the source account, and within it only the role `prt-<source>-download`
 *   (`aws:PrincipalArn`, so the role need not exist when this stack deploys and no other principal
 *   of that account qualifies), with the external id where the config sets one;
 * - permissions: put (single or multipart, aborting its own uploads) and read back under this
 *   environment's staging prefix only (the read-back is the conversion's proof that a copy in
 *   another format holds the same rows), plus the environment's KMS key for those objects where it
 *   has one; no listing, no deletes, nothing outside the prefix;
 * - sessions last at most an hour (the role's MaxSessionDuration), the longest one staging asks for.
 *
 * The staging prefix is disjoint from the tested prefixes (checked in the config), so copies staged
 * here are never tested as arrivals.
 *
 * @example
 * new StagingAcceptance(this, 'StagingAcceptance', { config, outputs });
 */
import { CfnOutput, Duration, Stack } from 'aws-cdk-lib';
import { ArnPrincipal, Role } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { EnvironmentConfig } from './config/environment-config';
import { stagingSourceRoleName, stagingTargetRoleName } from './config/staging-roles';
import { acknowledgeGrants, grantFindings } from './nag-acknowledgments';
import type { OutputsBucket } from './outputs-bucket';

export interface StagingAcceptanceProps {
  readonly config: EnvironmentConfig;
  readonly outputs: OutputsBucket;
}

export class StagingAcceptance extends Construct {
  /** One role per accepted source environment, by its name. */
  readonly roles: ReadonlyMap<string, Role>;

  constructor(scope: Construct, id: string, props: StagingAcceptanceProps) {
    super(scope, id);
    const { config, outputs } = props;
    const prefix = config.staging.prefix;
    const partition = Stack.of(this).partition;
    const roles = new Map<string, Role>();
    for (const source of config.staging.acceptFrom) {
      const sourceRole = `arn:${partition}:iam::${source.account}:role/${stagingSourceRoleName(source.environment)}`;
      const principal = new ArnPrincipal(`arn:${partition}:iam::${source.account}:root`).withConditions({
        ArnEquals: { 'aws:PrincipalArn': sourceRole },
        ...(source.externalId !== undefined ? { StringEquals: { 'sts:ExternalId': source.externalId } } : {}),
      });
      const role = new Role(this, `From-${source.environment}`, {
        roleName: stagingTargetRoleName(source.environment, config.name),
        assumedBy: principal,
        maxSessionDuration: Duration.hours(1),
        description: `prt ${config.name}: ${source.environment}'s download function stages inputs under ${prefix}`,
      });
      outputs.grantPutUnder(role, prefix);
      outputs.grantReadUnder(role, [prefix]);
      acknowledgeGrants(role, [
        ...grantFindings.objectsUnder(outputs.bucket, prefix, 'writes'),
        ...grantFindings.objectsUnder(outputs.bucket, prefix, 'reads'),
      ]);
      new CfnOutput(this, `RoleArn-${source.environment}`, {
        value: role.roleArn,
        description: `Role ${source.environment} names in staging.targets.${config.name}.roleArn`,
      });
      roles.set(source.environment, role);
    }
    this.roles = roles;
  }
}
