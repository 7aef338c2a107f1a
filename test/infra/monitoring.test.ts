/**
 * Monitoring on the synthesized stack of every environment: the three alarms (failed executions,
 * failure rate by metric math, dead-letter queue depth) with the environment's thresholds, sending
 * alarm and OK to the alert topic; a dashboard that reads the metrics the handlers actually emit
 * (namespace, metric names and `service` dimension checked against the handler sources, because a
 * wrong name is an empty graph, never an error).
 */
import { readFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { METRICS_NAMESPACE } from '../../lambdas/runtime/observability';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { projectPath } from '../../lib/config/project-paths';
import type { EnvironmentConfig } from '../../lib/config/environment-config';
import { WORKFLOW_FUNCTIONS, handlerEntry } from '../../lib/config/workflow-definition';
import {
  CANARY_METRIC,
  OUTPUT_QUALITY_METRIC,
  RULE_FAILURE_METRIC,
} from '../../lambdas/runtime/deployment-names';
import {
  CANARY_SERVICE,
  CONVERSION_METRICS,
  VALIDATION_METRICS,
  WORKFLOW_METRICS_NAMESPACE,
  serviceNameOf,
  stepNameOf,
  UNTESTED_METRICS,
} from '../../lib/config/workflow-metrics';
import { ENVIRONMENT_NAMES, environmentConfig } from '../fixtures/cdk-environments';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

interface Widget {
  readonly type: string;
  readonly properties: { readonly title?: string; readonly metrics?: unknown[][]; readonly query?: string };
}

/**
 * The dashboard body as JSON, with each CloudFormation reference inside it replaced by a readable
 * placeholder (`«Ref:Id»`, `«GetAtt:Id.Attr»`), so widgets can be asserted as data.
 */
function dashboardWidgets(resource: Resource): Widget[] {
  const parts = (resource.Properties['DashboardBody'] as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1];
  const text = parts
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref !== undefined) return `«Ref:${ref}»`;
      const [id, attribute] = (part as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'];
      return `«GetAtt:${id}.${attribute}»`;
    })
    .join('');
  return (JSON.parse(text) as { widgets: Widget[] }).widgets;
}

/** `[namespace, name, dimension, value]` of every metric line of every graph. */
function graphedMetrics(widgets: readonly Widget[]): string[] {
  return widgets
    .flatMap((w) => w.properties.metrics ?? [])
    .map((line) => line.filter((part) => typeof part === 'string').join(' '));
}

