/**
 * What an operator of one environment looks at: a CloudWatch dashboard of the test runs and the
 * functions behind them, and three alarms that publish to the alert topic.
 *
 * - Dashboard: executions started/succeeded/failed; outputs passed/warned/failed and failed rules
 *   (the validate handler's EMF metrics, namespace WORKFLOW_METRICS_NAMESPACE, dimension `service`);
 *   validation duration; execution time; Lambda errors and throttles per function and the handlers'
 *   own `<Step>Errors`; rows validated and bytes converted; the dead-letter queue; and the latest
 *   ERROR lines of the functions' logs (Logs Insights). Per pipeline and output (dimensions
 *   `Pipeline`, `Output`): the quality score (rules passed / rules), outputs tested and the time
 *   from arrival to status; and, where the environment runs one, the canary's verdicts and alarm
 *   (showCanary).
 * - Alarms, each with the environment's threshold (cdk.json `alarms`):
 *   - failed executions in 5 minutes (failed validations count: each is an output that broke its
 *     contract, already alerted one by one; the alarm says "many at once");
 *   - failure rate: failed / started executions over 15 minutes, by metric math. 15 minutes, not 5,
 *     because a handful of executions per window makes a single failure look like a 50% rate;
 *   - dead-letter queue depth: an arrival EventBridge could not deliver after its retries is an
 *     output that was never tested, and nothing else reports it;
 *   - untested outputs: any output whose test ended in `error` (counted by the state machine's
 *     error path), so "the tester is unwell" is never mistaken for "the data is bad".
 *   Alarm and OK transitions both go to the topic, so the on-call address also learns when it clears.
 *
 * CloudWatch publishes to the topic as the `cloudwatch.amazonaws.com` service principal, limited to
 * this account by `aws:SourceAccount`; the topic's customer-managed key lets it encrypt (see
 * FailureAlerts: the AWS-managed SNS key would refuse it).
 *
 * The dashboard name carries the region because dashboard names are unique per account, not per
 * region: `prt-dev` deployed in two regions of one account would otherwise collide.
 *
 * @example
 * const monitoring = new Monitoring(this, 'Monitoring', { envName: 'prod', thresholds: config.alarms, stateMachine, functions, deadLetterQueue, alertTopic });
 * monitoring.dashboardUrl;
 */
