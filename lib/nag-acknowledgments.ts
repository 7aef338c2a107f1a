/**
 * Acknowledging cdk-nag (AwsSolutions) findings the constructs accept on purpose, always on one
 * resource and always with the reason.
 *
 * cdk-nag 3 has no `NagSuppressions` any more: it reads CDK's own `Validations.of(scope).acknowledge()`
 * metadata, and an acknowledgment on a construct covers every resource under it. So:
 * - `acknowledgeOnResource` puts it on the one CloudFormation resource (the L1 itself), never on a
 *   parent construct or the stack, so a second resource with the same finding is still reported;
 * - `acknowledgeOnCdkCustomResource` is for the Lambda-backed custom resources CDK adds by itself
 *   (bucket notifications, BucketDeployment): their role, policy and function are CDK's code, not
 *   ours, and are acknowledged as one unit.
 *
 * IAM5 (wildcard) findings are acknowledged one by one in cdk-nag's own spelling, e.g.
 * `AwsSolutions-IAM5[Resource::<ArtifactsBucket88671897.Arn>/contracts/*]`: a new wildcard that a
 * future grant adds is reported instead of silently covered.
 *
 * @example
 * acknowledgeOnResource(queue, [{ id: 'AwsSolutions-SQS3', reason: 'It is the dead-letter queue.' }]);
 * acknowledgeOnResource(defaultPolicyOf(role), [wildcardFinding(`Resource::${nagArn(bucket)}/contracts/*`, 'why')]);
 */
import { CfnElement, CfnResource, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export interface NagFinding {
  /** Rule id, with the finding in brackets for rules that report several (`AwsSolutions-IAM5[Resource::*]`). */
  readonly id: string;
  readonly reason: string;
}

export function acknowledgeOnResource(construct: IConstruct, findings: readonly NagFinding[]): void {
  const resource = CfnResource.isCfnResource(construct) ? construct : construct.node.defaultChild;
  if (resource === undefined || !CfnResource.isCfnResource(resource)) {
    throw new Error(
      `${construct.node.path} is not one CloudFormation resource; acknowledge on the resource itself`,
    );
  }
  Validations.of(resource).acknowledge(...findings);
}

export function acknowledgeOnCdkCustomResource(construct: IConstruct, findings: readonly NagFinding[]): void {
  Validations.of(construct).acknowledge(...findings);
}

/** An AwsSolutions-IAM5 finding: `Action::<action>` or `Resource::<resource>`. */
export function wildcardFinding(subject: string, reason: string): NagFinding {
  return { id: `AwsSolutions-IAM5[${subject}]`, reason };
}

/** How cdk-nag writes the ARN of a resource of this template in a finding: `<LogicalId.Arn>`. */
export function nagArn(construct: IConstruct): string {
  const resource = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
  if (resource === undefined || !CfnElement.isCfnElement(resource)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource`);
  }
  return `<${Stack.of(resource).resolve(resource.logicalId) as string}.Arn>`;
}

/** The CloudFormation policy CDK's grants write for a role (its `DefaultPolicy`). */
export function defaultPolicyOf(role: IConstruct): IConstruct {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (policy === undefined)
    throw new Error(`${role.node.path} has no DefaultPolicy: acknowledge after the grants`);
  return policy;
}

/**
 * A singleton CDK creates directly under the stack (e.g. `BucketNotificationsHandler<uuid>`). It
 * throws rather than skipping when CDK renames it, so the acknowledgment cannot silently go stale.
 */
export function cdkSingleton(scope: IConstruct, idPrefix: string): IConstruct {
  const found = Stack.of(scope).node.children.filter((child) => child.node.id.startsWith(idPrefix));
  if (found.length !== 1) {
    throw new Error(
      `expected one CDK singleton "${idPrefix}*" in ${Stack.of(scope).node.path}, found ${found.length}`,
    );
  }
  return found[0]!;
}

/**
 * The IAM5 findings the constructs' grants produce, with why each is acceptable. The grants name
 * every action (no `s3:GetObject*`-style groups), so the only wildcards left are object keys under
 * one prefix, which IAM can only express with `*`, and X-Ray's `Resource: "*"`.
 */
export const grantFindings = {
  /** Object grants under `prefix` (`<bucket>/<prefix>*`); an empty prefix is every object. */
  objectsUnder(bucket: IConstruct, prefix: string, verb: 'reads' | 'writes' | 'deletes from'): NagFinding[] {
    return [
      wildcardFinding(
        `Resource::${nagArn(bucket)}/${prefix}*`,
        prefix
          ? `objects are granted by key; ${prefix}* is the one prefix this grant ${verb}`
          : `every output object is a possible test subject; this grant ${verb} objects only (no listing)`,
      ),
    ];
  },
  /** `tracing: Tracing.ACTIVE` (Lambda) or `tracingEnabled` (Step Functions). */
  xray(): NagFinding[] {
    return [
      wildcardFinding(
        'Resource::*',
        'X-Ray PutTraceSegments/PutTelemetryRecords (and, for Step Functions, the sampling calls and CloudWatch Logs vended-log delivery) have no resource-level permissions',
      ),
    ];
  },
};

/** Acknowledges the findings of one role's grants on its DefaultPolicy, merging the reasons of repeated ids. */
export function acknowledgeGrants(role: IConstruct, findings: readonly NagFinding[]): void {
  const merged = new Map<string, string[]>();
  for (const { id, reason } of findings) {
    const reasons = merged.get(id) ?? [];
    if (!reasons.includes(reason)) reasons.push(reason);
    merged.set(id, reasons);
  }
  acknowledgeOnResource(
    defaultPolicyOf(role),
    [...merged].map(([id, reasons]) => ({ id, reason: reasons.join('; ') })),
  );
}