describe.each(ENVIRONMENT_NAMES)('monitoring of prt-%s', (envName) => {
  let config: EnvironmentConfig;
  let stack: OutputTestingStack;
  let resources: Record<string, Resource>;
  let id: (construct: { node: { defaultChild?: unknown } }) => string;

  beforeAll(() => {
    // Prepare: bundling is irrelevant to alarms and dashboards, so it is skipped.
    config = environmentConfig(envName);
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    stack = new OutputTestingStack(app, `prt-${envName}`, { config });
    resources = (Template.fromStack(stack).toJSON() as { Resources: Record<string, Resource> }).Resources;
    id = (construct) =>
      stack.resolve((construct.node.defaultChild as { logicalId: string }).logicalId) as string;
  });

  const alarm = (
    name: 'failedExecutionsAlarm' | 'failureRateAlarm' | 'deadLettersAlarm' | 'untestedOutputsAlarm',
  ) => resources[id(stack.monitoring[name])]!.Properties;

  it('alarms on failed executions per 5 minutes at the configured threshold', () => {
    // Act
    const failed = alarm('failedExecutionsAlarm');
    // Assess
    expect(failed).toMatchObject({
      Threshold: config.alarms.failedExecutionsPer5Min,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      EvaluationPeriods: 1,
      TreatMissingData: 'notBreaching',
      Metrics: [
        {
          MetricStat: {
            Metric: {
              Namespace: 'AWS/States',
              MetricName: 'ExecutionsFailed',
              Dimensions: [{ Name: 'StateMachineArn', Value: { Ref: id(stack.workflow.stateMachine) } }],
            },
            Period: 300,
            Stat: 'Sum',
          },
        },
      ],
    });
  });

  it('alarms on the failure rate, failed / started over 15 minutes, by metric math', () => {
    // Act
    const rate = alarm('failureRateAlarm');
    const metrics = rate['Metrics'] as { Id: string; Expression?: string; MetricStat?: unknown }[];
    // Assess
    expect(rate['Threshold']).toBe(config.alarms.failureRatePercent);
    expect(metrics.find((m) => m.Expression)?.Expression).toBe('IF(started > 0, 100 * failed / started, 0)');
    const machine = { Ref: id(stack.workflow.stateMachine) };
    expect(metrics.filter((m) => m.MetricStat)).toEqual([
      expect.objectContaining({
        Id: 'started',
        MetricStat: expect.objectContaining({
          Metric: expect.objectContaining({
            MetricName: 'ExecutionsStarted',
            Dimensions: [{ Name: 'StateMachineArn', Value: machine }],
          }) as unknown,
          Period: 900,
          Stat: 'Sum',
        }) as unknown,
      }),
      expect.objectContaining({
        Id: 'failed',
        MetricStat: expect.objectContaining({
          Metric: expect.objectContaining({
            MetricName: 'ExecutionsFailed',
            Dimensions: [{ Name: 'StateMachineArn', Value: machine }],
          }) as unknown,
          Period: 900,
          Stat: 'Sum',
        }) as unknown,
      }),
    ]);
  });

  it("alarms on the depth of the EventBridge target's dead-letter queue", () => {
    // Act
    const deadLetters = alarm('deadLettersAlarm');
    // Assess
    expect(deadLetters).toMatchObject({
      Threshold: config.alarms.dlqDepth,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: [
        {
          MetricStat: {
            Metric: {
              Namespace: 'AWS/SQS',
              MetricName: 'ApproximateNumberOfMessagesVisible',
              Dimensions: [
                {
                  Name: 'QueueName',
                  Value: { 'Fn::GetAtt': [id(stack.trigger.deadLetterQueue), 'QueueName'] },
                },
              ],
            },
            Stat: 'Maximum',
          },
        },
      ],
    });
  });

  it('alarms on any output that could not be tested (status error), counted apart from failed ones', () => {
    // Act
    const untested = alarm('untestedOutputsAlarm');
    // Assess
    expect(untested).toMatchObject({
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: [
        {
          MetricStat: {
            Metric: {
              Namespace: WORKFLOW_METRICS_NAMESPACE,
              MetricName: UNTESTED_METRICS.errored,
              Dimensions: [{ Name: 'service', Value: UNTESTED_METRICS.service }],
            },
            Stat: 'Sum',
          },
        },
      ],
    });
  });

  it('sends alarm and OK of every alarm, and nothing else, to the alert topic', () => {
    // Act
    const alarms = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm');
    const topic = { Ref: id(stack.alerts.topic) };
    // Assess: the four of the output-testing workflow, the run reports' unwritten events, and the
    // canary's where the environment runs one
    expect(alarms).toHaveLength(config.canary ? 6 : 5);
    for (const a of alarms) {
      expect([a.Properties['AlarmActions'], a.Properties['OKActions']]).toEqual([[topic], [topic]]);
      expect(a.Properties['AlarmName']).toMatch(new RegExp(`^prt-${envName}-`));
    }
  });

  describe('dashboard', () => {
    let widgets: Widget[];
    let metrics: string[];

    beforeAll(() => {
      // Prepare
      const [dashboard] = Object.values(resources).filter((r) => r.Type === 'AWS::CloudWatch::Dashboard');
      widgets = dashboardWidgets(dashboard!);
      metrics = graphedMetrics(widgets);
    });

    it('graphs executions started, succeeded and failed', () => {
      // Prepare
      const machine = `«Ref:${id(stack.workflow.stateMachine)}»`;
      // Assess
      for (const name of ['ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed']) {
        expect(metrics).toContain(`AWS/States ${name} StateMachineArn ${machine}`);
      }
    });

    it('graphs Lambda errors and throttles of every workflow function', () => {
      // Assess
      for (const fn of WORKFLOW_FUNCTIONS) {
        const functionName = `«Ref:${id(stack.functions.byName[fn])}»`;
        expect(metrics).toContain(`AWS/Lambda Errors FunctionName ${functionName}`);
        expect(metrics).toContain(`AWS/Lambda Throttles FunctionName ${functionName}`);
      }
    });

    it("graphs the handlers' EMF metrics: outputs by result, failed rules, validation duration, volume, step errors", () => {
      // Prepare
      const emf = (service: string, name: string) =>
        `${WORKFLOW_METRICS_NAMESPACE} ${name} service ${service}`;
      // Assess
      for (const name of Object.values(VALIDATION_METRICS)) expect(metrics).toContain(emf('validate', name));
      expect(metrics).toContain(emf('convert', CONVERSION_METRICS.bytesConverted));
      expect(metrics).toContain(emf('validate', 'ValidateDuration'));
      for (const fn of WORKFLOW_FUNCTIONS) {
        expect(metrics).toContain(emf(serviceNameOf(fn), `${stepNameOf(fn)}Errors`));
      }
    });

    it('graphs failures by rule: one line per rule the validate handler reported, found by SEARCH', () => {
      // Act
      const expressions = widgets
        .flatMap((w) => w.properties.metrics ?? [])
        .flatMap((line) => line.filter((part): part is { expression: string } => typeof part === 'object'))
        .map((part) => part.expression)
        .filter((e): e is string => typeof e === 'string');
      // Assess
      expect(expressions).toContain(
        `SEARCH('{${WORKFLOW_METRICS_NAMESPACE},${RULE_FAILURE_METRIC.dimension},service} MetricName="${RULE_FAILURE_METRIC.name}" service="validate"', 'Sum', 300)`,
      );
    });

    it('graphs the quality score per pipeline and output, outputs tested and arrival to status per pipeline, by SEARCH', () => {
      // Act
      const expressions = widgets
        .flatMap((w) => w.properties.metrics ?? [])
        .flatMap((line) => line.filter((part): part is { expression: string } => typeof part === 'object'))
        .map((part) => part.expression);
      const { pipelineDimension: pipeline, outputDimension: output } = OUTPUT_QUALITY_METRIC;
      const search = (dims: string, name: string, stat: string, period: number) =>
        `SEARCH('{${WORKFLOW_METRICS_NAMESPACE},${dims},service} MetricName="${name}" service="validate"', '${stat}', ${period})`;
      // Assess: the dimension sets are exactly the handler's (step-metrics.ts), none naming a run or version.
      expect(expressions).toContain(
        search(`${output},${pipeline}`, OUTPUT_QUALITY_METRIC.qualityScore, 'Average', 3600),
      );
      expect(expressions).toContain(search(pipeline, OUTPUT_QUALITY_METRIC.outputsTested, 'Sum', 3600));
      expect(expressions).toContain(search(pipeline, OUTPUT_QUALITY_METRIC.arrivalToStatus, 'p90', 300));
    });

    it("graphs the canary's verdicts and its failure alarm where the environment runs one", () => {
      // Prepare
      const verdict = (name: string) => `${WORKFLOW_METRICS_NAMESPACE} ${name} service ${CANARY_SERVICE}`;
      const canaryWidgets = widgets.filter((w) => w.properties.title?.startsWith('Synthetic canary'));
      const expected = stack.canary ? Object.values(CANARY_METRIC).map(verdict) : [];
      const alarmArn = stack.canary ? `«GetAtt:${id(stack.canary.failureAlarm)}.Arn»` : 'no canary alarm';
      // Assess
      expect(metrics.filter((m) => m.endsWith(` service ${CANARY_SERVICE}`))).toEqual(expected);
      expect(JSON.stringify(canaryWidgets).includes(alarmArn)).toBe(stack.canary !== undefined);
    });

    it('graphs the dead-letter queue and shows the alarms', () => {
      // Assess
      expect(metrics).toContain(
        `AWS/SQS ApproximateNumberOfMessagesVisible QueueName «GetAtt:${id(stack.trigger.deadLetterQueue)}.QueueName»`,
      );
      expect(widgets.filter((w) => w.type === 'alarm')).toHaveLength(1);
    });

    it("queries the ERROR lines of every function's log group", () => {
      // Act
      const [logs] = widgets.filter((w) => w.type === 'log');
      // Assess
      for (const fn of WORKFLOW_FUNCTIONS) {
        expect(logs?.properties.query).toContain(`«Ref:${id(stack.functions.byName[fn].logGroup)}»`);
      }
      expect(logs?.properties.query).toContain('filter level = "ERROR"');
    });
  });
});

