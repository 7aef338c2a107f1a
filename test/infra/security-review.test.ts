/**
 * Security review of the synthesized stack of every environment in cdk.json: every policy
 * statement of the template (identity policies, roles' inline and trust policies, managed policies,
 * bucket, topic, key and queue policies; found by shape, so a new kind of resource policy is
 * reviewed without touching this file) is checked for wildcards, and the buckets for public access,
 * TLS and encryption.
 *
 * A wildcard (an action or resource containing `*`, NotAction/NotResource) in an Allow statement is
 * justified only
 * - by a cdk-nag acknowledgment of that finding (`AwsSolutions-IAM5[Resource::...]`) on the resource
 *   holding the statement, or one of its constructs, with a written reason (an acknowledgment of the
 *   bare rule id, which cdk-nag also accepts for every finding of the resource, counts too, and the
 *   figures name it as blanket); or
 * - by a documented AWS requirement listed below, matched on the whole statement (resource type,
 *   principal, the exact set of wildcards, a condition where one is required, the environment).
 * Outside the documented exceptions (key policies, where `*` means the key itself), `Resource: "*"`
 * is allowed only for actions that have no resource-level permissions (RESOURCE_STAR_ACTIONS),
 * whatever is acknowledged: cdk-nag's finding `Resource::*` is one per policy, so its acknowledgment
 * for X-Ray would otherwise cover any later statement of that policy on `*`.
 *
 * The HTML report's escaping and the download cache's path confinement are covered elsewhere (see
 * OTHER_SECURITY_TESTS); the figures name them.
 */
import { CfnResource, Stack, Validations } from 'aws-cdk-lib';
import { flattenCfnReference } from 'cdk-nag/lib/utils/flatten-cfn-reference';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/config/project-paths';
import { arrivalPrefixes, type EnvironmentConfig } from '../../lib/config/environment-config';
import { markdownTable, recordFigures } from '../fixtures/reliability-report';
import { ENVIRONMENT_NAMES, environmentConfig } from '../fixtures/cdk-environments';
import { actionsOf, allIdentityStatements, type PolicyStatement } from './identity-policies';
import { synthesizeStack, type CfnResource as TemplateResource } from './synthesized-stack';

/**
 * Actions without resource-level permissions: IAM only accepts them on `Resource: "*"`
 * (Service Authorization Reference, "Resource types" column empty for each).
 */
const RESOURCE_STAR_ACTIONS: Readonly<Record<string, string>> = {
  'xray:PutTraceSegments': 'X-Ray has no resource-level permissions for sending trace segments',
  'xray:PutTelemetryRecords': 'X-Ray has no resource-level permissions for sending telemetry',
  'xray:GetSamplingRules': 'X-Ray sampling rules are read account-wide (Step Functions tracing)',
  'xray:GetSamplingTargets': 'X-Ray sampling targets are read account-wide (Step Functions tracing)',
  'cloudwatch:PutMetricData':
    'CloudWatch metrics have no resource-level permissions (namespaces are conditions)',
  // CloudWatch Logs vended-log delivery, which Step Functions logging uses, accepts only "*".
  'logs:CreateLogDelivery': 'CloudWatch Logs vended-log delivery (Step Functions logging) accepts only "*"',
  'logs:GetLogDelivery': 'CloudWatch Logs vended-log delivery (Step Functions logging) accepts only "*"',
  'logs:UpdateLogDelivery': 'CloudWatch Logs vended-log delivery (Step Functions logging) accepts only "*"',
  'logs:DeleteLogDelivery': 'CloudWatch Logs vended-log delivery (Step Functions logging) accepts only "*"',
  'logs:ListLogDeliveries': 'CloudWatch Logs vended-log delivery (Step Functions logging) accepts only "*"',
  'logs:PutResourcePolicy': 'CloudWatch Logs vended-log delivery (Step Functions logging) accepts only "*"',
  'logs:DescribeResourcePolicies':
    'CloudWatch Logs vended-log delivery (Step Functions logging) accepts only "*"',
  'logs:DescribeLogGroups': 'CloudWatch Logs vended-log delivery (Step Functions logging) accepts only "*"',
};

/** A wildcard statement allowed by a documented AWS requirement rather than an acknowledgment. */
interface DocumentedException {
  readonly name: string;
  readonly resourceType: string;
  /** The statement's principal as `principalOf` writes it. */
  readonly principal: RegExp;
  /** The statement's wildcards exactly (logical ids written as their resource type). */
  readonly wildcards: readonly string[];
  readonly requiresCondition: boolean;
  readonly applies: (config: EnvironmentConfig) => boolean;
  readonly reason: string;
}

const KEY_POLICY_RESOURCE =
  'in a key policy Resource "*" means this key and no other (KMS key policies, "Resource" element)';
const LOG_DELIVERY_REASON =
  'S3 server access log delivery (logging.s3.amazonaws.com) writes objects under the source bucket\'s log prefix, a prefix IAM can only express with "*"; limited by aws:SourceArn and aws:SourceAccount conditions';

