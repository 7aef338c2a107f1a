/**
 * The output-testing ASL file on its own, with its `${...}` placeholders in place: valid Amazon
 * States Language, every Task retries and catches, and no execution ends without a registry status.
 * Each rule has a Compliance case (the real file) and Noncompliance cases (mutated copies) that prove
 * the check can fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import aslValidator from 'asl-validator';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/config/project-paths';
import {
  ALERT_TOPIC_SUBSTITUTION,
  ENVIRONMENT_NAME_SUBSTITUTION,
  S3_OBJECT_ARN_PREFIX_SUBSTITUTION,
  ARTIFACTS_BUCKET_SUBSTITUTION,
  FUNCTION_TIMEOUT_SECONDS,
  MAP_RUNS_PREFIX_SUBSTITUTION,
  OUTPUT_TESTING_ASL,
  PARTITION_SUBSTITUTIONS,
  REGISTRY_TABLE_SUBSTITUTION,
  WORKFLOW_FUNCTIONS,
  functionArnSubstitution,
  type WorkflowFunction,
} from '../../lib/config/workflow-definition';
import {
  catchesThatSkipTheRegistry,
  dynamoTasksNotRetrying,
  tasksMissingRetryOrCatch,
  walkPaths,
  type AslDefinition,
  type AslState,
} from './asl-status-paths';
import { UNTESTED_METRICS, WORKFLOW_METRICS_NAMESPACE } from '../../lib/config/workflow-metrics';
import { TRANSIENT_DYNAMO_ERRORS } from '../../lambdas/adapters/aws/dynamo-errors';
import { EXPECTATION_LIMITS } from '../../lambdas/core/expectations';

/**
 * Ends that are reached without a registry status, on purpose: noise is never registered, Register
 * itself records untracked keys, a duplicate delivery belongs to the execution that owns it, a part
 * of a partitioned output is tested with its folder, and a marker no partitioned contract claims
 * completes nothing.
 */
const DOCUMENTED_UNRECORDED_ENDS = [
  'IgnoredNoise',
  'Untracked',
  'AlreadyRegistered',
  'PartOfPartitionedOutput',
  'IgnoredMarker',
  // A deletion tests nothing: the register function records it on the versions it removed, and a
  // failure to do so is alerted (there is no version of its own to record it on).
  'Deleted',
  'DeletionNotRecorded',
];
/** Catches that cannot reach a status record, for the reason above: they alert instead. */
const DOCUMENTED_ALERT_ONLY_CATCHES = ['RecordDeletion -> AlertDeletionNotRecorded'];

const ASL_TEXT = readFileSync(projectPath(OUTPUT_TESTING_ASL), 'utf8');

/** A fresh copy per call: asl-validator and the Noncompliance cases mutate what they are given. */
function loadDefinition(): AslDefinition {
  return JSON.parse(ASL_TEXT) as AslDefinition;
}

/** A copy of the definition with one state replaced. */
function withState(name: string, change: (state: AslState) => AslState): AslDefinition {
  const definition = loadDefinition();
  const state = definition.States[name];
  if (!state) throw new Error(`no state ${name}`);
  return { ...definition, States: { ...definition.States, [name]: change(state) } };
}