describe('the metrics the dashboard reads are the ones the handlers write', () => {
  it('uses the namespace of lambdas/runtime/observability.ts', () => {
    // Assess
    expect(WORKFLOW_METRICS_NAMESPACE).toBe(METRICS_NAMESPACE);
  });

  it.each(WORKFLOW_FUNCTIONS)('%s handler uses the service and step names the dashboard expects', (fn) => {
    // Act
    const source = readFileSync(projectPath(handlerEntry(fn)), 'utf8');
    // Assess
    expect(source).toContain(`createObservability('${serviceNameOf(fn)}')`);
    expect(source).toMatch(new RegExp(`stepHandler(<[^>]*>)?\\(\\s*o,\\s*'${stepNameOf(fn)}'`));
  });

  it('the canary handler uses the service name its dashboard widget reads', () => {
    // Act
    const source = readFileSync(projectPath('lambdas/canary/handler.ts'), 'utf8');
    // Assess
    expect(source).toContain(`createObservability('${CANARY_SERVICE}')`);
    expect(source).toContain('countCanary(o.metrics');
  });

  it('validate and convert name the metrics the dashboard graphs', () => {
    // Act: validate and convert count through the step metrics module.
    const validate = readFileSync(projectPath('lambdas/runtime/step-metrics.ts'), 'utf8');
    const convert = validate;
    // Assess: OutputsPassed/Warned/Failed are built from the status, as `Outputs${Status}`.
    expect(validate).toContain(`'${VALIDATION_METRICS.rowsValidated}'`);
    expect(validate).toContain(`'${VALIDATION_METRICS.rulesFailed}'`);
    expect(validate).toContain('`Outputs${');
    expect(convert).toContain(`'${CONVERSION_METRICS.bytesConverted}'`);
  });

  it('validate counts the tested output after every verdict', () => {
    // Act
    const source = readFileSync(projectPath('lambdas/validate/handler.ts'), 'utf8');
    // Assess
    expect(source).toContain('countTestedOutput(o.metrics, request, outcome');
  });
});