const DOCUMENTED_EXCEPTIONS: readonly DocumentedException[] = [
  {
    name: 'default key policy',
    resourceType: 'AWS::KMS::Key',
    principal: /^AWS:arn:<AWS::Partition>:iam::<AWS::AccountId>:root$/,
    wildcards: ['Action::kms:*', 'Resource::*'],
    requiresCondition: false,
    applies: () => true,
    reason: `the default key policy: the account gets kms:* on its own key so that IAM policies can grant use of it (without it the key becomes unmanageable); ${KEY_POLICY_RESOURCE}`,
  },
  {
    name: 'CloudWatch alarms encrypt to the alert topic',
    resourceType: 'AWS::KMS::Key',
    principal: /^Service:cloudwatch\.amazonaws\.com$/,
    wildcards: ['Action::kms:GenerateDataKey*', 'Resource::*'],
    requiresCondition: true,
    applies: () => true,
    reason: `alarms publishing to the KMS-encrypted topic need a data key from it (GenerateDataKey and its WithoutPlaintext variant); ${KEY_POLICY_RESOURCE}; limited to this account by aws:SourceAccount`,
  },
  {
    name: 'CloudWatch Logs encrypts the log groups with the data key',
    resourceType: 'AWS::KMS::Key',
    principal: /^Service:logs\.<AWS::Region>\.amazonaws\.com$/,
    wildcards: ['Resource::*'],
    requiresCondition: true,
    applies: (config) => config.kms,
    reason: `CloudWatch Logs calls KMS as its regional service principal to encrypt and read back a log group's events (CloudWatch Logs user guide, "Encrypt log data using AWS KMS"); ${KEY_POLICY_RESOURCE}; limited to this account's and region's log groups by the kms:EncryptionContext:aws:logs:arn condition`,
  },
  {
    name: "EventBridge sends to the data key's dead-letter queue",
    resourceType: 'AWS::KMS::Key',
    principal: /^Service:events\.amazonaws\.com$/,
    wildcards: ['Resource::*'],
    requiresCondition: true,
    applies: (config) => config.kms,
    reason: `EventBridge needs Decrypt and GenerateDataKey to put undeliverable events into the KMS-encrypted dead-letter queue (EventBridge user guide, "Encrypting dead-letter queues"); ${KEY_POLICY_RESOURCE}; limited to this account and this stack's rules by aws:SourceAccount and aws:SourceArn`,
  },
  {
    name: "CDK's autoDeleteObjects",
    resourceType: 'AWS::S3::BucketPolicy',
    principal: /^AWS:<CustomS3AutoDeleteObjectsCustomResourceProviderRole[0-9A-F]{8}\.Arn>$/,
    wildcards: [
      'Action::s3:DeleteObject*',
      'Action::s3:GetBucket*',
      'Action::s3:List*',
      'Resource::<AWS::S3::Bucket>/*',
    ],
    requiresCondition: false,
    applies: (config) => config.removalPolicy === 'destroy',
    reason:
      "CDK's autoDeleteObjects custom resource empties the bucket when the stack is deleted, so it lists and deletes every object version; granted to that CDK-owned role only, and only where the environment's data is disposable (removalPolicy destroy)",
  },
  ...['outputs', 'artifacts'].map((prefix): DocumentedException => ({
    name: `server access logs of the ${prefix} bucket`,
    resourceType: 'AWS::S3::BucketPolicy',
    principal: /^Service:logging\.s3\.amazonaws\.com$/,
    wildcards: [`Resource::<AWS::S3::Bucket>/${prefix}/*`],
    requiresCondition: true,
    applies: (config) => config.removalPolicy === 'retain',
    reason: LOG_DELIVERY_REASON,
  })),
];

/**
 * What each function's role may do, written here independently of the constructs: an action on a
 * resource (a construct path in angle brackets, an ARN suffix after it) and, where one is required,
 * the exact condition. A statement of the role with anything else, or with a wildcard action
 * (`s3:*`, `dynamodb:*`, `s3:GetObject*`...), is a finding.
 */
interface AllowedGrant {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly condition?: unknown;
}

const ARTIFACTS = '<Artifacts/Bucket>';
const OUTPUTS = '<Outputs/Bucket>';
const TABLE = '<Registry/Table>';
const DATA_KEY = '<DataKey/Key>';

