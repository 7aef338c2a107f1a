/**
 * One environment of Pipeline Runtime Testing: the outputs bucket pipelines write to, the rule that
 * turns each new object into a state machine execution, the functions and the state machine that
 * test it, the registry that remembers the result, and the topic that reports failures.
 *
 * The stack only composes; each concern lives in its own construct, and every permission is granted
 * by the construct that owns the resource.
 *
 * @example
 * new OutputTestingStack(app, 'prt-dev', { config: selectEnvironment(environments, 'dev') });
 */
import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AccessLogsBucket } from './access-logs-bucket';
import { ArrivalTrigger } from './arrival-trigger';
import { ArtifactsBucket } from './artifacts-bucket';
import { DataKey } from './data-key';
import { FailureAlerts } from './failure-alerts';
import { GenerateFunction } from './generate-function';
import { OpenLineageEmitter } from './openlineage-emitter';
import { PrepareInputsWorkflow } from './prepare-inputs-workflow';
import { StagingAcceptance } from './staging-acceptance';
import {
  DOWNLOAD_HANDLER_ENTRY,
  PREPARE_INPUTS_ASL,
  PREPARE_INPUTS_OUTPUT,
} from './config/prepare-inputs-definition';
import { SyntheticCanary } from './synthetic-canary';
import { CanaryAfterDeploy } from './canary-after-deploy';
import { ExpectedOutputs } from './expected-outputs';
import { EXPECTED_OUTPUTS_ASL } from './config/expected-outputs-definition';
import { expectationsInFolder } from '../lambdas/runtime/contract-expectations';
import { Monitoring } from './monitoring';
import { acknowledgeGrants, grantFindings } from './nag-acknowledgments';
import { RegistryTable } from './registry-table';
import { ResultsDataset } from './results-dataset';
import { RunReportWriter } from './run-report-writer';
import { OutputsBucket } from './outputs-bucket';
import { projectPath } from './config/project-paths';
import { arrivalPrefixes, type EnvironmentConfig } from './config/environment-config';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';
import {
  OUTPUT_TESTING_ASL,
  SYNTHETIC_CANARY_ASL,
  WORKFLOW_FUNCTIONS,
  handlerEntry,
  type WorkflowFunction,
} from './config/workflow-definition';
import { TestingWorkflow } from './testing-workflow';
import { WorkflowFunctions } from './workflow-functions';

export interface OutputTestingStackProps extends StackProps {
  readonly config: EnvironmentConfig;
}

export class OutputTestingStack extends Stack {
  readonly config: EnvironmentConfig;
  /** The environment's customer-managed key; only where the environment sets `kms`. */
  readonly dataKey: DataKey | undefined;
  readonly accessLogs: AccessLogsBucket | undefined;
  readonly outputs: OutputsBucket;
  readonly artifacts: ArtifactsBucket;
  readonly registry: RegistryTable;
  readonly alerts: FailureAlerts;
  readonly functions: WorkflowFunctions;
  readonly workflow: TestingWorkflow;
  readonly trigger: ArrivalTrigger;
  readonly monitoring: Monitoring;
  readonly generate: GenerateFunction;
  readonly prepareInputs: PrepareInputsWorkflow;
  /** Roles other environments assume to stage into this one; absent where none is accepted. */
  readonly stagingAcceptance?: StagingAcceptance;
  readonly results: ResultsDataset;
  /** The synthetic canary, where the environment configures one. */
  readonly canary?: SyntheticCanary;
  /** The OpenLineage function and rule, where the environment sets `openLineage`. */
  readonly openLineage?: OpenLineageEmitter;
  /** Rewrites a pipeline run's report under reports/runs/ each time an output of the run is tested. */
  readonly runReports: RunReportWriter;
  /** The canary run right after each deployment, where the environment asks for it (canary.afterDeploy). */
  readonly canaryAfterDeploy?: CanaryAfterDeploy;
  /** Deadline checks of expected outputs, where a contract declares `expected:`. */
  readonly expected?: ExpectedOutputs;

