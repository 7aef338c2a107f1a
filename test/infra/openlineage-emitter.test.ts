/**
 * The OpenLineage function and rule (lib/openlineage-emitter.ts): absent unless the environment
 * sets `openLineage`; subscribed to Output Tested with retries and a dead-letter queue; a role that
 * holds its transport's permission and nothing of the others; cdk-nag clean for every transport.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import type { EnvironmentConfig } from '../../lib/config/environment-config';
import type { OpenLineageSettings } from '../../lib/config/openlineage-config';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { environmentConfig } from '../fixtures/cdk-environments';

const HTTP: OpenLineageSettings = {
  transport: 'http',
  url: 'https://marquez.example.com/api/v1/lineage',
  apiKeySecret: 'prt/openlineage-key',
  namespace: 'prt-dev',
};
const DATAZONE: OpenLineageSettings = { transport: 'datazone', domainId: 'dzd_abc123', namespace: 'prt-dev' };
const S3: OpenLineageSettings = { transport: 's3', prefix: 'openlineage/', namespace: 'prt-dev' };

interface Synth {
  readonly app: App;
  readonly stack: OutputTestingStack;
  readonly template: Template;
}

function synth(envName: string, openLineage?: OpenLineageSettings): Synth {
  const base = environmentConfig(envName);
  const config: EnvironmentConfig = { ...base, ...(openLineage ? { openLineage } : {}) };
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OutputTestingStack(app, `prt-${envName}`, { config });
  return { app, stack, template: Template.fromStack(stack) };
}

/** The actions the OpenLineage role's policies allow, each with its resources as JSON text. */
function allowedByRole(s: Synth): Map<string, string[]> {
  const role = {
    Ref: s.stack.getLogicalId(s.stack.openLineage!.function.role!.node.defaultChild as CfnElement),
  };
  const policies = s.template.findResources('AWS::IAM::Policy') as Record<
    string,
    {
      Properties: {
        Roles: unknown[];
        PolicyDocument: { Statement: { Action: string | string[]; Resource: unknown }[] };
      };
    }
  >;
  const allowed = new Map<string, string[]>();
  for (const p of Object.values(policies)) {
    if (!p.Properties.Roles.some((r) => JSON.stringify(r) === JSON.stringify(role))) continue;
    for (const st of p.Properties.PolicyDocument.Statement)
      for (const action of [st.Action].flat())
        allowed.set(action, [...(allowed.get(action) ?? []), JSON.stringify(st.Resource)]);
  }
  return allowed;
}

function nagViolations(s: Synth): string[] {
  s.app.synth();
  return new AwsSolutionsChecks()
    .validateScope(s.stack as Stack)
    .violations.flatMap((v) =>
      v.violatingResources.map((r) => `${v.severity} ${v.ruleName} ${r.constructPath}`),
    );
}

describe('OpenLineageEmitter', () => {
  it('is not deployed where the environment does not set openLineage', () => {
    // Act
    const s = synth('dev');
    // Assess
    expect(s.stack.openLineage).toBeUndefined();
    const rules = Object.entries(s.template.findResources('AWS::Events::Rule'))
      .filter(([, r]) => JSON.stringify((r as { Properties: unknown }).Properties).includes('Output Tested'))
      .map(([id]) => id);
    // The run reports' rule is the one subscriber of Output Tested deployed everywhere.
    expect(rules).toEqual([s.stack.getLogicalId(s.stack.runReports.rule.node.defaultChild as CfnElement)]);
  });

  it('subscribes a function to Output Tested, with retries and a dead-letter queue that raises an alarm', () => {
    // Act
    const s = synth('dev', HTTP);
    // Assess
    s.template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['pipeline-runtime-testing'], 'detail-type': ['Output Tested'] },
      Targets: [
        {
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('DeadLetters'), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        },
      ],
    });
    s.template.hasResourceProperties('AWS::Lambda::Function', {
      Timeout: 60,
      Environment: {
        Variables: {
          PRT_OPENLINEAGE_TRANSPORT: 'http',
          PRT_OPENLINEAGE_URL: HTTP.transport === 'http' ? HTTP.url : '',
          PRT_OPENLINEAGE_API_KEY_SECRET: 'prt/openlineage-key',
          PRT_OPENLINEAGE_NAMESPACE: 'prt-dev',
        },
      },
    });
    const alarms = Object.values(
      s.template.findResources('AWS::CloudWatch::Alarm', {
        Properties: { AlarmName: 'prt-dev-openlineage-undelivered' },
      }),
    ) as { Properties: { AlarmActions: unknown[]; OKActions: unknown[] } }[];
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.Properties.AlarmActions).toHaveLength(1);
    expect(alarms[0]!.Properties.OKActions).toHaveLength(1);
  });

  it('http: reads the named API key secret and the reports, and writes nothing', () => {
    // Act
    const allowed = allowedByRole(synth('dev', HTTP));
    // Assess
    expect(allowed.get('secretsmanager:GetSecretValue')?.join()).toContain('secret:prt/openlineage-key');
    expect(allowed.get('s3:GetObject')?.join()).toContain('/reports/*');
    expect(allowed.has('s3:PutObject')).toBe(false);
    expect(allowed.has('datazone:PostLineageEvent')).toBe(false);
    expect(allowed.has('dynamodb:PutItem')).toBe(false);
  });

  it('datazone: may post lineage events to its domain only', () => {
    // Act
    const allowed = allowedByRole(synth('dev', DATAZONE));
    // Assess
    expect(allowed.get('datazone:PostLineageEvent')?.join()).toContain(':domain/dzd_abc123');
    expect(allowed.has('secretsmanager:GetSecretValue')).toBe(false);
    expect(allowed.has('s3:PutObject')).toBe(false);
  });

  it('s3: puts objects under its prefix of the artifacts bucket only', () => {
    // Act
    const allowed = allowedByRole(synth('dev', S3));
    // Assess
    const puts = allowed.get('s3:PutObject') ?? [];
    expect(puts).toHaveLength(1);
    expect(puts[0]).toContain('/openlineage/*');
    expect(allowed.has('datazone:PostLineageEvent')).toBe(false);
  });

  it.each([
    ['dev', HTTP],
    ['dev', DATAZONE],
    ['prod', S3],
    ['prod', HTTP],
  ] as const)('Compliance: cdk-nag finds nothing unacknowledged on prt-%s with %j', (envName, settings) => {
    // Act
    const violations = nagViolations(synth(envName, settings));
    // Assess
    expect(violations).toEqual([]);
  });
});
