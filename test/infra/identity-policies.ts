/**
 * Reads the identity policies of a synthesized template: which statements a role holds and which
 * resource each statement names, reduced to "logical id + ARN suffix" (`Table/index/*`,
 * `Bucket/contracts/*`) so tests can state least privilege as data.
 */
import type { SynthesizedStack } from './synthesized-stack';

export interface PolicyStatement {
  readonly Effect: 'Allow' | 'Deny';
  readonly Action?: string | readonly string[];
  readonly Resource?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

interface PolicyDocument {
  readonly Statement: readonly PolicyStatement[];
}

/** What an ARN in a policy points at: a resource of the template plus a suffix, or `*`. */
export interface ResourceTarget {
  readonly logicalId: string | undefined;
  readonly suffix: string;
  readonly wildcard: boolean;
}

export interface OwnedStatement {
  readonly roleLogicalIds: readonly string[];
  readonly statement: PolicyStatement;
}

function asArray<T>(value: T | readonly T[] | undefined): readonly T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? (value as readonly T[]) : [value as T];
}

export function actionsOf(statement: PolicyStatement): readonly string[] {
  return asArray(statement.Action);
}

function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return getAtt[0];
  return undefined;
}

export function targetsOf(statement: PolicyStatement): readonly ResourceTarget[] {
  return asArray(statement.Resource).map((resource): ResourceTarget => {
    if (resource === '*') return { logicalId: undefined, suffix: '', wildcard: true };
    const direct = referencedId(resource);
    if (direct !== undefined) return { logicalId: direct, suffix: '', wildcard: false };
    const join = (resource as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
    if (join) {
      const parts = join[1];
      const at = parts.findIndex((p) => referencedId(p) !== undefined);
      if (at >= 0) {
        const suffix = parts
          .slice(at + 1)
          .map((p) => (typeof p === 'string' ? p : JSON.stringify(p)))
          .join(join[0]);
        return { logicalId: referencedId(parts[at]), suffix, wildcard: false };
      }
    }
    return { logicalId: undefined, suffix: JSON.stringify(resource), wildcard: false };
  });
}

/** Every identity-policy statement of the template: AWS::IAM::Policy, ManagedPolicy and inline role policies. */
export function allIdentityStatements(synth: SynthesizedStack): readonly OwnedStatement[] {
  const owned: OwnedStatement[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const policy of Object.values(synth.resources(type))) {
      const props = policy.Properties ?? {};
      const roles = asArray(props['Roles'] as unknown[] | undefined)
        .map(referencedId)
        .filter((id): id is string => id !== undefined);
      for (const statement of (props['PolicyDocument'] as PolicyDocument).Statement) {
        owned.push({ roleLogicalIds: roles, statement });
      }
    }
  }
  for (const [roleId, role] of Object.entries(synth.resources('AWS::IAM::Role'))) {
    const inline = (role.Properties?.['Policies'] ?? []) as readonly { PolicyDocument: PolicyDocument }[];
    for (const policy of inline) {
      for (const statement of policy.PolicyDocument.Statement)
        owned.push({ roleLogicalIds: [roleId], statement });
    }
  }
  return owned;
}

export function statementsOfRole(synth: SynthesizedStack, roleLogicalId: string): readonly PolicyStatement[] {
  return allIdentityStatements(synth)
    .filter((s) => s.roleLogicalIds.includes(roleLogicalId))
    .map((s) => s.statement);
}