  constructor(scope: Construct, id: string, props: OutputTestingStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.config = config;
    const removalMode = config.removalPolicy;
    Tags.of(this).add('project', 'pipeline-runtime-testing');
    Tags.of(this).add('environment', config.name);

    this.dataKey = config.kms
      ? new DataKey(this, 'DataKey', { envName: config.name, removalMode })
      : undefined;
    const encryptionKey = this.dataKey?.key;

    // Access logs only where data is retained; see AccessLogsBucket for why not in destroy environments.
    this.accessLogs =
      removalMode === 'retain'
        ? new AccessLogsBucket(this, 'AccessLogs', { removalMode, expirationDays: config.logRetentionDays })
        : undefined;
    const accessLogsTo = (prefix: string) =>
      this.accessLogs ? { bucket: this.accessLogs.bucket, prefix } : undefined;

    this.outputs = new OutputsBucket(this, 'Outputs', {
      removalMode,
      accessLogs: accessLogsTo('outputs/'),
      encryptionKey,
      noncurrentVersionDays: config.retention.outputsNoncurrentDays,
    });
    this.artifacts = new ArtifactsBucket(this, 'Artifacts', {
      removalMode,
      contractsDirectory: projectPath('contracts'),
      accessLogs: accessLogsTo('artifacts/'),
      logRetentionDays: config.logRetentionDays,
      encryptionKey,
      retention: config.retention,
    });
    this.registry = new RegistryTable(this, 'Registry', { removalMode, encryptionKey });
    this.results = new ResultsDataset(this, 'Results', {
      envName: config.name,
      artifacts: this.artifacts,
      encryptionKey,
    });
    this.alerts = new FailureAlerts(this, 'Alerts', {
      alertEmail: config.alertEmail,
      removalMode,
      encryptionKey,
    });

    const entries = Object.fromEntries(
      WORKFLOW_FUNCTIONS.map((fn) => [fn, projectPath(handlerEntry(fn))]),
    ) as Record<WorkflowFunction, string>;
    this.functions = new WorkflowFunctions(this, 'Functions', {
      config,
      outputs: this.outputs,
      artifacts: this.artifacts,
      registry: this.registry,
      entries,
      depsLockFilePath: projectPath('package-lock.json'),
      encryptionKey,
    });
    this.workflow = new TestingWorkflow(this, 'Workflow', {
      config,
      definitionFile: projectPath(OUTPUT_TESTING_ASL),
      functions: this.functions.byName,
      registry: this.registry,
      alertTopic: this.alerts.topic,
      artifacts: this.artifacts,
      encryptionKey,
    });
    this.trigger = new ArrivalTrigger(this, 'Trigger', {
      bucketName: this.outputs.bucket.bucketName,
      watchedPrefixes: arrivalPrefixes(config),
      partitionedPrefixes: config.partitions.prefixes,
      stateMachine: this.workflow.stateMachine,
      removalMode,
      dataKey: this.dataKey,
    });
    this.monitoring = new Monitoring(this, 'Monitoring', {
      envName: config.name,
      thresholds: config.alarms,
      stateMachine: this.workflow.stateMachine,
      functions: this.functions.byName,
      deadLetterQueue: this.trigger.deadLetterQueue,
      alertTopic: this.alerts.topic,
    });

    const generate = new GenerateFunction(this, 'Generate', {
      config,
      outputs: this.outputs,
      artifacts: this.artifacts,
      registry: this.registry,
      entry: projectPath('lambdas/generate/handler.ts'),
      depsLockFilePath: projectPath('package-lock.json'),
      encryptionKey,
    });
    this.generate = generate;
    // cdk-nag: the wildcards of the generate function's own grants (contracts read, put under its
    // synthetic prefix), on its role's policy only.
    acknowledgeGrants(generate.function.role!, [
      ...grantFindings.objectsUnder(this.artifacts.bucket, ARTIFACT_PREFIXES.contracts, 'reads'),
      ...grantFindings.objectsUnder(this.outputs.bucket, generate.syntheticPrefix, 'writes'),
    ]);
    new CfnOutput(this, 'GenerateFunctionName', {
      value: generate.function.functionName,
      description: 'Synthetic data generator (invoke with {"output": "pipeline/step/output", "rows": 1000})',
    });

    this.prepareInputs = new PrepareInputsWorkflow(this, 'PrepareInputs', {
      config,
      outputs: this.outputs,
      artifacts: this.artifacts,
      registry: this.registry,
      entry: projectPath(DOWNLOAD_HANDLER_ENTRY),
      depsLockFilePath: projectPath('package-lock.json'),
      definitionFile: projectPath(PREPARE_INPUTS_ASL),
      encryptionKey,
    });
    new CfnOutput(this, PREPARE_INPUTS_OUTPUT, {
      value: this.prepareInputs.stateMachine.stateMachineArn,
      description: 'Stages a step\'s declared inputs (start with {"step": "pipeline/step", "runId": "..."})',
    });
    // Other environments' download functions staging into this one (staging.acceptFrom).
    if (config.staging.acceptFrom.length > 0)
      this.stagingAcceptance = new StagingAcceptance(this, 'StagingAcceptance', {
        config,
        outputs: this.outputs,
      });
    if (config.openLineage)
      this.openLineage = new OpenLineageEmitter(this, 'OpenLineage', {
        config,
        settings: config.openLineage,
        artifacts: this.artifacts,
        registry: this.registry,
        alertTopic: this.alerts.topic,
        encryptionKey,
        dataKey: this.dataKey,
        entry: projectPath('lambdas/openlineage/handler.ts'),
        depsLockFilePath: projectPath('package-lock.json'),
      });
    this.runReports = new RunReportWriter(this, 'RunReports', {
      config,
      artifacts: this.artifacts,
      registry: this.registry,
      alertTopic: this.alerts.topic,
      encryptionKey,
      dataKey: this.dataKey,
      entry: projectPath('lambdas/run-report/handler.ts'),
      depsLockFilePath: projectPath('package-lock.json'),
    });
    if (config.canary) {
      this.canary = new SyntheticCanary(this, 'Canary', {
        config,
        settings: config.canary,
        generate,
        outputs: this.outputs,
        artifacts: this.artifacts,
        registry: this.registry,
        alertTopic: this.alerts.topic,
        encryptionKey,
        entry: projectPath('lambdas/canary/handler.ts'),
        depsLockFilePath: projectPath('package-lock.json'),
        definitionFile: projectPath(SYNTHETIC_CANARY_ASL),
      });
      this.monitoring.showCanary(this.canary);
      if (config.canary.afterDeploy)
        this.canaryAfterDeploy = new CanaryAfterDeploy(this, 'CanaryAfterDeploy', {
          config,
          settings: config.canary,
          stateMachine: this.canary.stateMachine,
          encryptionKey,
          entry: projectPath('lambdas/canary-after-deploy/handler.ts'),
          depsLockFilePath: projectPath('package-lock.json'),
          // Everything the canary exercises: its own machine, the output-testing workflow and the arrival rule.
          executeAfter: [this.canary, this.workflow, this.functions, this.trigger, generate],
        });
      new CfnOutput(this, 'CanaryStateMachineArn', {
        value: this.canary.stateMachine.stateMachineArn,
        description: 'The synthetic canary (prt canary --remote, or start an execution with {})',
      });
    }

    // Contracts that declare when versions are due get their schedules (decision 0025).
    const contractsDirectory = projectPath('contracts');
    const folderExpectations = expectationsInFolder(contractsDirectory);
    if (folderExpectations.schedules.length > 0 || folderExpectations.relative > 0)
      this.expected = new ExpectedOutputs(this, 'Expected', {
        config,
        registry: this.registry,
        artifacts: this.artifacts,
        alertTopic: this.alerts.topic,
        encryptionKey,
        contractsDirectory,
        entry: projectPath('lambdas/check-expected/handler.ts'),
        depsLockFilePath: projectPath('package-lock.json'),
        definitionFile: projectPath(EXPECTED_OUTPUTS_ASL),
      });

    new CfnOutput(this, 'OutputsBucketName', {
      value: this.outputs.bucket.bucketName,
      description: 'Bucket pipelines write their outputs to',
    });
    new CfnOutput(this, 'ArtifactsBucketName', {
      value: this.artifacts.bucket.bucketName,
      description: 'Contracts, reports, quarantine and converted outputs',
    });
    new CfnOutput(this, 'RegistryTableName', {
      value: this.registry.table.tableName,
      description: 'Registry of output versions, test statuses and lineage',
    });
    new CfnOutput(this, 'StateMachineArn', {
      value: this.workflow.stateMachine.stateMachineArn,
      description: 'The output-testing state machine',
    });
    new CfnOutput(this, 'AlertTopicArn', {
      value: this.alerts.topic.topicArn,
      description: 'Failure alerts (confirm the e-mail subscription once)',
    });
    new CfnOutput(this, 'DashboardName', {
      value: this.monitoring.dashboardName,
      description: 'CloudWatch dashboard of executions, failures, durations and Lambda errors',
    });
    new CfnOutput(this, 'DashboardUrl', { value: this.monitoring.dashboardUrl });
    new CfnOutput(this, 'ResultsDatabaseName', {
      value: this.results.databaseName,
      description: 'Glue database of the results dataset (query it in the ResultsWorkGroupName workgroup)',
    });
    new CfnOutput(this, 'ResultsWorkGroupName', {
      value: this.results.workGroupName,
      description: 'Athena workgroup for the results dataset',
    });
    new CfnOutput(this, 'DeadLetterQueueUrl', {
      value: this.trigger.deadLetterQueue.queueUrl,
      description: 'Arrival events EventBridge could not deliver (outputs not tested); redrive from here',
    });
  }
}
