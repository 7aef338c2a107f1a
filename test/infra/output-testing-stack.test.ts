/**
 * CDK assertions on the synthesized stack of every environment in cdk.json: the arrival rule, the
 * state machine wiring, least-privilege IAM per function, bucket and table safety settings.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/config/project-paths';
import { arrivalPrefixes, type EnvironmentConfig } from '../../lib/config/environment-config';
import { ARTIFACT_PREFIXES } from '../../lib/config/artifact-prefixes';
import { CONVERSION_PARTS_DAYS } from '../../lib/artifacts-bucket';
import { FUNCTION_ENV, PUBLISH_ENV } from '../../lambdas/runtime/function-environment';
import { REGISTER_IDEMPOTENCY_PARTITION } from '../../lambdas/runtime/deployment-names';
import { REGISTRY_TABLE_LAYOUT } from '../../lib/config/registry-table-layout';
import { STACK_OUTPUTS } from '../../lib/config/stack-outputs';
import { WORKFLOW_METRICS_NAMESPACE } from '../../lib/config/workflow-metrics';
import {
  ALERT_TOPIC_SUBSTITUTION,
  ENVIRONMENT_NAME_SUBSTITUTION,
  S3_OBJECT_ARN_PREFIX_SUBSTITUTION,
  ARTIFACTS_BUCKET_SUBSTITUTION,
  MAP_RUNS_PREFIX_SUBSTITUTION,
  OUTPUT_TESTING_ASL,
  REGISTRY_TABLE_SUBSTITUTION,
  WORKFLOW_FUNCTIONS,
  functionArnSubstitution,
  partitionSubstitutions,
  type WorkflowFunction,
} from '../../lib/config/workflow-definition';
import { ENVIRONMENT_NAMES, environmentConfig } from '../fixtures/cdk-environments';
import {
  actionsOf,
  allIdentityStatements,
  statementsOfRole,
  targetsOf,
  type PolicyStatement,
} from './identity-policies';
import { synthesizeStack, type SynthesizedStack } from './synthesized-stack';

/**
 * What each handler may touch, written independently of the construct's own table so a grant added
 * there by mistake fails here. Artifact prefixes are ARN suffixes of the artifacts bucket.
 */
const EXPECTED_ACCESS: Readonly<
  Record<
    WorkflowFunction,
    {
      readonly registry: boolean;
      /** Reads only when false; absent means the same as `registry`. */
      readonly registryWrites?: boolean;
      /** UpdateItem alone (validate records the consumer edges it graded on an existing entry). */
      readonly registryUpdates?: boolean;
      readonly outputs: boolean;
      readonly artifactReads: readonly string[];
      readonly artifactWrites: readonly string[];
      /** `s3:prefix` values of the function's ListBucket on the artifacts bucket. */
      readonly artifactLists: readonly string[];
      /** Lists the partitioned prefixes of the outputs bucket (parts of a partitioned output). */
      readonly listsPartitions?: boolean;
      /** Reads the tested prefixes and writes only the published prefix (write-audit-publish). */
      readonly publishes?: boolean;
      readonly timeoutSeconds: number;
    }
  >
> = {
  register: {
    registry: true,
    outputs: false,
    artifactReads: ['/contracts/*'],
    artifactWrites: [],
    artifactLists: ['contracts/*'],
    timeoutSeconds: 30,
  },
  // inspect heads and reads the first bytes of the object only: it loads no contract.
  inspect: {
    registry: false,
    outputs: true,
    artifactReads: [],
    artifactWrites: [],
    artifactLists: [],
    timeoutSeconds: 30,
  },
  validate: {
    registry: true,
    registryWrites: false,
    registryUpdates: true,
    outputs: true,
    // manifests/: the partitioned branch's plan writes the map's items there; the merge reads them.
    // results/: the results dataset's files, written where the report is stored. converted/: a
    // partitioned output's parts are converted in the map's children, each proof reading back the
    // version it wrote.
    artifactReads: ['/contracts/*', '/reports/*', '/manifests/*', '/converted/*'],
    artifactWrites: ['/reports/*', '/quarantine/*', '/manifests/*', '/results/*', '/converted/*'],
    artifactLists: ['contracts/*'],
    listsPartitions: true,
    timeoutSeconds: 300,
  },
  convert: {
    registry: false,
    outputs: true,
    // The equivalence proof reads back the version it wrote. A large object converted range by
    // range: the plan reads the validation's manifest and envelopes (reports/) and writes the
    // conversion's manifest; each range writes and reads back its part under conversion-parts/,
    // which the assembly copies into converted/.
    artifactReads: ['/contracts/*', '/reports/*', '/manifests/*', '/converted/*', '/conversion-parts/*'],
    artifactWrites: ['/converted/*', '/conversion-parts/*', '/manifests/*'],
    artifactLists: ['contracts/*'],
    timeoutSeconds: 300,
  },
  lineage: {
    registry: true,
    outputs: false,
    artifactReads: ['/contracts/*'],
    artifactWrites: [],
    artifactLists: ['contracts/*'],
    timeoutSeconds: 30,
  },
  // publish reads staged versions where tested outputs land, and copies them under the published
  // prefix only; manifests/: a partitioned output's validated parts.
  publish: {
    registry: true,
    outputs: true,
    publishes: true,
    artifactReads: ['/contracts/*', '/manifests/*'],
    artifactWrites: [],
    artifactLists: ['contracts/*'],
    timeoutSeconds: 300,
  },
};

/**
 * The only `Resource: "*"` statements allowed, all added by CDK itself: the services behind them
 * offer no resource-level permissions for these actions.
 */
const CDK_REQUIRED_WILDCARDS = [
  {
    owner: 'state machine role',
    // CloudWatch Logs vended-log delivery (Step Functions logging) only accepts Resource "*".
    actions: [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
    ],
  },
  {
    owner: 'state machine role',
    // X-Ray tracing (tracingEnabled) has no resource-level permissions.
    actions: [
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ],
  },
];

/** Logical-id prefixes of the singleton Lambdas CDK adds for bucket features (auto-delete, notifications, deployment). */
const CDK_CUSTOM_RESOURCE_ROLES = [
  'CustomS3AutoDeleteObjectsCustomResourceProviderRole',
  'BucketNotificationsHandler',
  'CustomCDKBucketDeployment',
];

const LOGS_DELIVERY_AND_TRACING = new Set(CDK_REQUIRED_WILDCARDS.flatMap((w) => w.actions));

/**
 * Active tracing (Tracing.ACTIVE) adds these to every workflow function's role, on Resource "*":
 * X-Ray has no resource-level permissions for sending segments and telemetry.
 */