describe('output-testing ASL', () => {
  describe('asl-validator', () => {
    it('Compliance: the file is valid Amazon States Language with its placeholders in place', () => {
      // Prepare
      const definition = loadDefinition();
      // Act
      const result = aslValidator(definition, { checkPaths: true, checkArn: true });
      // Assess
      expect(result.errorsText('\n')).toBe('');
      expect(result.isValid).toBe(true);
    });

    it('Noncompliance 1: a transition to a missing state is reported', () => {
      // Prepare
      const definition = withState('Inspect', (s) => ({ ...s, Next: 'NoSuchState' }));
      // Act
      const result = aslValidator(definition, { checkPaths: true, checkArn: true });
      // Assess
      expect(result.isValid).toBe(false);
      expect(result.errorsText('\n')).toContain('NoSuchState');
    });
  });

  describe('placeholders', () => {
    /** Every placeholder has a substitution, and every substitution is used. */
    const required: readonly string[] = [
      ...WORKFLOW_FUNCTIONS.map(functionArnSubstitution),
      REGISTRY_TABLE_SUBSTITUTION,
      ALERT_TOPIC_SUBSTITUTION,
      ARTIFACTS_BUCKET_SUBSTITUTION,
      MAP_RUNS_PREFIX_SUBSTITUTION,
      ENVIRONMENT_NAME_SUBSTITUTION,
      S3_OBJECT_ARN_PREFIX_SUBSTITUTION,
      ...PARTITION_SUBSTITUTIONS,
    ];
    const optional: readonly string[] = [];
    const placeholdersOf = (text: string) => new Set([...text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!));

    it('uses every required substitution, and no placeholder the CDK stack does not provide', () => {
      // Act
      const used = placeholdersOf(ASL_TEXT);
      // Assess
      expect([...used].filter((name) => !required.includes(name) && !optional.includes(name))).toEqual([]);
      expect(required.filter((name) => !used.has(name))).toEqual([]);
    });

    it('Noncompliance 1: a placeholder nothing provides is reported', () => {
      // Act
      const used = placeholdersOf(ASL_TEXT.replace('${AlertTopicArn}', '${AlertTopicARN}'));
      // Assess
      expect([...used].filter((name) => !required.includes(name) && !optional.includes(name))).toEqual([
        'AlertTopicARN',
      ]);
    });
  });

  describe('Retry and Catch', () => {
    it('Compliance: every Task has a Retry and a Catch for States.ALL', () => {
      // Act
      const missing = tasksMissingRetryOrCatch(loadDefinition());
      // Assess
      expect(missing).toEqual([]);
    });

    it('Noncompliance 1: a Task without Catch is reported', () => {
      // Prepare
      const definition = withState('Inspect', ({ Catch: _dropped, ...rest }) => rest);
      // Act
      const missing = tasksMissingRetryOrCatch(definition);
      // Assess
      expect(missing).toEqual(['Inspect']);
    });

    it('Noncompliance 2: a Task without Retry is reported', () => {
      // Prepare
      const definition = withState('RecordResult', ({ Retry: _dropped, ...rest }) => rest);
      // Act
      const missing = tasksMissingRetryOrCatch(definition);
      // Assess
      expect(missing).toEqual(['RecordResult']);
    });

    /**
     * Every transient DynamoDB answer the functions retry, under both names it can carry in a
     * service integration's error: the service's own (`InternalServerError`, what the SDKs and the
     * embedded stack report) and the Java SDK class name (`InternalServerErrorException`), plus a
     * call that got no answer.
     */
    const TRANSIENT_INTEGRATION_ERRORS = [
      ...[...TRANSIENT_DYNAMO_ERRORS].flatMap((name) =>
        name.endsWith('Exception') ? [`DynamoDB.${name}`] : [`DynamoDB.${name}`, `DynamoDB.${name}Exception`],
      ),
      'DynamoDB.SdkClientException',
    ];

    it('Compliance: every DynamoDB task retries every transient DynamoDB error, by either name', () => {
      // Act
      const missing = dynamoTasksNotRetrying(loadDefinition(), TRANSIENT_INTEGRATION_ERRORS);
      // Assess
      expect(missing).toEqual([]);
      expect(TRANSIENT_INTEGRATION_ERRORS).toContain('DynamoDB.InternalServerError');
    });

    it('Noncompliance 3: a DynamoDB task that does not retry a server error by its service name is reported', () => {
      // Prepare
      const definition = withState('RecordValidationFailure', (state) => ({
        ...state,
        Retry: (state.Retry ?? []).map((r) => ({
          ...r,
          ErrorEquals: r.ErrorEquals.filter((e) => e !== 'DynamoDB.InternalServerError'),
        })),
      }));
      // Act
      const missing = dynamoTasksNotRetrying(definition, TRANSIENT_INTEGRATION_ERRORS);
      // Assess
      expect(missing).toEqual(['RecordValidationFailure: DynamoDB.InternalServerError']);
    });
  });

  describe('time limits', () => {
    it("Compliance: every Lambda task has a TimeoutSeconds past its function's own timeout", () => {
      // Prepare
      const tasks: { state: string; fn: string; timeout: unknown }[] = [];
      const collect = (states: Record<string, AslState>) => {
        for (const [state, s] of Object.entries(states)) {
          if (s.Type === 'Task' && s.Resource === 'arn:aws:states:::lambda:invoke') {
            const arn = String((s.Parameters as Record<string, unknown>)['FunctionName']);
            const fn = WORKFLOW_FUNCTIONS.find((f) => arn === `\${${functionArnSubstitution(f)}}`)!;
            tasks.push({ state, fn, timeout: (s as { TimeoutSeconds?: unknown }).TimeoutSeconds });
          }
          const nested = (s as { ItemProcessor?: { States: Record<string, AslState> } }).ItemProcessor;
          if (nested) collect(nested.States);
        }
      };

      // Act
      collect(loadDefinition().States);

      // Assess
      // Without one the States Language's default of 60 s applies on some interpreters (and none on
      // AWS): a state's own limit a little past the function's makes both end a lost invocation alike,
      // while the function's own timeout ends a slow one first, with its error.
      expect(tasks.length).toBeGreaterThan(5);
      expect(
        tasks.filter((t) => t.timeout !== FUNCTION_TIMEOUT_SECONDS[t.fn as WorkflowFunction] + 60),
      ).toEqual([]);
    });
  });

  describe('untested outputs are counted apart', () => {
    it('CountUntested puts the metric the monitoring alarm reads, one name per outcome', () => {
      // Prepare
      const states = loadDefinition().States as unknown as Record<string, Record<string, unknown>>;
      const count = states['CountUntested']!;
      const parameters = count['Parameters'] as {
        Namespace: string;
        MetricData: { 'MetricName.$': string; Dimensions: { Name: string; Value: string }[] }[];
      };
      const outcome = (state: string) => (states[state]!['Result'] as { metric: string }).metric;

      // Act
      const names = [outcome('ProcessingError'), outcome('DataUnreadable')];

      // Assess
      expect(parameters.Namespace).toBe(WORKFLOW_METRICS_NAMESPACE);
      expect(parameters.MetricData[0]!['MetricName.$']).toBe('$.outcome.metric');
      expect(parameters.MetricData[0]!.Dimensions).toEqual([
        { Name: 'service', Value: UNTESTED_METRICS.service },
      ]);
      expect(names).toEqual([UNTESTED_METRICS.errored, UNTESTED_METRICS.unreadable]);
    });
  });

  describe('caught errors reach the registry', () => {
    it('Compliance: every Catch leads to RecordError, or from a record to the alert that follows it', () => {
      // Act
      const violations = catchesThatSkipTheRegistry(loadDefinition());
      // Assess
      expect(violations).toEqual(DOCUMENTED_ALERT_ONLY_CATCHES);
    });

    it('Noncompliance 1: a Catch that jumps straight to a Fail state is reported', () => {
      // Prepare
      const definition = withState('Validate', (s) => ({
        ...s,
        Catch: [{ ErrorEquals: ['States.ALL'], Next: 'ProcessingFailed' }],
      }));
      // Act
      const violations = catchesThatSkipTheRegistry(definition);
      // Assess
      expect(violations).toEqual([...DOCUMENTED_ALERT_ONLY_CATCHES, 'Validate -> ProcessingFailed']);
    });
  });

  describe('every execution ends with a registry status', () => {
    it('Compliance: all paths to Succeed or Fail pass a status record, except the documented ends', () => {
      // Act
      const found = walkPaths(loadDefinition(), DOCUMENTED_UNRECORDED_ENDS);
      // Assess
      expect(found.unrecorded).toEqual([]);
      expect(found.unalertedFailures).toEqual([]);
      expect(found.unreachable).toEqual([]);
    });

    it('Compliance: the documented ends are reachable without a status record, and nothing else is', () => {
      // Act
      const found = walkPaths(loadDefinition(), []);
      const ends = new Set(found.unrecorded.map((path) => path.at(-1)));
      // Assess
      expect(ends).toEqual(new Set(DOCUMENTED_UNRECORDED_ENDS));
    });

    it('Noncompliance 1: a failed validation routed straight to its Fail state is reported', () => {
      // Prepare
      const definition = withState('RouteValidation', (s) => ({
        ...s,
        Choices: [{ Variable: '$.validation.status', StringEquals: 'failed', Next: 'ValidationFailed' }],
      }));
      // Act
      const found = walkPaths(definition, DOCUMENTED_UNRECORDED_ENDS);
      // Assess
      expect(found.unrecorded.map((path) => path.join(' -> '))).toContainEqual(
        expect.stringMatching(/RouteValidation -> ValidationFailed$/),
      );
      expect(found.unalertedFailures).not.toEqual([]);
      expect(found.unreachable).toEqual([
        'RecordValidationFailure',
        'AlertValidationFailure',
        'PublishValidationFailure',
      ]);
    });

    it('Noncompliance 2: a success that skips RecordResult is reported', () => {
      // Prepare
      const definition = withState('Lineage', (s) => ({ ...s, Next: 'Tested' }));
      // Act
      const found = walkPaths(definition, DOCUMENTED_UNRECORDED_ENDS);
      // Assess
      expect(found.unrecorded.map((path) => path.at(-1))).toContain('Tested');
    });
  });
});

describe('every state machine definition', () => {
  it('has a TimeoutSeconds, so no execution runs forever', () => {
    // Arrange
    const files = readdirSync(projectPath('statemachines')).filter((f) => f.endsWith('.asl.json'));

    // Act
    const timeouts = files.map((f) => {
      const definition = JSON.parse(readFileSync(projectPath(`statemachines/${f}`), 'utf8')) as {
        TimeoutSeconds?: unknown;
      };
      return [f, definition.TimeoutSeconds];
    });

    // Assess
    expect(files.length).toBeGreaterThanOrEqual(3);
    // A day at most, but the expected-outputs machine waits out a grace of up to 7 days first.
    const longest = (f: unknown): number =>
      f === 'expected-outputs.asl.json' ? EXPECTATION_LIMITS.maxSeconds + 86_400 : 86_400;
    const bad = timeouts.filter(([f, s]) => typeof s !== 'number' || s <= 0 || s > longest(f));
    expect(bad).toEqual([]);
  });
});