import { Aws, Duration, Fn, Stack } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  AlarmWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  LogQueryWidget,
  MathExpression,
  Metric,
  Stats,
  TextWidget,
  TreatMissingData,
  type IMetric,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import type { Topic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import type { StateMachine } from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { AlarmThresholds } from './config/environment-config';
import { WORKFLOW_FUNCTIONS, type WorkflowFunction } from './config/workflow-definition';
import {
  CANARY_METRIC,
  OUTPUT_QUALITY_METRIC,
  RULE_FAILURE_METRIC,
} from '../lambdas/runtime/deployment-names';
import {
  CANARY_SERVICE,
  CONVERSION_METRICS,
  VALIDATION_METRICS,
  WORKFLOW_METRICS_NAMESPACE,
  serviceNameOf,
  stepNameOf,
  UNTESTED_METRICS,
} from './config/workflow-metrics';

export interface MonitoringProps {
  /** Environment name, shown on the dashboard. */
  readonly envName: string;
  readonly thresholds: AlarmThresholds;
  readonly stateMachine: StateMachine;
  /** The concrete functions: their log groups feed the dashboard's log query. */
  readonly functions: Readonly<Record<WorkflowFunction, LambdaFunction>>;
  /** The EventBridge target's dead-letter queue (ArrivalTrigger). */
  readonly deadLetterQueue: Queue;
  /** Where alarms publish (FailureAlerts). */
  readonly alertTopic: Topic;
}

/** Metrics are read at the alarms' 5-minute granularity unless stated otherwise. */
const PERIOD = Duration.minutes(5);
const RATE_PERIOD = Duration.minutes(15);
/** Outputs arrive a few times a day per pipeline: hourly points keep the quality lines readable. */
const QUALITY_PERIOD = Duration.hours(1);
/** The canary runs on a schedule of hours to a day: one point per day shows each verdict. */
const CANARY_PERIOD = Duration.days(1);

export class Monitoring extends Construct {
  readonly dashboard: Dashboard;
  readonly dashboardName: string;
  readonly failedExecutionsAlarm: Alarm;
  readonly failureRateAlarm: Alarm;
  readonly deadLettersAlarm: Alarm;
  /** Any output that could not be tested (status error), apart from outputs that failed. */
  readonly untestedOutputsAlarm: Alarm;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const { stateMachine, functions, thresholds } = props;
    const stackName = Stack.of(this).stackName;

    const started = stateMachine.metricStarted({ period: PERIOD, statistic: Stats.SUM, label: 'Started' });
    const succeeded = stateMachine.metricSucceeded({
      period: PERIOD,
      statistic: Stats.SUM,
      label: 'Succeeded',
    });
    const failed = stateMachine.metricFailed({ period: PERIOD, statistic: Stats.SUM, label: 'Failed' });
    const failureRate = new MathExpression({
      // No executions is no failure, not a division by zero (which CloudWatch reports as no data).
      expression: 'IF(started > 0, 100 * failed / started, 0)',
      usingMetrics: {
        started: stateMachine.metricStarted({ period: RATE_PERIOD, statistic: Stats.SUM }),
        failed: stateMachine.metricFailed({ period: RATE_PERIOD, statistic: Stats.SUM }),
      },
      period: RATE_PERIOD,
      label: 'Failed executions (% of started)',
    });
    const deadLetters = props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
      period: PERIOD,
      statistic: Stats.MAXIMUM,
      label: 'Undelivered arrival events',
    });

    this.failedExecutionsAlarm = new Alarm(this, 'FailedExecutions', {
      alarmName: `${stackName}-failed-executions`,
      alarmDescription: `${thresholds.failedExecutionsPer5Min} or more output-testing executions failed within 5 minutes (failed validations and processing errors). The registry items and the alert e-mails name the outputs.`,
      metric: failed,
      threshold: thresholds.failedExecutionsPer5Min,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.failureRateAlarm = new Alarm(this, 'FailureRate', {
      alarmName: `${stackName}-failure-rate`,
      alarmDescription: `${thresholds.failureRatePercent}% or more of the output-testing executions started in 15 minutes failed.`,
      metric: failureRate,
      threshold: thresholds.failureRatePercent,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    this.deadLettersAlarm = new Alarm(this, 'DeadLetters', {
      alarmName: `${stackName}-undelivered-arrivals`,
      alarmDescription: `${thresholds.dlqDepth} or more arrival events could not start the state machine after EventBridge's retries: those outputs were not tested. Inspect and redrive the dead-letter queue.`,
      metric: deadLetters,
      threshold: thresholds.dlqDepth,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      // SQS stops reporting an idle, empty queue: no data means nothing is waiting.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    // Counted by the state machine's error path (CountUntested), apart from the outputs that failed.
    const untested = new Metric({
      namespace: WORKFLOW_METRICS_NAMESPACE,
      metricName: UNTESTED_METRICS.errored,
      dimensionsMap: { service: UNTESTED_METRICS.service },
      statistic: Stats.SUM,
      period: PERIOD,
      label: 'Could not be tested (error)',
    });
    this.untestedOutputsAlarm = new Alarm(this, 'UntestedOutputs', {
      alarmName: `${stackName}-untested-outputs`,
      alarmDescription:
        'An output could not be tested (status error: a timeout, a crash, a contract that does not load, a dependency down after its retries). Nothing is known of its data: list them with prt outputs <pipeline> --status error and test them again (README "Errors and re-tests").',
      metric: untested,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    const alarms = [
      this.failedExecutionsAlarm,
      this.failureRateAlarm,
      this.deadLettersAlarm,
      this.untestedOutputsAlarm,
    ];
    const notify = new SnsAction(props.alertTopic);
    for (const alarm of alarms) {
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
    }
    props.alertTopic.grantPublish(
      new ServicePrincipal('cloudwatch.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    );

    const emf = (fn: WorkflowFunction, metricName: string, statistic: string, label: string): Metric =>
      new Metric({
        namespace: WORKFLOW_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: serviceNameOf(fn) },
        statistic,
        period: PERIOD,
        label,
      });
    const perFunction = (pick: (fn: WorkflowFunction) => IMetric): IMetric[] => WORKFLOW_FUNCTIONS.map(pick);

    this.dashboardName = Fn.join('-', [stackName, Aws.REGION]);
    this.dashboard = new Dashboard(this, 'Dashboard', {
      dashboardName: this.dashboardName,
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new TextWidget({
        markdown: [
          `# Pipeline Runtime Testing: ${props.envName}`,
          'Every object created under a watched prefix starts one execution. A failed execution is an',
          'output that broke its contract or could not be tested: its registry item holds the report,',
          'the failed rules and the error. See README "Operating it".',
        ].join('\n'),
        width: 8,
        height: 5,
      }),
      new AlarmStatusWidget({ title: 'Alarms', alarms, width: 16, height: 5 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Executions (per 5 min)',
        left: [started, succeeded, failed],
        leftYAxis: { min: 0 },
        width: 12,
      }),
      new GraphWidget({
        title: 'Failure rate (%, 15 min)',
        left: [failureRate],
        leftYAxis: { min: 0, max: 100 },
        leftAnnotations: [{ value: thresholds.failureRatePercent, label: 'alarm' }],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Outputs by result',
        left: [
          emf('validate', VALIDATION_METRICS.outputsPassed, Stats.SUM, 'Passed'),
          emf('validate', VALIDATION_METRICS.outputsWarned, Stats.SUM, 'Warned'),
          emf('validate', VALIDATION_METRICS.outputsFailed, Stats.SUM, 'Failed'),
          new Metric({
            namespace: WORKFLOW_METRICS_NAMESPACE,
            metricName: UNTESTED_METRICS.unreadable,
            dimensionsMap: { service: UNTESTED_METRICS.service },
            statistic: Stats.SUM,
            period: PERIOD,
            label: 'Failed: unreadable',
          }),
          untested,
        ],
        stacked: true,
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new GraphWidget({
        title: 'Failures by rule',
        left: [
          // One line per rule name that failed in the period, found by SEARCH over the Rule dimension.
          new MathExpression({
            expression: `SEARCH('{${WORKFLOW_METRICS_NAMESPACE},${RULE_FAILURE_METRIC.dimension},service} MetricName="${RULE_FAILURE_METRIC.name}" service="${serviceNameOf('validate')}"', 'Sum', ${PERIOD.toSeconds()})`,
            usingMetrics: {},
            label: '',
            period: PERIOD,
          }),
        ],
        right: [emf('validate', VALIDATION_METRICS.rulesFailed, Stats.SUM, 'All rules (sum over outputs)')],
        leftYAxis: { min: 0 },
        rightYAxis: { min: 0 },
        width: 8,
      }),
      new GraphWidget({
        title: 'Validation duration (ms)',
        left: [
          emf('validate', `${stepNameOf('validate')}Duration`, Stats.p(50), 'p50'),
          emf('validate', `${stepNameOf('validate')}Duration`, Stats.p(90), 'p90'),
          emf('validate', `${stepNameOf('validate')}Duration`, Stats.MAXIMUM, 'max'),
        ],
        leftYAxis: { min: 0 },
        width: 8,
      }),
    );
    // Per pipeline and per output: pipelines and outputs come from contracts deployed after the
    // stack, so the lines are found by SEARCH over the dimensions the validate handler writes.
    const search = (dimensions: readonly string[], metricName: string, statistic: string, period: Duration) =>
      new MathExpression({
        expression: `SEARCH('{${[WORKFLOW_METRICS_NAMESPACE, ...dimensions, 'service'].join(',')}} MetricName="${metricName}" service="${serviceNameOf('validate')}"', '${statistic}', ${period.toSeconds()})`,
        usingMetrics: {},
        label: '',
        period,
      });
    const { pipelineDimension, outputDimension } = OUTPUT_QUALITY_METRIC;
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Quality score per output (% of rules passed, hourly average)',
        left: [
          search(
            [outputDimension, pipelineDimension],
            OUTPUT_QUALITY_METRIC.qualityScore,
            'Average',
            QUALITY_PERIOD,
          ),
        ],
        leftYAxis: { min: 0, max: 100 },
        width: 8,
      }),
      new GraphWidget({
        title: 'Outputs tested per pipeline (hourly)',
        left: [search([pipelineDimension], OUTPUT_QUALITY_METRIC.outputsTested, 'Sum', QUALITY_PERIOD)],
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new GraphWidget({
        title: 'Arrival to status per pipeline (ms, p90)',
        left: [search([pipelineDimension], OUTPUT_QUALITY_METRIC.arrivalToStatus, 'p90', PERIOD)],
        leftYAxis: { min: 0 },
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Lambda errors',
        left: perFunction((fn) =>
          functions[fn].metricErrors({ period: PERIOD, statistic: Stats.SUM, label: fn }),
        ),
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new GraphWidget({
        title: 'Lambda throttles',
        left: perFunction((fn) =>
          functions[fn].metricThrottles({ period: PERIOD, statistic: Stats.SUM, label: fn }),
        ),
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new GraphWidget({
        title: 'Step errors (typed, after the handler ran)',
        left: perFunction((fn) => emf(fn, `${stepNameOf(fn)}Errors`, Stats.SUM, fn)),
        leftYAxis: { min: 0 },
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Execution time (ms)',
        left: [
          stateMachine.metricTime({ period: PERIOD, statistic: Stats.p(50), label: 'p50' }),
          stateMachine.metricTime({ period: PERIOD, statistic: Stats.p(90), label: 'p90' }),
        ],
        leftYAxis: { min: 0 },
        width: 8,
      }),
      new GraphWidget({
        title: 'Volume',
        left: [emf('validate', VALIDATION_METRICS.rowsValidated, Stats.SUM, 'Rows validated')],
        right: [emf('convert', CONVERSION_METRICS.bytesConverted, Stats.SUM, 'Bytes converted')],
        leftYAxis: { min: 0 },
        rightYAxis: { min: 0 },
        width: 8,
      }),
      new GraphWidget({
        title: 'Dead-letter queue (undelivered arrivals)',
        left: [deadLetters],
        leftYAxis: { min: 0 },
        leftAnnotations: [{ value: thresholds.dlqDepth, label: 'alarm' }],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new LogQueryWidget({
        title: 'Latest errors logged by the functions',
        logGroupNames: WORKFLOW_FUNCTIONS.map((fn) => functions[fn].logGroup.logGroupName),
        queryLines: [
          'fields @timestamp, service, message, errorName, errorMessage, object, execution',
          'filter level = "ERROR"',
          'sort @timestamp desc',
          'limit 50',
        ],
        width: 24,
        height: 8,
      }),
    );
  }

  /**
   * The synthetic canary's widget: its verdicts (the canary function's metrics) and its alarm,
   * which fires on a failed or timed-out run. Added once the stack has built the canary, where the
   * environment runs one.
   */
  showCanary(canary: { readonly failureAlarm: Alarm }): void {
    const verdict = (metricName: string, label: string): Metric =>
      new Metric({
        namespace: WORKFLOW_METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: CANARY_SERVICE },
        statistic: Stats.SUM,
        period: CANARY_PERIOD,
        label,
      });
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Synthetic canary: verdicts (per day)',
        left: [verdict(CANARY_METRIC.passed, 'Passed'), verdict(CANARY_METRIC.failed, 'Failed')],
        right: [verdict(CANARY_METRIC.differences, 'Cases not as generated')],
        leftYAxis: { min: 0 },
        rightYAxis: { min: 0 },
        width: 12,
      }),
      new AlarmWidget({
        title: 'Synthetic canary: failed or timed-out runs',
        alarm: canary.failureAlarm,
        leftYAxis: { min: 0 },
        width: 12,
      }),
    );
  }

  /** Console address of the dashboard, for the stack outputs. */
  get dashboardUrl(): string {
    return `https://console.aws.amazon.com/cloudwatch/home?region=${Aws.REGION}#dashboards:name=${this.dashboardName}`;
  }
}