function allowedGrants(config: EnvironmentConfig): ReadonlyMap<string, readonly AllowedGrant[]> {
  const logs = (group: string): AllowedGrant => ({
    actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
    resources: [`<${group}>`],
  });
  const xray: AllowedGrant = {
    actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
    resources: ['*'],
  };
  const contracts: AllowedGrant[] = [
    {
      actions: ['s3:ListBucket'],
      resources: [ARTIFACTS],
      condition: { StringLike: { 's3:prefix': ['contracts/*'] } },
    },
    { actions: ['s3:GetObject'], resources: [`${ARTIFACTS}/contracts/*`] },
  ];
  const registryRead: AllowedGrant = {
    actions: ['dynamodb:GetItem', 'dynamodb:Query'],
    resources: [TABLE, `${TABLE}/index/gsi1`, `${TABLE}/index/gsi2`],
  };
  const registryWrite: AllowedGrant = {
    actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
    resources: [TABLE],
  };
  const put = (where: string): AllowedGrant => ({
    actions: ['s3:PutObject', 's3:AbortMultipartUpload'],
    resources: [where],
  });
  const readOutputs: AllowedGrant = {
    actions: ['s3:GetObject', 's3:GetObjectVersion'],
    resources: [`${OUTPUTS}/*`],
  };
  const key = (...actions: string[]): AllowedGrant[] =>
    config.kms ? [{ actions, resources: [DATA_KEY] }] : [];
  const workflow = (fn: string, grants: readonly AllowedGrant[]): [string, readonly AllowedGrant[]] => [
    `Functions/${fn}-role`,
    [logs(`Functions/${fn}-logs`), xray, ...grants],
  ];
  return new Map<string, readonly AllowedGrant[]>([
    workflow('register', [
      ...contracts,
      registryRead,
      registryWrite,
      {
        actions: ['dynamodb:DeleteItem'],
        resources: [TABLE],
        condition: { 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': ['IDEMPOTENCY#register'] } },
      },
      ...key('kms:Decrypt', 'kms:GenerateDataKey'),
    ]),
    workflow('inspect', [readOutputs, ...key('kms:Decrypt')]),
    workflow('validate', [
      ...contracts,
      registryRead,
      // The consumer edges a validation graded, on the tested version's existing entry.
      { actions: ['dynamodb:UpdateItem'], resources: [TABLE] },
      readOutputs,
      ...(config.partitions.prefixes.length > 0
        ? [
            {
              actions: ['s3:ListBucket'],
              resources: [OUTPUTS],
              condition: { StringLike: { 's3:prefix': config.partitions.prefixes.map((p) => `${p}*`) } },
            },
          ]
        : []),
      { actions: ['s3:GetObject'], resources: [`${ARTIFACTS}/reports/*`] },
      put(`${ARTIFACTS}/reports/*`),
      put(`${ARTIFACTS}/quarantine/*`),
      // The partitioned branch's plan writes the map's manifest; the merge reads it back.
      { actions: ['s3:GetObject'], resources: [`${ARTIFACTS}/manifests/*`] },
      put(`${ARTIFACTS}/manifests/*`),
      // The results dataset's rows, written where the report is stored.
      put(`${ARTIFACTS}/results/*`),
      // convert_to on a partitioned output: each map child converts its part, as convert does.
      put(`${ARTIFACTS}/converted/*`),
      { actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${ARTIFACTS}/converted/*`] },
      { actions: ['s3:DeleteObject'], resources: [`${ARTIFACTS}/converted/*`] },
      ...key('kms:Decrypt', 'kms:GenerateDataKey'),
    ]),
    workflow('convert', [
      ...contracts,
      readOutputs,
      put(`${ARTIFACTS}/converted/*`),
      { actions: ['s3:GetObject', 's3:GetObjectVersion'], resources: [`${ARTIFACTS}/converted/*`] },
      { actions: ['s3:DeleteObject'], resources: [`${ARTIFACTS}/converted/*`] },
      // A large object converted range by range: the plan reads the validated ranges' envelopes
      // (reports/) and the validation's manifest and writes the conversion's; each range writes
      // its part under conversion-parts/ and reads it back; the assembly copies the parts.
      { actions: ['s3:GetObject'], resources: [`${ARTIFACTS}/reports/*`] },
      { actions: ['s3:GetObject'], resources: [`${ARTIFACTS}/manifests/*`] },
      put(`${ARTIFACTS}/manifests/*`),
      put(`${ARTIFACTS}/conversion-parts/*`),
      {
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [`${ARTIFACTS}/conversion-parts/*`],
      },
      ...key('kms:Decrypt', 'kms:GenerateDataKey'),
    ]),
    workflow('lineage', [
      ...contracts,
      registryRead,
      registryWrite,
      ...key('kms:Decrypt', 'kms:GenerateDataKey'),
    ]),
    // Write-audit-publish: reads staged versions where tested outputs land (and what the published
    // prefix already holds), writes and removes a stale marker only under the published prefix.
    workflow('publish', [
      ...contracts,
      registryRead,
      registryWrite,
      { actions: ['s3:GetObject'], resources: [`${ARTIFACTS}/manifests/*`] },
      {
        actions: ['s3:GetObject', 's3:GetObjectVersion'],
        resources: [
          ...new Set([...arrivalPrefixes(config), ...config.partitions.prefixes]),
          config.publishing.prefix,
        ].map((p) => `${OUTPUTS}/${p}*`),
      },
      {
        actions: ['s3:PutObject', 's3:AbortMultipartUpload', 's3:DeleteObject'],
        resources: [`${OUTPUTS}/${config.publishing.prefix}*`],
      },
      ...key('kms:Decrypt', 'kms:GenerateDataKey'),
    ]),
    [
      'Generate/role',
      [
        logs('Generate/logs'),
        ...contracts,
        registryRead,
        registryWrite,
        put(`${OUTPUTS}/synthetic/*`),
        // The synthetic canary's cases, where the environment runs the canary.
        ...(config.canary ? [put(`${OUTPUTS}/canary/*`)] : []),
        ...key('kms:Decrypt', 'kms:GenerateDataKey'),
      ],
    ],
    // The run report function reads the run (registry, stored reports), puts its report under
    // reports/runs/, and consumes the queue of Output Tested events it is fed from.
    [
      'RunReports/Role',
      [
        logs('RunReports/Logs'),
        registryRead,
        { actions: ['s3:GetObject'], resources: [`${ARTIFACTS}/reports/*`] },
        put(`${ARTIFACTS}/reports/runs/*`),
        {
          actions: [
            'sqs:ReceiveMessage',
            'sqs:ChangeMessageVisibility',
            'sqs:GetQueueUrl',
            'sqs:DeleteMessage',
            'sqs:GetQueueAttributes',
          ],
          resources: ['<RunReports/Events>'],
        },
        ...key('kms:Decrypt', 'kms:GenerateDataKey'),
      ],
    ],
    // The canary function reads contracts and the registry, nothing else.
    ...(config.canary
      ? ([
          [
            'Canary/FunctionRole',
            [logs('Canary/FunctionLogs'), xray, ...contracts, registryRead, ...key('kms:Decrypt')],
          ],
        ] as [string, readonly AllowedGrant[]][])
      : []),
  ]);
}

/** A resource as the allow list writes it: `<construct path>` for a resource of the template. */
function resourceByPath(resource: unknown, t: ReviewedTemplate): string {
  return flattenCfnReference(resource).replace(/<([A-Za-z0-9]+)(?:\.Arn)?>/g, (whole, id: string) =>
    t.paths.has(id) ? `<${t.paths.get(id)!}>` : whole,
  );
}

/**
 * Every action on every resource of the function roles' policies that the allow list does not
 * allow, as `role: action on resource [condition]`; a wildcard action is always a finding. A role
 * of the list that holds no statement is a finding too: the check must have evaluated something.
 */
function disallowedGrants(t: ReviewedTemplate): string[] {
  const allowed = allowedGrants(t.config);
  const roleIds = new Map([...t.paths].map(([id, path]) => [path, id]));
  const findings: string[] = [];
  for (const [rolePath, grants] of allowed) {
    const roleId = roleIds.get(rolePath);
    const statements = Object.values(t.resources)
      .filter((r) => r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy')
      .filter((r) => JSON.stringify(r.Properties?.['Roles'] ?? []).includes(`{"Ref":"${roleId}"}`))
      .flatMap((r) => asArray((r.Properties?.['PolicyDocument'] as { Statement?: unknown }).Statement))
      .concat(
        asArray(t.resources[roleId ?? '']?.Properties?.['Policies']).flatMap((p) =>
          asArray((p as { PolicyDocument: { Statement?: unknown } }).PolicyDocument.Statement),
        ),
      ) as FoundStatement['statement'][];
    if (roleId === undefined || statements.length === 0) {
      findings.push(`${rolePath}: no such role, or a role without statements`);
      continue;
    }
    for (const statement of statements) {
      if (statement.NotAction !== undefined || statement.NotResource !== undefined)
        findings.push(`${rolePath}: NotAction/NotResource`);
      if (statement.Effect !== 'Allow') continue;
      const condition = statement.Condition === undefined ? '' : ` ${JSON.stringify(statement.Condition)}`;
      for (const action of actionsOf(statement)) {
        for (const resource of asArray(statement.Resource).map((r) => resourceByPath(r, t))) {
          const ok =
            !action.includes('*') &&
            grants.some(
              (g) =>
                g.actions.includes(action) &&
                g.resources.includes(resource) &&
                JSON.stringify(g.condition) === JSON.stringify(statement.Condition),
            );
          if (!ok) findings.push(`${rolePath}: ${action} on ${resource}${condition}`);
        }
      }
    }
  }
  return findings;
}

/** The tests that cover the other two review items, referenced from the figures (and checked to exist). */
const OTHER_SECURITY_TESTS = {
  'the HTML report shows data as text and never runs it (Chromium, CSP)': [
    'test/browser/html-report.test.ts',
    'test/unit/core/reporting/render-html-report.test.ts',
  ],
  'downloads and the download cache never write outside their directory (`../../etc/passwd` keys)': [
    'test/unit/core/download/safe-path.test.ts',
    'test/unit/core/download/object-downloader.test.ts',
  ],
};

const IDENTITY_TYPES = new Set(['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy', 'AWS::IAM::Role']);

/** What the review needs of a synthesized template: its resources and the acknowledgments on them. */
interface ReviewedTemplate {
  readonly resources: Readonly<Record<string, TemplateResource>>;
  /** Acknowledged rule id → reason, per logical id, including those on enclosing constructs. */
  readonly acknowledgments: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Construct path (below the stack) per logical id, for readable findings. */
  readonly paths: ReadonlyMap<string, string>;
  readonly config: EnvironmentConfig;
}

interface FoundStatement {
  readonly logicalId: string;
  readonly resourceType: string;
  /** Where in the resource's properties the policy document sits. */
  readonly location: string;
  readonly statement: PolicyStatement & { readonly NotAction?: unknown; readonly NotResource?: unknown };
}

interface Wildcard {
  readonly statement: FoundStatement;
  readonly wildcards: readonly string[];
  /** Undefined when not justified. */
  readonly justification: string | undefined;
  readonly by: 'acknowledgment' | 'documented requirement' | 'both' | 'none';
  /** Justified (in part) by an acknowledgment of the bare rule id, which covers every finding of its resource. */
  readonly blanket: boolean;
  /** The name of the documented exception that justifies it, if one does. */
  readonly exception?: string;
}

function asArray(value: unknown): readonly unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function reviewedTemplate(envName: string): ReviewedTemplate {
  const synth = synthesizeStack(envName);
  const stack = synth.stack;
  const acknowledgments = new Map<string, Map<string, string>>();
  const paths = new Map<string, string>();
  for (const construct of stack.node.findAll()) {
    if (!CfnResource.isCfnResource(construct)) continue;
    const logicalId = Stack.of(construct).resolve(construct.logicalId) as string;
    paths.set(logicalId, construct.node.path.replace(`${stack.node.path}/`, '').replace(/\/Resource$/, ''));
    // As cdk-nag reads them: on the resource or any construct enclosing it.
    const acknowledged = new Map<string, string>();
    for (let scope: typeof construct.node.scope = construct; scope; scope = scope.node.scope) {
      for (const entry of scope.node.metadata) {
        if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
        for (const [rule, reason] of Object.entries(entry.data as Record<string, string>)) {
          acknowledged.set(rule.replace(/^annotation::/i, ''), reason);
        }
      }
    }
    acknowledgments.set(logicalId, acknowledged);
  }
  const resources = (synth.template.toJSON() as { Resources: Record<string, TemplateResource> }).Resources;
  // The search by shape finds exactly the identity statements the stack tests read (identity-policies.ts),
  // so the two cannot drift apart unnoticed.
  const identity = policyStatements(resources).filter(
    (s) => IDENTITY_TYPES.has(s.resourceType) && s.location !== 'AssumeRolePolicyDocument',
  );
  expect(identity.length).toBe(allIdentityStatements(synth).length);
  return { resources, acknowledgments, paths, config: environmentConfig(envName) };
}

/** Every statement of every policy document (an object with a `Statement` list) in the resources. */
function policyStatements(resources: Readonly<Record<string, TemplateResource>>): FoundStatement[] {
  const found: FoundStatement[] = [];
  const visit = (logicalId: string, resourceType: string, value: unknown, location: string): void => {
    if (typeof value !== 'object' || value === null) return;
    const statements = (value as { Statement?: unknown }).Statement;
    if (Array.isArray(statements)) {
      for (const statement of statements as FoundStatement['statement'][])
        found.push({ logicalId, resourceType, location, statement });
      return;
    }
    for (const [key, child] of Object.entries(value))
      visit(logicalId, resourceType, child, location ? `${location}.${key}` : key);
  };
  for (const [logicalId, resource] of Object.entries(resources))
    visit(logicalId, resource.Type, resource.Properties, '');
  return found;
}

/** The principal as one string: `*`, `AWS:<arn>`, `Service:<name>`, several joined by commas. */
function principalOf(statement: PolicyStatement): string {
  const principal = statement.Principal;
  if (principal === undefined) return '';
  if (principal === '*') return '*';
  return Object.entries(principal as Record<string, unknown>)
    .flatMap(([kind, values]) => asArray(values).map((v) => `${kind}:${flattenCfnReference(v)}`))
    .join(',');
}

function isPublicPrincipal(statement: PolicyStatement): boolean {
  return principalOf(statement)
    .split(',')
    .some((p) => p === '*' || p === 'AWS:*');
}

/** The statement's wildcards in cdk-nag's spelling (`Action::s3:List*`, `Resource::<Id.Arn>/*`). */
function wildcardsOf(found: FoundStatement): string[] {
  const s = found.statement;
  if (s.Effect !== 'Allow') return [];
  const subjects = [
    ...actionsOf(s)
      .filter((a) => a.includes('*'))
      .map((a) => `Action::${a}`),
    ...asArray(s.Resource)
      .map(flattenCfnReference)
      .filter((r) => r.includes('*'))
      .map((r) => `Resource::${r}`),
  ];
  if (s.NotAction !== undefined) subjects.push(`NotAction::${JSON.stringify(s.NotAction)}`);
  if (s.NotResource !== undefined) subjects.push(`NotResource::${JSON.stringify(s.NotResource)}`);
  return subjects;
}

/** `<Id.Arn>` and `<Id>` written as the referenced resource's type, so exceptions need no hashed ids. */
function byType(subject: string, resources: ReviewedTemplate['resources']): string {
  return subject.replace(/<([A-Za-z0-9]+)(?:\.Arn)?>/g, (whole, id: string) => {
    const type = resources[id]?.Type;
    return type ? `<${type}>` : whole;
  });
}

function justify(found: FoundStatement, wildcards: readonly string[], t: ReviewedTemplate): Wildcard {
  const normalized = wildcards.map((w) => byType(w, t.resources)).sort();
  const exception = DOCUMENTED_EXCEPTIONS.find(
    (e) =>
      e.resourceType === found.resourceType &&
      e.principal.test(principalOf(found.statement)) &&
      JSON.stringify([...e.wildcards].sort()) === JSON.stringify(normalized) &&
      (!e.requiresCondition || found.statement.Condition !== undefined) &&
      e.applies(t.config),
  );
  if (exception) {
    return {
      statement: found,
      wildcards,
      justification: exception.reason,
      by: 'documented requirement',
      blanket: false,
      exception: exception.name,
    };
  }
  const unjustified: Wildcard = {
    statement: found,
    wildcards,
    justification: undefined,
    by: 'none',
    blanket: false,
  };
  const reasons: string[] = [];
  const sources = new Set<'acknowledgment' | 'documented requirement'>();
  let blanket = false;
  for (const wildcard of wildcards) {
    if (wildcard === 'Resource::*') {
      const actions = actionsOf(found.statement);
      const unsupported = actions.filter((a) => RESOURCE_STAR_ACTIONS[a] === undefined);
      if (unsupported.length > 0 || actions.length === 0) return unjustified;
      reasons.push(...actions.map((a) => RESOURCE_STAR_ACTIONS[a]!));
      sources.add('documented requirement');
      continue;
    }
    // cdk-nag also accepts the bare rule id, which covers every finding of the resource; it counts,
    // and the figures say so (lib/nag-acknowledgments.ts asks for one acknowledgment per finding).
    const acknowledged = t.acknowledgments.get(found.logicalId);
    const exact = acknowledged?.get(`AwsSolutions-IAM5[${wildcard}]`);
    const reason = exact ?? acknowledged?.get('AwsSolutions-IAM5');
    if (reason === undefined || reason.trim().length < 20) return unjustified;
    if (exact === undefined) blanket = true;
    reasons.push(reason);
    sources.add('acknowledgment');
  }
  return {
    statement: found,
    wildcards,
    justification: [...new Set(reasons)].join('; '),
    by: sources.size === 2 ? 'both' : [...sources][0]!,
    blanket,
  };
}

/** Every wildcard statement of the template with its justification, if any. */
function reviewWildcards(t: ReviewedTemplate): Wildcard[] {
  return policyStatements(t.resources).flatMap((found) => {
    const wildcards = wildcardsOf(found);
    return wildcards.length === 0 ? [] : [justify(found, wildcards, t)];
  });
}

function describeStatement(w: Wildcard, t: ReviewedTemplate): string {
  const where = t.paths.get(w.statement.logicalId) ?? w.statement.logicalId;
  const principal = principalOf(w.statement.statement);
  // On Resource "*" the actions are what makes it acceptable (or not), so they are named.
  const actions = w.wildcards.includes('Resource::*')
    ? ` [${actionsOf(w.statement.statement).join(', ')}]`
    : '';
  return `${where}${principal ? ` (to ${byType(principal, t.resources)})` : ''}: ${w.wildcards.join(', ')}${actions}`;
}

/** Allow statements open to everyone (`*`) without a condition, in any resource or trust policy. */
function publicGrants(t: ReviewedTemplate): string[] {
  return policyStatements(t.resources)
    .filter(
      (s) =>
        s.statement.Effect === 'Allow' &&
        isPublicPrincipal(s.statement) &&
        s.statement.Condition === undefined,
    )
    .map((s) => `${t.paths.get(s.logicalId) ?? s.logicalId}: ${actionsOf(s.statement).join(', ')}`);
}

/** What is wrong with each bucket: public access, ACLs, encryption, TLS-only policy. */
function bucketFindings(t: ReviewedTemplate): string[] {
  const findings: string[] = [];
  const policies = Object.values(t.resources).filter((r) => r.Type === 'AWS::S3::BucketPolicy');
  for (const [id, bucket] of Object.entries(t.resources).filter(([, r]) => r.Type === 'AWS::S3::Bucket')) {
    const p = bucket.Properties ?? {};
    const name = t.paths.get(id) ?? id;
    const block = (p['PublicAccessBlockConfiguration'] ?? {}) as Record<string, unknown>;
    for (const flag of [
      'BlockPublicAcls',
      'BlockPublicPolicy',
      'IgnorePublicAcls',
      'RestrictPublicBuckets',
    ]) {
      if (block[flag] !== true) findings.push(`${name}: ${flag} is not true`);
    }
    const acl = p['AccessControl'];
    if (acl !== undefined && acl !== 'Private')
      findings.push(`${name}: AccessControl ${JSON.stringify(acl)}`);
    const ownership = (p['OwnershipControls'] as { Rules?: { ObjectOwnership?: string }[] } | undefined)
      ?.Rules;
    if (!ownership?.some((r) => r.ObjectOwnership === 'BucketOwnerEnforced'))
      findings.push(`${name}: ACLs are not disabled (ObjectOwnership BucketOwnerEnforced)`);
    const encryption = (
      p['BucketEncryption'] as
        | {
            ServerSideEncryptionConfiguration?: {
              ServerSideEncryptionByDefault?: { SSEAlgorithm?: string };
            }[];
          }
        | undefined
    )?.ServerSideEncryptionConfiguration;
    if (
      !encryption?.length ||
      !encryption.every((c) =>
        ['AES256', 'aws:kms', 'aws:kms:dsse'].includes(c.ServerSideEncryptionByDefault?.SSEAlgorithm ?? ''),
      )
    )
      findings.push(`${name}: no default encryption`);
    const policy = policies.find(
      (r) => JSON.stringify(r.Properties?.['Bucket']) === JSON.stringify({ Ref: id }),
    );
    const statements = asArray(
      (policy?.Properties?.['PolicyDocument'] as { Statement?: unknown } | undefined)?.Statement,
    ) as PolicyStatement[];
    const tlsOnly = statements.some((s) => {
      const resources = asArray(s.Resource).map(flattenCfnReference);
      return (
        s.Effect === 'Deny' &&
        isPublicPrincipal(s) &&
        actionsOf(s).includes('s3:*') &&
        JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }) &&
        resources.includes(`<${id}.Arn>`) &&
        resources.includes(`<${id}.Arn>/*`)
      );
    });
    if (!tlsOnly)
      findings.push(`${name}: no policy denies every request without TLS on the bucket and its objects`);
  }
  return findings;
}

interface EnvironmentFigures {
  readonly documents: number;
  readonly statements: number;
  readonly allow: number;
  readonly wildcards: readonly Wildcard[];
  readonly buckets: number;
  readonly template: ReviewedTemplate;
}

const figures = new Map<string, EnvironmentFigures>();
let passed = 0;
const TESTS_PER_ENVIRONMENT = 5;
const NONCOMPLIANCE_TESTS = 8;

describe.each(ENVIRONMENT_NAMES)('security review of prt-%s', (envName) => {
  let t: ReviewedTemplate;
  let wildcards: Wildcard[];

  beforeAll(() => {
    t = reviewedTemplate(envName);
    wildcards = reviewWildcards(t);
  });

  it('Compliance: every wildcard in an Allow statement is acknowledged with a reason or a documented AWS requirement', () => {
    // Act
    const unjustified = wildcards
      .filter((w) => w.justification === undefined)
      .map((w) => describeStatement(w, t));
    // Assess
    expect(wildcards.length).toBeGreaterThan(0);
    expect(unjustified).toEqual([]);
    passed++;
  });

  it('Compliance: no Allow statement grants to everyone ("*") without a condition', () => {
    // Act
    const open = publicGrants(t);
    // Assess
    expect(open).toEqual([]);
    passed++;
  });

  it('Compliance: every bucket blocks public access, disables ACLs, is encrypted and refuses requests without TLS', () => {
    // Act
    const findings = bucketFindings(t);
    const buckets = Object.values(t.resources).filter((r) => r.Type === 'AWS::S3::Bucket').length;
    // Assess
    expect(buckets).toBeGreaterThanOrEqual(2);
    expect(findings).toEqual([]);
    passed++;
  });

  it('Compliance: each documented exception that applies to the environment is in use (none is stale)', () => {
    // Act
    const used = new Set(wildcards.map((w) => w.exception));
    const stale = DOCUMENTED_EXCEPTIONS.filter((e) => e.applies(t.config) && !used.has(e.name)).map(
      (e) => e.name,
    );
    // Assess: an exception CDK no longer needs would silently justify a future statement.
    expect(stale).toEqual([]);
    const all = policyStatements(t.resources);
    figures.set(envName, {
      documents: new Set(all.map((s) => `${s.logicalId}|${s.location}`)).size,
      statements: all.length,
      allow: all.filter((s) => s.statement.Effect === 'Allow').length,
      wildcards,
      buckets: Object.values(t.resources).filter((r) => r.Type === 'AWS::S3::Bucket').length,
      template: t,
    });
    passed++;
  });
  it("Compliance: each function's role holds only the actions its allow list names, on the resources and with the conditions it names", () => {
    // Act
    const findings = disallowedGrants(t);
    // Assess
    expect(findings).toEqual([]);
    passed++;
  });
});

describe('the review can fail', () => {
  let t: ReviewedTemplate;

  beforeAll(() => {
    t = reviewedTemplate('dev');
  });

  /** The template with `change` applied to a copy of its resources. */
  function altered(change: (resources: Record<string, TemplateResource>) => void): ReviewedTemplate {
    const resources = structuredClone(t.resources) as Record<string, TemplateResource>;
    change(resources);
    return { ...t, resources };
  }

  function logicalIdOf(path: string): string {
    const id = [...t.paths].find(([, p]) => p === path)?.[0];
    if (id === undefined) throw new Error(`no resource at ${path}`);
    return id;
  }

  /**
   * The wildcard statements `changed` leaves unjustified that the unchanged template does not, so
   * these cases hold whatever else the stack grants.
   */
  function newlyUnjustified(changed: ReviewedTemplate): Wildcard[] {
    const before = new Set(
      reviewWildcards(t)
        .filter((w) => w.justification === undefined)
        .map((w) => describeStatement(w, t)),
    );
    return reviewWildcards(changed).filter(
      (w) => w.justification === undefined && !before.has(describeStatement(w, changed)),
    );
  }

  function statementsOf(resource: TemplateResource | undefined, property: string): PolicyStatement[] {
    return (resource?.Properties?.[property] as { Statement: PolicyStatement[] }).Statement;
  }

  it('Noncompliance 1: a new policy with "s3:*" on "*" is reported, action and resource', () => {
    // Prepare
    const changed = altered((r) => {
      r['Careless'] = {
        Type: 'AWS::IAM::Policy',
        Properties: {
          PolicyName: 'careless',
          PolicyDocument: {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
          },
        },
      };
    });
    // Act
    const unjustified = newlyUnjustified(changed);
    // Assess
    expect(unjustified.map((w) => [w.statement.logicalId, w.wildcards])).toEqual([
      ['Careless', ['Action::s3:*', 'Resource::*']],
    ]);
    passed++;
  });

  it('Noncompliance 2: Resource "*" for an action with resource-level permissions is reported, although the policy acknowledges Resource::* for X-Ray', () => {
    // Prepare
    const policy = logicalIdOf('Functions/validate-role/DefaultPolicy');
    expect(t.acknowledgments.get(policy)?.has('AwsSolutions-IAM5[Resource::*]')).toBe(true);
    const changed = altered((r) => {
      statementsOf(r[policy], 'PolicyDocument').push({
        Effect: 'Allow',
        Action: 's3:DeleteObject',
        Resource: '*',
      });
    });
    // Act
    const unjustified = newlyUnjustified(changed);
    // Assess
    expect(unjustified.map((w) => [w.statement.logicalId, w.wildcards])).toEqual([[policy, ['Resource::*']]]);
    passed++;
  });

  it("Noncompliance 3: an acknowledgment covers its own resource only (validate's outputs read, copied to a new policy)", () => {
    // Prepare
    const policy = logicalIdOf('Functions/validate-role/DefaultPolicy');
    const changed = altered((r) => {
      r['Copied'] = structuredClone(r[policy]!);
    });
    // Act
    const unjustified = newlyUnjustified(changed);
    // Assess
    expect(unjustified.length).toBeGreaterThan(0);
    expect(new Set(unjustified.map((w) => w.statement.logicalId))).toEqual(new Set(['Copied']));
    passed++;
  });

  it('Noncompliance 4: the default key policy exception does not extend to another principal', () => {
    // Prepare
    const key = logicalIdOf('Alerts/Key');
    const changed = altered((r) => {
      statementsOf(r[key], 'KeyPolicy').push({
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::111122223333:root' },
        Action: 'kms:*',
        Resource: '*',
      });
    });
    // Act
    const unjustified = newlyUnjustified(changed);
    // Assess
    expect(unjustified.map((w) => describeStatement(w, changed))).toEqual([
      'Alerts/Key (to AWS:arn:aws:iam::111122223333:root): Action::kms:*, Resource::* [kms:*]',
    ]);
    passed++;
  });

  it("Noncompliance 5: autoDeleteObjects' bucket-wide delete is not justified where data is retained", () => {
    // Act
    const retained = newlyUnjustified({ ...t, config: { ...t.config, removalPolicy: 'retain' } });
    // Assess
    expect(retained.map((w) => w.statement.resourceType)).toEqual([
      'AWS::S3::BucketPolicy',
      'AWS::S3::BucketPolicy',
    ]);
    passed++;
  });

  it('Noncompliance 6: a public read grant, a missing public access block flag and a missing TLS deny are reported', () => {
    // Prepare
    const bucket = logicalIdOf('Outputs/Bucket');
    const policy = logicalIdOf('Outputs/Bucket/Policy');
    const changed = altered((r) => {
      const statements = statementsOf(r[policy], 'PolicyDocument');
      statements.splice(0, statements.length, {
        Effect: 'Allow',
        Principal: { AWS: '*' },
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucket, 'Arn'] }, '/*']] },
      });
      (r[bucket]!.Properties!['PublicAccessBlockConfiguration'] as Record<string, unknown>)[
        'BlockPublicPolicy'
      ] = false;
    });
    // Act
    const open = publicGrants(changed);
    const findings = bucketFindings(changed);
    // Assess
    expect(open).toEqual(['Outputs/Bucket/Policy: s3:GetObject']);
    expect(findings).toEqual([
      'Outputs/Bucket: BlockPublicPolicy is not true',
      'Outputs/Bucket: no policy denies every request without TLS on the bucket and its objects',
    ]);
    passed++;
  });
  it('Noncompliance 7: an action outside the allow list (Scan on the registry, for register) is reported, the rest of the role is not', () => {
    // Prepare
    const policy = logicalIdOf('Functions/register-role/DefaultPolicy');
    const table = logicalIdOf('Registry/Table');
    const changed = altered((r) => {
      statementsOf(r[policy], 'PolicyDocument').push({
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:Scan'],
        Resource: { 'Fn::GetAtt': [table, 'Arn'] },
      });
    });
    // Act
    const before = disallowedGrants(t);
    const after = disallowedGrants(changed);
    // Assess
    expect(before).toEqual([]);
    expect(after).toEqual(['Functions/register-role: dynamodb:Scan on <Registry/Table>']);
    passed++;
  });

  it('Noncompliance 8: a wildcard action, a listing without its prefix condition and a role emptied of statements are reported', () => {
    // Prepare
    const convert = logicalIdOf('Functions/convert-role/DefaultPolicy');
    const inspect = logicalIdOf('Functions/inspect-role/DefaultPolicy');
    const artifacts = logicalIdOf('Artifacts/Bucket');
    const changed = altered((r) => {
      statementsOf(r[convert], 'PolicyDocument').push(
        { Effect: 'Allow', Action: 's3:*', Resource: { 'Fn::GetAtt': [artifacts, 'Arn'] } },
        { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [artifacts, 'Arn'] } },
      );
      delete r[inspect];
    });
    // Act
    const findings = disallowedGrants(changed);
    // Assess
    expect(findings).toEqual([
      'Functions/inspect-role: no such role, or a role without statements',
      'Functions/convert-role: s3:* on <Artifacts/Bucket>',
      'Functions/convert-role: s3:ListBucket on <Artifacts/Bucket>',
    ]);
    passed++;
  });
});