const LAMBDA_XRAY_ACTIONS = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/** The topic's key, as `grantPublish` grants it to a publisher next to sns:Publish. */
const KMS_PUBLISH_ACTIONS = ['kms:Decrypt', 'kms:GenerateDataKey*'];

/** The registry's item operations: no Scan, batch or transactional calls, DescribeTable or stream reads. */
const REGISTRY_READS = ['dynamodb:GetItem', 'dynamodb:Query'];
const REGISTRY_WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];
/** Indexes are named one by one (no `index/*`). */
const REGISTRY_INDEX_SUFFIXES = REGISTRY_TABLE_LAYOUT.globalSecondaryIndexes.map(
  (i) => `/index/${i.indexName}`,
);

function getAtt(logicalId: string): unknown {
  return { 'Fn::GetAtt': [logicalId, 'Arn'] };
}

function ref(logicalId: string): unknown {
  return { Ref: logicalId };
}

function props(synth: SynthesizedStack, logicalId: string): Record<string, unknown> {
  return synth.resource(logicalId).Properties ?? {};
}

function expectedRemoval(config: EnvironmentConfig): string {
  return config.removalPolicy === 'retain' ? 'Retain' : 'Delete';
}

describe.each(ENVIRONMENT_NAMES)('stack prt-%s', (envName) => {
  let synth: SynthesizedStack;
  let config: EnvironmentConfig;
  let ids: {
    outputs: string;
    artifacts: string;
    table: string;
    topic: string;
    topicKey: string;
    /** The environment's data key; undefined where the environment does not set `kms`. */
    dataKey: string | undefined;
    stateMachine: string;
    stateMachineRole: string;
    queue: string;
    rule: string;
    functions: Record<WorkflowFunction, string>;
    roles: Record<WorkflowFunction, string>;
    logGroups: Record<WorkflowFunction, string>;
  };

  beforeAll(() => {
    // Prepare: one synth (with bundling) per environment for the whole file.
    config = environmentConfig(envName);
    synth = synthesizeStack(envName);
    const { stack } = synth;
    const perFunction = (pick: (fn: WorkflowFunction) => string) =>
      Object.fromEntries(WORKFLOW_FUNCTIONS.map((fn) => [fn, pick(fn)])) as Record<WorkflowFunction, string>;
    ids = {
      outputs: synth.logicalId(stack.outputs.bucket),
      artifacts: synth.logicalId(stack.artifacts.bucket),
      table: synth.logicalId(stack.registry.table),
      topic: synth.logicalId(stack.alerts.topic),
      topicKey: synth.logicalId(stack.alerts.key),
      dataKey: stack.dataKey ? synth.logicalId(stack.dataKey.key) : undefined,
      stateMachine: synth.logicalId(stack.workflow.stateMachine),
      stateMachineRole: synth.logicalId(stack.workflow.stateMachine.role),
      queue: synth.logicalId(stack.trigger.deadLetterQueue),
      rule: synth.logicalId(stack.trigger.rule),
      functions: perFunction((fn) => synth.logicalId(stack.functions.byName[fn])),
      roles: perFunction((fn) => synth.logicalId(stack.functions.byName[fn].role!)),
      logGroups: perFunction((fn) => synth.logicalId(stack.functions.byName[fn].logGroup)),
    };
  });

  describe('retention', () => {
    interface LifecycleRule {
      Prefix?: string;
      ExpirationInDays?: number;
      NoncurrentVersionExpiration?: { NoncurrentDays: number };
      AbortIncompleteMultipartUpload?: unknown;
    }
    const rulesOf = (id: string) =>
      (props(synth, id)['LifecycleConfiguration'] as { Rules: LifecycleRule[] }).Rules.map(
        ({ Prefix, ExpirationInDays, NoncurrentVersionExpiration }) => ({
          Prefix,
          ExpirationInDays,
          NoncurrentDays: NoncurrentVersionExpiration?.NoncurrentDays,
        }),
      );

    it("expires quarantine objects and reports after the environment's retention", () => {
      // Act
      const rules = rulesOf(ids.artifacts);

      // Assess
      expect(rules).toContainEqual({
        Prefix: 'quarantine/',
        ExpirationInDays: config.retention.quarantineDays,
        NoncurrentDays: 1,
      });
      expect(rules).toContainEqual({
        Prefix: 'reports/',
        ExpirationInDays: config.retention.reportsDays,
        NoncurrentDays: 1,
      });
      // Failing rows may be personal data: never kept longer than the reports that cite them.
      expect(config.retention.quarantineDays).toBeLessThanOrEqual(config.retention.reportsDays);
    });

    it("expires a ranged conversion's parts after a few days, so a failed one leaves nothing for ever", () => {
      // Act
      const rules = rulesOf(ids.artifacts);

      // Assess: longer than the state machine's one-day TimeoutSeconds, so no execution loses its parts.
      expect(rules).toContainEqual({
        Prefix: ARTIFACT_PREFIXES.conversionParts,
        ExpirationInDays: CONVERSION_PARTS_DAYS,
        NoncurrentDays: 1,
      });
      expect(CONVERSION_PARTS_DAYS).toBeGreaterThan(1);
      expect(CONVERSION_PARTS_DAYS).toBeLessThanOrEqual(7);
    });

    it('expires replaced output versions only where the environment says so, and leftover canary objects after a day', () => {
      // Act
      const rules = rulesOf(ids.outputs);

      // Assess
      const whole = rules.filter((r) => r.Prefix === undefined && r.NoncurrentDays !== undefined);
      const days = config.retention.outputsNoncurrentDays;
      expect(whole).toEqual(days === undefined ? [] : [{ NoncurrentDays: days }]);
      // Off in prod: a replaced version of production data is kept unless someone decides otherwise.
      expect(envName !== 'prod' || days === undefined).toBe(true);
      expect(rules).toContainEqual({ Prefix: 'canary/', ExpirationInDays: 1, NoncurrentDays: 1 });
    });
  });

  describe('ArrivalTrigger', () => {
    it('matches Object Created events of the outputs bucket under the configured prefixes', () => {
      // Act
      // (The canary's schedule is a rule too, without an event pattern; the run reports' rule
      // matches the workflow's own Output Tested events, not S3's.)
      const rules = Object.fromEntries(
        Object.entries(synth.resources('AWS::Events::Rule')).filter(([, r]) =>
          JSON.stringify(r.Properties?.['EventPattern'] ?? {}).includes('"aws.s3"'),
        ),
      );
      // Assess
      expect(Object.keys(rules)).toEqual([ids.rule]);
      expect(props(synth, ids.rule)['EventPattern']).toEqual({
        source: ['aws.s3'],
        'detail-type': ['Object Created', 'Object Deleted'],
        detail: {
          bucket: { name: [ref(ids.outputs)] },
          object: {
            key: [
              // The watched prefixes, and canary/ where the environment runs the canary.
              ...arrivalPrefixes(config).map((prefix) => ({ prefix })),
              // Under the partitioned prefixes, only completion markers.
              ...config.partitions.prefixes.map((prefix) => ({ wildcard: `${prefix}*/_SUCCESS` })),
            ],
          },
        },
      });
    });

    it('targets the state machine with retries, a maximum event age and a dead-letter queue', () => {
      // Act
      const targets = props(synth, ids.rule)['Targets'] as readonly Record<string, unknown>[];
      // Assess
      expect(targets).toHaveLength(1);
      expect(targets[0]).toMatchObject({
        Arn: ref(ids.stateMachine),
        RetryPolicy: { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 7200 },
        DeadLetterConfig: { Arn: getAtt(ids.queue) },
      });
    });

    it('lets EventBridge start executions of this state machine and nothing else', () => {
      // Act
      const roleArn = (
        props(synth, ids.rule)['Targets'] as readonly { RoleArn: { 'Fn::GetAtt': [string] } }[]
      )[0]!.RoleArn;
      const statements = statementsOfRole(synth, roleArn['Fn::GetAtt'][0]);
      // Assess
      expect(statements).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'states:StartExecution',
          Resource: ref(ids.stateMachine),
        }),
      ]);
    });

    it('keeps undeliverable events in an encrypted, TLS-only queue only the rule can send to', () => {
      // Act
      const queue = synth.resource(ids.queue);
      const [policy] = Object.values(synth.resources('AWS::SQS::QueuePolicy'));
      const statements = (policy?.Properties?.['PolicyDocument'] as { Statement: unknown[] }).Statement;
      // Assess
      expect(queue.Properties).toMatchObject({
        ...(ids.dataKey ? { KmsMasterKeyId: getAtt(ids.dataKey) } : { SqsManagedSseEnabled: true }),
        MessageRetentionPeriod: 14 * 24 * 3600,
      });
      expect(queue.DeletionPolicy).toBe(expectedRemoval(config));
      expect(statements).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'sqs:SendMessage',
          Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': getAtt(ids.rule) } },
        }),
      );
    });
  });

  describe('TestingWorkflow', () => {
    it('deploys the ASL file unchanged', () => {
      // Act
      const definition = props(synth, ids.stateMachine)['DefinitionString'];
      // Assess
      expect(typeof definition).toBe('string');
      expect(JSON.parse(definition as string)).toEqual(
        JSON.parse(readFileSync(projectPath(OUTPUT_TESTING_ASL), 'utf8')),
      );
    });

    it('has a substitution for every ${...} placeholder, so none is left unresolved', () => {
      // Act
      const definition = props(synth, ids.stateMachine)['DefinitionString'] as string;
      const substitutions = props(synth, ids.stateMachine)['DefinitionSubstitutions'] as Record<
        string,
        unknown
      >;
      const placeholders = new Set([...definition.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]));
      const resolved = definition.replace(/\$\{([^}]*)\}/g, (whole, name: string) =>
        name in substitutions ? 'RESOLVED' : whole,
      );
      // Assess
      expect(placeholders.size).toBeGreaterThan(0);
      expect(resolved).not.toContain('${');
      // No stale substitution either: each one is used by the definition.
      expect(new Set(Object.keys(substitutions))).toEqual(placeholders);
    });

    it("substitutes each function's ARN, the registry table name, the alert topic ARN and the partition settings it uses", () => {
      // Act
      const substitutions = props(synth, ids.stateMachine)['DefinitionSubstitutions'];
      const definition = props(synth, ids.stateMachine)['DefinitionString'] as string;
      // Assess: the partition settings are there exactly when the definition has their placeholders.
      expect(substitutions).toEqual({
        ...Object.fromEntries(
          WORKFLOW_FUNCTIONS.map((fn) => [functionArnSubstitution(fn), getAtt(ids.functions[fn])]),
        ),
        [REGISTRY_TABLE_SUBSTITUTION]: ref(ids.table),
        [ALERT_TOPIC_SUBSTITUTION]: ref(ids.topic),
        [ARTIFACTS_BUCKET_SUBSTITUTION]: ref(ids.artifacts),
        [MAP_RUNS_PREFIX_SUBSTITUTION]: ARTIFACT_PREFIXES.mapRuns,
        [ENVIRONMENT_NAME_SUBSTITUTION]: config.name,
        [S3_OBJECT_ARN_PREFIX_SUBSTITUTION]: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::']],
        },
        ...partitionSubstitutions(config.partitions, definition),
      });
    });

    it('is a STANDARD state machine that logs errors without execution data and is traced', () => {
      // Act
      const machine = props(synth, ids.stateMachine);
      const logGroupId = synth.logicalId(synth.stack.workflow.logGroup);
      // Assess
      expect(machine).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ERROR',
          IncludeExecutionData: false,
          Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: getAtt(logGroupId) } }],
        },
      });
      expect(synth.resource(logGroupId).Properties?.['RetentionInDays']).toBe(config.logRetentionDays);
    });

    it('may invoke the five functions, update registry items, publish alerts and Output Tested events, run its partitioned branch, and nothing more', () => {
      // Act
      const statements = statementsOfRole(synth, ids.stateMachineRole);
      const byAction = (predicate: (action: string) => boolean) =>
        statements.filter((s) => actionsOf(s).some(predicate));
      const s3 = byAction((a) => a.startsWith('s3:'));
      const states = byAction((a) => a.startsWith('states:'));
      const invoked = byAction((a) => a === 'lambda:InvokeFunction').flatMap((s) => targetsOf(s));
      const dynamo = byAction((a) => a.startsWith('dynamodb:'));
      const sns = byAction((a) => a.startsWith('sns:'));
      const kms = byAction((a) => a.startsWith('kms:'));
      const events = byAction((a) => a.startsWith('events:'));
      const other = statements.filter((s) =>
        actionsOf(s).some(
          (a) =>
            ![
              'lambda:InvokeFunction',
              'dynamodb:UpdateItem',
              'sns:Publish',
              'events:PutEvents',
              'cloudwatch:PutMetricData',
              ...KMS_PUBLISH_ACTIONS,
              // The environment's key: the registry it updates and the map-runs it writes.
              ...(ids.dataKey ? ['kms:GenerateDataKey'] : []),
            ].includes(a) &&
            !LOGS_DELIVERY_AND_TRACING.has(a) &&
            !a.startsWith('s3:') &&
            !a.startsWith('states:'),
        ),
      );
      // Assess
      expect(statements.every((s) => s.Effect === 'Allow')).toBe(true);
      expect(new Set(invoked.map((t) => t.logicalId))).toEqual(new Set(Object.values(ids.functions)));
      expect(invoked.every((t) => t.suffix === '' || t.suffix === ':*')).toBe(true);
      expect(dynamo.flatMap(actionsOf)).toEqual(['dynamodb:UpdateItem']);
      // Counting untested outputs (CountUntested): the project's namespace only.
      expect(byAction((a) => a.startsWith('cloudwatch:'))).toEqual([
        expect.objectContaining({
          Action: 'cloudwatch:PutMetricData',
          Resource: '*',
          Condition: { StringEquals: { 'cloudwatch:namespace': WORKFLOW_METRICS_NAMESPACE } },
        }),
      ]);
      // The table itself: an index accepts no UpdateItem.
      expect(dynamo.flatMap(targetsOf)).toEqual([{ logicalId: ids.table, suffix: '', wildcard: false }]);
      expect(sns).toEqual([expect.objectContaining({ Action: 'sns:Publish', Resource: ref(ids.topic) })]);
      // Publishing to the encrypted topic: the topic's own key, nothing else; where the environment
      // has its key, the topic uses it, and so do the registry and the map-runs it writes.
      expect([...new Set(kms.flatMap(actionsOf))].sort()).toEqual(
        ids.dataKey ? ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKey*'] : KMS_PUBLISH_ACTIONS,
      );
      expect(new Set(kms.flatMap(targetsOf).map((t) => `${t.logicalId}${t.suffix}`))).toEqual(
        new Set([ids.topicKey]),
      );
      // Output Tested events: PutEvents on the default bus only (no Resource "*").
      expect(events.flatMap(actionsOf)).toEqual(['events:PutEvents']);
      expect(JSON.stringify(events.map((s) => s.Resource))).toMatch(/event-bus\/default/);
      // Partitioned branch: read the plan's manifest under manifests/ (no listing, no output object
      // reads), write map results under map-runs/ only, and start/describe/stop its own child
      // executions only.
      expect(
        s3.flatMap((st) =>
          targetsOf(st).map(
            (t) =>
              `${actionsOf(st).join(',')} ${t.logicalId}${t.suffix}${st.Condition ? ` ${JSON.stringify(st.Condition)}` : ''}`,
          ),
        ),
      ).toEqual([
        `s3:GetObject ${ids.artifacts}/${ARTIFACT_PREFIXES.manifests}*`,
        `s3:PutObject,s3:AbortMultipartUpload ${ids.artifacts}/${ARTIFACT_PREFIXES.mapRuns}*`,
      ]);
      expect(states.map((st) => actionsOf(st).join(','))).toEqual([
        'states:StartExecution',
        'states:DescribeExecution,states:StopExecution',
      ]);
      expect(targetsOf(states[0]!)).toEqual([{ logicalId: ids.stateMachine, suffix: '', wildcard: false }]);
      expect(JSON.stringify(states[1]!.Resource)).toMatch(/:execution:/);
      expect(other).toEqual([]);
    });
  });

  describe('WorkflowFunctions', () => {
    it.each(WORKFLOW_FUNCTIONS)(
      '%s runs on Node.js 22 or newer, on arm64, with the configured memory and its timeout',
      (fn) => {
        // Act
        const lambda = props(synth, ids.functions[fn]);
        const major = /^nodejs(\d+)\.x$/.exec(String(lambda['Runtime']))?.[1];
        // Assess
        expect(Number(major)).toBeGreaterThanOrEqual(22);
        expect(lambda['Architectures']).toEqual(['arm64']);
        expect(lambda['MemorySize']).toBe(config.memorySizes[fn]);
        expect(lambda['Timeout']).toBe(EXPECTED_ACCESS[fn].timeoutSeconds);
        expect(lambda['Handler']).toBe('index.handler');
      },
    );

    it.each(WORKFLOW_FUNCTIONS)(
      '%s receives the registry table, artifacts bucket and prefixes as variables',
      (fn) => {
        // Act
        const variables = (props(synth, ids.functions[fn])['Environment'] as { Variables: unknown })
          .Variables;
        // Assess
        expect(variables).toEqual({
          [FUNCTION_ENV.registryTable]: ref(ids.table),
          [FUNCTION_ENV.artifactsBucket]: ref(ids.artifacts),
          [FUNCTION_ENV.contractsPrefix]: ARTIFACT_PREFIXES.contracts,
          [FUNCTION_ENV.reportsPrefix]: ARTIFACT_PREFIXES.reports,
          [FUNCTION_ENV.quarantinePrefix]: ARTIFACT_PREFIXES.quarantine,
          [FUNCTION_ENV.convertedPrefix]: ARTIFACT_PREFIXES.converted,
          [FUNCTION_ENV.conversionPartsPrefix]: ARTIFACT_PREFIXES.conversionParts,
          [FUNCTION_ENV.manifestsPrefix]: ARTIFACT_PREFIXES.manifests,
          [FUNCTION_ENV.resultsPrefix]: ARTIFACT_PREFIXES.results,
          NODE_OPTIONS: '--enable-source-maps',
          // Powertools: the service name is also the `service` dimension the dashboard reads.
          POWERTOOLS_SERVICE_NAME: fn,
          POWERTOOLS_LOG_LEVEL: config.logLevel,
          // The publish function also gets the environment's published prefix (write-audit-publish).
          ...(fn === 'publish' ? { [PUBLISH_ENV.publishedPrefix]: config.publishing.prefix } : {}),
        });
      },
    );

    it.each(WORKFLOW_FUNCTIONS)(
      '%s is traced by X-Ray and has the reserved concurrency the environment gives it, if any',
      (fn) => {
        // Act
        const lambda = props(synth, ids.functions[fn]);
        // Assess
        expect(lambda['TracingConfig']).toEqual({ Mode: 'Active' });
        expect(lambda['ReservedConcurrentExecutions']).toBe(config.reservedConcurrency[fn]);
      },
    );

    it.each(WORKFLOW_FUNCTIONS)(
      '%s logs to its own log group with the configured retention and removal',
      (fn) => {
        // Act
        const lambda = props(synth, ids.functions[fn]);
        const logGroup = synth.resource(ids.logGroups[fn]);
        // Assess
        expect(lambda['LoggingConfig']).toEqual({ LogGroup: ref(ids.logGroups[fn]) });
        expect(logGroup.Properties?.['RetentionInDays']).toBe(config.logRetentionDays);
        expect(logGroup.DeletionPolicy).toBe(expectedRemoval(config));
      },
    );

    it.each(WORKFLOW_FUNCTIONS)('%s role reaches only the resources its handler touches', (fn) => {
      // Prepare
      const expected = EXPECTED_ACCESS[fn];
      // Act
      const role = synth.resource(ids.roles[fn]);
      const all = statementsOfRole(synth, ids.roles[fn]);
      // Tracing's own statement is the one allowed Resource "*" (checked on its own below).
      const tracing = all.filter((s) => targetsOf(s).some((t) => t.wildcard));
      const statements = all.filter((s) => !tracing.includes(s));
      const targets = statements.flatMap((s) =>
        targetsOf(s).map((t) => ({ ...t, actions: actionsOf(s), condition: s.Condition })),
      );
      const artifactObjects = (action: string) =>
        targets
          .filter((t) => t.logicalId === ids.artifacts && t.suffix !== '' && t.actions.includes(action))
          .map((t) => t.suffix)
          .sort();
      const listsOf = (bucket: string) =>
        targets
          .filter((t) => t.logicalId === bucket && t.actions.includes('s3:ListBucket'))
          .map((t) => t.condition);
      const allActions = statements.flatMap(actionsOf);
      const dynamo = targets.filter((t) => t.logicalId === ids.table);
      // Assess: nothing outside the function's own log group, the table, the buckets and the data key.
      expect(role.Properties?.['ManagedPolicyArns']).toBeUndefined();
      expect(all.every((s) => s.Effect === 'Allow')).toBe(true);
      expect(allActions.filter((a) => a.includes('*'))).toEqual([]);
      expect(tracing.map((s) => [...actionsOf(s)].sort())).toEqual([LAMBDA_XRAY_ACTIONS]);
      expect(
        targets.filter(
          (t) =>
            ![ids.logGroups[fn], ids.table, ids.outputs, ids.artifacts, ids.dataKey].includes(
              t.logicalId ?? '',
            ),
        ),
      ).toEqual([]);
      // The registry: named item operations on the table and its named indexes, nothing else.
      expect(dynamo.length > 0).toBe(expected.registry);
      expect([...new Set(allActions.filter((a) => a.startsWith('dynamodb:')))].sort()).toEqual(
        expected.registry
          ? [
              ...REGISTRY_READS,
              ...((expected.registryWrites ?? expected.registry) ? REGISTRY_WRITES : []),
              ...(expected.registryUpdates ? ['dynamodb:UpdateItem'] : []),
              ...(fn === 'register' ? ['dynamodb:DeleteItem'] : []),
            ].sort()
          : [],
      );
      expect(dynamo.filter((t) => !['', ...REGISTRY_INDEX_SUFFIXES].includes(t.suffix))).toEqual([]);
      // Register deletes only its own idempotency records (Powertools, after a failed invocation).
      expect(dynamo.filter((t) => t.actions.includes('dynamodb:DeleteItem')).map((t) => t.condition)).toEqual(
        fn === 'register'
          ? [{ 'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [REGISTER_IDEMPOTENCY_PARTITION] } }]
          : [],
      );
      // The outputs bucket: object reads of any version, listing only under the partitioned prefixes.
      expect(targets.some((t) => t.logicalId === ids.outputs)).toBe(expected.outputs);
      expect(
        targets
          .filter((t) => t.logicalId === ids.outputs && !t.actions.includes('s3:ListBucket'))
          .map((t) => `${[...t.actions].sort().join(',')} ${t.suffix}`),
      ).toEqual(
        expected.publishes
          ? [
              ...[
                ...new Set([...arrivalPrefixes(config), ...config.partitions.prefixes]),
                config.publishing.prefix,
              ].map((p) => `s3:GetObject,s3:GetObjectVersion /${p}*`),
              `s3:AbortMultipartUpload,s3:DeleteObject,s3:PutObject /${config.publishing.prefix}*`,
            ]
          : expected.outputs
            ? ['s3:GetObject,s3:GetObjectVersion /*']
            : [],
      );
      expect(listsOf(ids.outputs)).toEqual(
        expected.listsPartitions && config.partitions.prefixes.length > 0
          ? [{ StringLike: { 's3:prefix': config.partitions.prefixes.map((p) => `${p}*`) } }]
          : [],
      );
      // The artifacts bucket: reads, writes and listing per prefix.
      expect(artifactObjects('s3:GetObject')).toEqual([...expected.artifactReads].sort());
      expect(artifactObjects('s3:PutObject')).toEqual([...expected.artifactWrites].sort());
      expect(listsOf(ids.artifacts)).toEqual(
        expected.artifactLists.map((prefix) => ({ StringLike: { 's3:prefix': [prefix] } })),
      );
      // Only the functions that convert (convert, and validate for a partitioned output's parts)
      // delete, only under converted/, and only by delete marker (no DeleteObjectVersion).
      expect(
        targets
          .filter((t) => t.actions.some((a) => a.startsWith('s3:Delete')))
          .map(
            (t) =>
              `${t.logicalId === ids.artifacts ? 'artifacts' : t.logicalId}${t.suffix} ${t.actions.join(',')}`,
          ),
      ).toEqual(
        fn === 'convert' || fn === 'validate'
          ? ['artifacts/converted/* s3:DeleteObject']
          : fn === 'publish'
            ? [
                `${ids.outputs}/${config.publishing.prefix}* s3:PutObject,s3:AbortMultipartUpload,s3:DeleteObject`,
              ]
            : [],
      );
      // The data key, where the environment has one, for exactly the reads and writes above.
      expect([...new Set(allActions.filter((a) => a.startsWith('kms:')))].sort()).toEqual(
        ids.dataKey ? (fn === 'inspect' ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:GenerateDataKey']) : [],
      );
    });
  });

  describe('IAM across the stack', () => {
    it('grants no Action "*" and no service-wide action such as "s3:*"', () => {
      // Act
      const broad = allIdentityStatements(synth).filter(
        ({ statement }) =>
          statement.Effect === 'Allow' && actionsOf(statement).some((a) => a === '*' || a.endsWith(':*')),
      );
      // Assess
      expect(broad).toEqual([]);
    });

    it('uses Resource "*" only where CDK or the service requires it (Step Functions log delivery, X-Ray per traced role, PutMetricData)', () => {
      // Prepare
      const ownerOf = (roleLogicalIds: readonly string[]): string => {
        const [only] = roleLogicalIds;
        if (roleLogicalIds.length !== 1 || only === undefined) return roleLogicalIds.join(',');
        if (only === ids.stateMachineRole) return 'state machine role';
        if (only === synth.logicalId(synth.stack.prepareInputs.stateMachine.role))
          return 'prepare-inputs state machine role';
        const canary = synth.stack.canary;
        if (canary && only === synth.logicalId(canary.stateMachine.role)) return 'canary state machine role';
        if (canary && only === synth.logicalId(canary.function.role!)) return 'canary function role';
        const fn = WORKFLOW_FUNCTIONS.find((name) => ids.roles[name] === only);
        return fn ? `${fn} function role` : only;
      };
      const byOwner = (a: { owner: string; actions: string[] }, b: { owner: string; actions: string[] }) =>
        `${a.owner} ${a.actions.join()}`.localeCompare(`${b.owner} ${b.actions.join()}`);
      // Act
      const wildcards = allIdentityStatements(synth)
        .filter(({ statement }) => targetsOf(statement).some((t) => t.wildcard))
        .map(({ roleLogicalIds, statement }) => ({
          owner: ownerOf(roleLogicalIds),
          actions: [...actionsOf(statement)].sort(),
        }));
      // Assess
      expect(wildcards.sort(byOwner)).toEqual(
        [
          ...CDK_REQUIRED_WILDCARDS,
          // The prepare-inputs state machine logs and traces as the output-testing one does.
          ...CDK_REQUIRED_WILDCARDS.map((w) => ({ ...w, owner: 'prepare-inputs state machine role' })),
          // PutMetricData has no resource-level permissions; a namespace condition holds it in.
          { owner: 'state machine role', actions: ['cloudwatch:PutMetricData'] },
          ...WORKFLOW_FUNCTIONS.map((fn) => ({ owner: `${fn} function role`, actions: LAMBDA_XRAY_ACTIONS })),
          // The synthetic canary's state machine (log delivery, X-Ray) and traced function.
          ...(synth.stack.canary
            ? [
                ...CDK_REQUIRED_WILDCARDS.map((w) => ({ ...w, owner: 'canary state machine role' })),
                { owner: 'canary function role', actions: LAMBDA_XRAY_ACTIONS },
              ]
            : []),
        ].sort(byOwner),
      );
    });

    it("attaches AWS managed policies only to CDK's own custom-resource roles", () => {
      // Act
      const withManaged = Object.entries(synth.resources('AWS::IAM::Role'))
        .filter(([, role]) => role.Properties?.['ManagedPolicyArns'] !== undefined)
        .map(([id]) => id);
      const foreign = withManaged.filter(
        (id) => !CDK_CUSTOM_RESOURCE_ROLES.some((prefix) => id.startsWith(prefix)),
      );
      // Assess
      expect(withManaged.length).toBeGreaterThan(0);
      expect(foreign).toEqual([]);
    });

    it('lets only validate, convert, the map runs, the run reports and the contract seeding job write to the artifacts bucket', () => {
      // Act
      const writers = allIdentityStatements(synth)
        .filter(({ statement }) => actionsOf(statement).includes('s3:PutObject'))
        .flatMap(({ roleLogicalIds, statement }) =>
          targetsOf(statement)
            .filter((t) => t.logicalId === ids.artifacts)
            .flatMap((t) => roleLogicalIds.map((role) => `${role}${t.suffix}`)),
        )
        .sort();
      const seedingRole = synth.logicalId(synth.stack.artifacts.contractsDeploymentRole);
      // Assess: the seeding job writes under contracts/ only (CDK's own grant would be the whole bucket).
      expect(writers).toEqual(
        [
          `${ids.roles.validate}/reports/*`,
          `${ids.roles.validate}/quarantine/*`,
          // The partitioned branch's plan step writes the map's manifest.
          `${ids.roles.validate}/${ARTIFACT_PREFIXES.manifests}*`,
          // The results dataset, beside each report.
          `${ids.roles.validate}/${ARTIFACT_PREFIXES.results}*`,
          // A partitioned output's parts are converted in the map's children (convert_to).
          `${ids.roles.validate}/converted/*`,
          `${ids.roles.convert}/converted/*`,
          // A large object converted range by range: the conversion's manifest and each range's part.
          `${ids.roles.convert}/${ARTIFACT_PREFIXES.conversionParts}*`,
          `${ids.roles.convert}/${ARTIFACT_PREFIXES.manifests}*`,
          // The partitioned branch's Distributed Map writes its run results (ResultWriter).
          `${ids.stateMachineRole}/${ARTIFACT_PREFIXES.mapRuns}*`,
          `${seedingRole}/${ARTIFACT_PREFIXES.contracts}*`,
          // Each run's report, rewritten as its outputs are tested (reports/runs/ only).
          `${synth.logicalId(synth.stack.runReports.function.role!)}/${ARTIFACT_PREFIXES.runReports}*`,
        ].sort(),
      );
    });
  });

  describe('buckets', () => {
    it('versions the outputs bucket and sends its events to EventBridge', () => {
      // Act
      const bucket = props(synth, ids.outputs);
      const notifications = Object.values(synth.resources('Custom::S3BucketNotifications'));
      // Assess
      expect(bucket['VersioningConfiguration']).toEqual({ Status: 'Enabled' });
      expect(notifications).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            BucketName: ref(ids.outputs),
            NotificationConfiguration: { EventBridgeConfiguration: {} },
          }) as unknown,
        }),
      ]);
    });

    it('encrypts every bucket, blocks all public access and disables ACLs', () => {
      // Act
      const buckets = Object.entries(synth.resources('AWS::S3::Bucket'));
      // Assess
      expect(buckets.length).toBe(config.removalPolicy === 'retain' ? 3 : 2);
      for (const [id, bucket] of buckets) {
        // The data buckets use the environment's key where it has one; the access-logs bucket stays
        // SSE-S3, the only encryption S3 server access log delivery accepts.
        const withKey = ids.dataKey !== undefined && [ids.outputs, ids.artifacts].includes(id);
        expect({ [id]: bucket.Properties }).toMatchObject({
          [id]: {
            BucketEncryption: {
              ServerSideEncryptionConfiguration: [
                withKey
                  ? {
                      ServerSideEncryptionByDefault: {
                        SSEAlgorithm: 'aws:kms',
                        KMSMasterKeyID: getAtt(ids.dataKey!),
                      },
                      BucketKeyEnabled: true,
                    }
                  : { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
              ],
            },
            PublicAccessBlockConfiguration: {
              BlockPublicAcls: true,
              BlockPublicPolicy: true,
              IgnorePublicAcls: true,
              RestrictPublicBuckets: true,
            },
            OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
          },
        });
      }
    });

    it('denies every request to every bucket that does not use TLS', () => {
      // Act
      const policies = Object.values(synth.resources('AWS::S3::BucketPolicy'));
      const bucketIds = Object.keys(synth.resources('AWS::S3::Bucket'));
      // Assess
      for (const id of bucketIds) {
        const policy = policies.find(
          (p) => JSON.stringify(p.Properties?.['Bucket']) === JSON.stringify(ref(id)),
        );
        const statements = (
          policy?.Properties?.['PolicyDocument'] as { Statement: PolicyStatement[] } | undefined
        )?.Statement;
        const denyInsecure = statements?.filter(
          (s) =>
            s.Effect === 'Deny' &&
            s.Action === 's3:*' &&
            JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        );
        expect({ [id]: denyInsecure?.length }).toEqual({ [id]: 1 });
      }
    });

    it('removes or retains the buckets as the environment says', () => {
      // Act
      const buckets = Object.entries(synth.resources('AWS::S3::Bucket'));
      const autoDeleted = Object.values(synth.resources('Custom::S3AutoDeleteObjects')).map((r) =>
        JSON.stringify(r.Properties?.['BucketName']),
      );
      // Assess
      for (const [id, bucket] of buckets) {
        expect({ [id]: [bucket.DeletionPolicy, bucket.UpdateReplacePolicy] }).toEqual({
          [id]: [expectedRemoval(config), expectedRemoval(config)],
        });
      }
      expect(autoDeleted.sort()).toEqual(
        config.removalPolicy === 'destroy'
          ? [ids.outputs, ids.artifacts].map((id) => JSON.stringify(ref(id))).sort()
          : [],
      );
    });

    it('keeps server access logs of both buckets where data is retained', () => {
      // Act
      const logging = [ids.outputs, ids.artifacts].map((id) => props(synth, id)['LoggingConfiguration']);
      const logsBucket = synth.stack.accessLogs;
      const logsId = logsBucket ? synth.logicalId(logsBucket.bucket) : 'none';
      const retain = config.removalPolicy === 'retain';
      // Assess
      expect({ logsBucket: logsBucket !== undefined, logging }).toEqual({
        logsBucket: retain,
        logging: retain
          ? [
              { DestinationBucketName: ref(logsId), LogFilePrefix: 'outputs/' },
              { DestinationBucketName: ref(logsId), LogFilePrefix: 'artifacts/' },
            ]
          : [undefined, undefined],
      });
    });

    it('seeds the repository contracts under contracts/ without pruning pushed ones', () => {
      // Act
      const deployments = Object.values(synth.resources('Custom::CDKBucketDeployment'));
      // Assess
      expect(deployments).toEqual([
        expect.objectContaining({
          Properties: expect.objectContaining({
            DestinationBucketName: ref(ids.artifacts),
            DestinationBucketKeyPrefix: ARTIFACT_PREFIXES.contracts,
            Prune: false,
            RetainOnDelete: true,
          }) as unknown,
        }),
      ]);
    });

    it("runs the seeding job with a role of its own: list and put under contracts/, its asset's read, its log group", () => {
      // Act
      const role = synth.stack.artifacts.contractsDeploymentRole;
      const roleId = synth.logicalId(role);
      // The asset lives in CDK's bootstrap bucket, outside the template: one object, named by its hash.
      const where = (t: ReturnType<typeof targetsOf>[number]) =>
        t.logicalId?.startsWith('AWS::')
          ? t.suffix.replace(/^.*cdk-[a-z0-9]+-assets-.*\/[0-9a-f]{64}\.zip$/, 'bootstrap-assets/<asset>.zip')
          : `${t.logicalId}${t.suffix}`;
      const statements = statementsOfRole(synth, roleId).flatMap((s) =>
        targetsOf(s).map(
          (t) =>
            `${[...actionsOf(s)].sort().join(',')} ${where(t)}${s.Condition ? ` ${JSON.stringify(s.Condition)}` : ''}`,
        ),
      );
      const functions = Object.values(synth.resources('AWS::Lambda::Function')).filter(
        (f) => JSON.stringify(f.Properties?.['Role']) === JSON.stringify(getAtt(roleId)),
      );
      // Assess: no delete, no read of other contracts or of the whole assets bucket, no managed policy.
      expect(functions).toHaveLength(1);
      expect(synth.resource(roleId).Properties?.['ManagedPolicyArns']).toBeUndefined();
      expect(statements.sort()).toEqual(
        [
          `logs:CreateLogStream,logs:PutLogEvents ${synth.logicalId(role.node.scope!.node.findChild('SeedContractsLogs'))}`,
          's3:GetObject bootstrap-assets/<asset>.zip',
          `s3:ListBucket ${ids.artifacts} ${JSON.stringify({ StringLike: { 's3:prefix': ['contracts/*'] } })}`,
          `s3:AbortMultipartUpload,s3:PutObject ${ids.artifacts}/contracts/*`,
          ...(ids.dataKey ? [`kms:Decrypt,kms:GenerateDataKey ${ids.dataKey}`] : []),
        ].sort(),
      );
    });
  });

  describe('OutputRegistry', () => {
    it('lays the table out as REGISTRY_TABLE_LAYOUT says, on demand, encrypted, with PITR', () => {
      // Act
      const table = props(synth, ids.table);
      // Assess
      expect(table).toMatchObject({
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        KeySchema: [
          { AttributeName: REGISTRY_TABLE_LAYOUT.partitionKey.name, KeyType: 'HASH' },
          { AttributeName: REGISTRY_TABLE_LAYOUT.sortKey.name, KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: REGISTRY_TABLE_LAYOUT.globalSecondaryIndexes.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey.name, KeyType: 'HASH' },
            { AttributeName: index.sortKey.name, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      });
    });

    it('protects the table from deletion exactly where the environment retains data', () => {
      // Act
      const table = synth.resource(ids.table);
      // Assess
      expect(table.Properties?.['DeletionProtectionEnabled']).toBe(config.removalPolicy === 'retain');
      expect(table.DeletionPolicy).toBe(expectedRemoval(config));
      expect(table.UpdateReplacePolicy).toBe(expectedRemoval(config));
    });
  });

  describe('FailureAlerts', () => {
    it('encrypts the topic with its own rotated key, refuses non-TLS publishing and mails the configured address', () => {
      // Act
      const topic = props(synth, ids.topic);
      const key = synth.resource(ids.topicKey);
      const subscriptions = Object.values(synth.resources('AWS::SNS::Subscription'));
      const [policy] = Object.values(synth.resources('AWS::SNS::TopicPolicy'));
      // Assess: a customer-managed key, because CloudWatch alarms cannot use the AWS-managed SNS key.
      expect(topic['KmsMasterKeyId']).toEqual(getAtt(ids.topicKey));
      expect(key.Properties?.['EnableKeyRotation']).toBe(true);
      expect(key.DeletionPolicy).toBe(expectedRemoval(config));
      expect(subscriptions).toEqual([
        expect.objectContaining({
          Properties: { Protocol: 'email', Endpoint: config.alertEmail, TopicArn: ref(ids.topic) },
        }),
      ]);
      expect((policy?.Properties?.['PolicyDocument'] as { Statement: unknown[] }).Statement).toContainEqual(
        expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
      );
    });

    it('lets CloudWatch alarms of this account publish, through the topic policy and the key policy', () => {
      // Act
      const [policy] = Object.values(synth.resources('AWS::SNS::TopicPolicy'));
      const topicStatements = (policy?.Properties?.['PolicyDocument'] as { Statement: PolicyStatement[] })
        .Statement;
      const keyStatements = (
        synth.resource(ids.topicKey).Properties?.['KeyPolicy'] as {
          Statement: PolicyStatement[];
        }
      ).Statement;
      const fromCloudWatch = (s: PolicyStatement) =>
        JSON.stringify(s.Principal) === JSON.stringify({ Service: 'cloudwatch.amazonaws.com' });
      const sourceAccount = { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } };
      // Assess
      expect(topicStatements.filter(fromCloudWatch)).toEqual([
        expect.objectContaining({
          Effect: 'Allow',
          Action: 'sns:Publish',
          Resource: ref(ids.topic),
          Condition: sourceAccount,
        }),
      ]);
      expect(keyStatements.filter(fromCloudWatch)).toEqual([
        expect.objectContaining({ Effect: 'Allow', Action: KMS_PUBLISH_ACTIONS, Condition: sourceAccount }),
      ]);
    });
  });

  describe('DataKey (cdk.json kms)', () => {
    it('has one rotated customer-managed key exactly where the environment sets kms', () => {
      // Act
      const keys = Object.keys(synth.resources('AWS::KMS::Key'));
      // Assess: without kms, the alert topic's own key is the stack's only key.
      expect(ids.dataKey !== undefined).toBe(config.kms);
      expect(keys).toEqual([ids.topicKey]);
      expect(synth.resource(ids.topicKey).Properties?.['EnableKeyRotation']).toBe(true);
      expect(synth.resource(ids.topicKey).DeletionPolicy).toBe(expectedRemoval(config));
    });

    it('encrypts the registry table, the dead-letter queue, the topic and every log group with it, or none of them', () => {
      // Prepare
      const key = ids.dataKey ? getAtt(ids.dataKey) : undefined;
      // Act
      const logGroups = Object.entries(synth.resources('AWS::Logs::LogGroup'));
      const encryption = {
        table: props(synth, ids.table)['SSESpecification'],
        queue: props(synth, ids.queue)['KmsMasterKeyId'],
        topic: props(synth, ids.topic)['KmsMasterKeyId'],
        logGroups: logGroups.map(([, group]) => group.Properties?.['KmsKeyId']),
      };
      // Assess: without kms, AWS-managed table and queue encryption, the topic's own key, plain logs.
      expect(logGroups.length).toBeGreaterThanOrEqual(WORKFLOW_FUNCTIONS.length + 2);
      expect(encryption).toEqual({
        table: key ? { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: key } : { SSEEnabled: true },
        queue: key,
        topic: key ?? getAtt(ids.topicKey),
        logGroups: logGroups.map(() => key),
      });
    });

    it("lets CloudWatch Logs of this region (this account's log groups) and this stack's rules (the dead-letter queue) use it", () => {
      // Act
      const statements = (
        synth.resource(ids.topicKey).Properties?.['KeyPolicy'] as { Statement: PolicyStatement[] }
      ).Statement;
      const services = statements
        .map((s) => (s.Principal as { Service?: unknown } | undefined)?.Service)
        .filter((service) => service !== undefined)
        .map((service) => JSON.stringify(service));
      const logs = statements.filter((s) => JSON.stringify(s.Principal).includes('"logs.'));
      const events = statements.filter(
        (s) => JSON.stringify(s.Principal) === JSON.stringify({ Service: 'events.amazonaws.com' }),
      );
      // Assess: CloudWatch alarms publish to the topic in every environment (Monitoring); the logs
      // and EventBridge statements exist only on the environment's data key.
      expect(services.sort()).toEqual(
        [
          JSON.stringify('cloudwatch.amazonaws.com'),
          ...(ids.dataKey
            ? [
                JSON.stringify('events.amazonaws.com'),
                JSON.stringify({ 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] }),
              ]
            : []),
        ].sort(),
      );
      expect(logs).toEqual(
        (ids.dataKey ? [1] : []).map((): unknown =>
          expect.objectContaining({
            Effect: 'Allow',
            Action: [
              'kms:Encrypt',
              'kms:Decrypt',
              'kms:ReEncryptFrom',
              'kms:ReEncryptTo',
              'kms:GenerateDataKey',
              'kms:GenerateDataKeyWithoutPlaintext',
              'kms:DescribeKey',
            ],
            Principal: { Service: { 'Fn::Join': ['', ['logs.', { Ref: 'AWS::Region' }, '.amazonaws.com']] } },
            Condition: {
              ArnLike: {
                'kms:EncryptionContext:aws:logs:arn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':logs:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      ':log-group:*',
                    ],
                  ],
                },
              },
            },
          }),
        ),
      );
      expect(events).toEqual(
        (ids.dataKey ? [1] : []).map((): unknown =>
          expect.objectContaining({
            Effect: 'Allow',
            Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
            Condition: {
              StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              ArnLike: {
                'aws:SourceArn': {
                  'Fn::Join': [
                    '',
                    [
                      'arn:',
                      { Ref: 'AWS::Partition' },
                      ':events:',
                      { Ref: 'AWS::Region' },
                      ':',
                      { Ref: 'AWS::AccountId' },
                      `:rule/prt-${envName}-*`,
                    ],
                  ],
                },
              },
            },
          }),
        ),
      );
    });
  });

  describe('stack outputs', () => {
    it('exports the names and ARNs the CLI and integration tests need', () => {
      // Act
      const outputs = synth.template.toJSON() as { Outputs: Record<string, { Value: unknown }> };
      // Assess
      expect(outputs.Outputs).toMatchObject({
        [STACK_OUTPUTS.outputsBucket]: { Value: ref(ids.outputs) },
        [STACK_OUTPUTS.artifactsBucket]: { Value: ref(ids.artifacts) },
        [STACK_OUTPUTS.registryTable]: { Value: ref(ids.table) },
        [STACK_OUTPUTS.stateMachineArn]: { Value: ref(ids.stateMachine) },
        [STACK_OUTPUTS.alertTopicArn]: { Value: ref(ids.topic) },
        [STACK_OUTPUTS.dashboardName]: {
          Value: { 'Fn::Join': ['-', [`prt-${envName}`, { Ref: 'AWS::Region' }]] },
        },
        [STACK_OUTPUTS.deadLetterQueueUrl]: { Value: ref(ids.queue) },
      });
      // Every name the integration suite reads from a deployed stack's outputs file is emitted.
      expect(Object.keys(outputs.Outputs)).toEqual(expect.arrayContaining(Object.values(STACK_OUTPUTS)));
    });
  });
});