afterAll(() => {
  // Figures are recorded only when every review test above held, for every environment.
  if (
    passed < TESTS_PER_ENVIRONMENT * ENVIRONMENT_NAMES.length + NONCOMPLIANCE_TESTS ||
    figures.size < ENVIRONMENT_NAMES.length
  )
    return;
  // One row per distinct statement; a policy can hold several statements with the same wildcards
  // (a table grant's data and stream actions), counted per environment.
  const rows = new Map<string, { envs: Map<string, number>; by: string; justification: string }>();
  for (const [envName, f] of figures) {
    for (const w of f.wildcards) {
      const key = describeStatement(w, f.template);
      const row = rows.get(key) ?? {
        envs: new Map<string, number>(),
        by: w.blanket ? `${w.by} (blanket AwsSolutions-IAM5)` : w.by,
        justification: w.justification ?? '',
      };
      row.envs.set(envName, (row.envs.get(envName) ?? 0) + 1);
      rows.set(key, row);
    }
  }
  const envList = (envs: Map<string, number>) =>
    [...envs].map(([env, n]) => (n > 1 ? `${env} (${n} statements)` : env)).join(', ');
  const missingFiles = Object.values(OTHER_SECURITY_TESTS)
    .flat()
    .filter((file) => !existsSync(projectPath(file)));
  if (missingFiles.length > 0) throw new Error(`referenced test files are gone: ${missingFiles.join(', ')}`);
  recordFigures({
    id: 'security-review',
    title: 'Security review',
    body: [
      `Every policy statement of the synthesized stack of each environment (identity, inline, trust, managed, bucket, topic, key and queue policies) checked for wildcard actions and resources; a wildcard in an Allow statement passes only with a cdk-nag acknowledgment of that finding on its resource (or of the whole rule, which cdk-nag also accepts: counted as blanket) and a written reason, or a documented AWS requirement listed in test/infra/security-review.test.ts; \`Resource: "*"\` only for actions without resource-level permissions. Buckets: the four public access block flags, ACLs disabled, default encryption, a TLS-only deny on the bucket and its objects; no Allow to \`*\` without a condition in any policy.`,
      '',
      markdownTable(
        [
          'environment',
          'policy documents',
          'statements (Allow)',
          'wildcard statements',
          'by acknowledgment',
          'by documented requirement',
          'by both',
          'blanket acknowledgments',
          'unjustified',
          'buckets checked',
        ],
        [...figures].map(([envName, f]) => [
          envName,
          f.documents,
          `${f.statements} (${f.allow})`,
          f.wildcards.length,
          f.wildcards.filter((w) => w.by === 'acknowledgment').length,
          f.wildcards.filter((w) => w.by === 'documented requirement').length,
          f.wildcards.filter((w) => w.by === 'both').length,
          f.wildcards.filter((w) => w.blanket).length,
          f.wildcards.filter((w) => w.by === 'none').length,
          f.buckets,
        ]),
      ),
      '',
      'Each wildcard statement and its justification:',
      '',
      markdownTable(
        ['statement: wildcards', 'environments', 'justified by', 'justification'],
        [...rows]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, row]) => [
            // CloudFormation references are written <Id.Arn>, which Markdown would take for tags.
            `\`${key}\``,
            envList(row.envs),
            row.by,
            row.justification.replace(/</g, '&lt;'),
          ]),
      ),
      '',
      ...Object.entries(OTHER_SECURITY_TESTS).map(
        ([what, files]) => `- ${what}: ${files.map((f) => `\`${f}\``).join(', ')} (not repeated here).`,
      ),
    ].join('\n'),
  });
});
