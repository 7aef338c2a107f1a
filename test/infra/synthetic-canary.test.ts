/**
 * The synthetic canary of every environment: its definition (asl-validator, a TimeoutSeconds, its
 * placeholders), the grants of its function and state machine, its schedule and its alarm.
 */
import aslValidator from 'asl-validator';
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/config/project-paths';
import { CANARY_SUBSTITUTIONS, SYNTHETIC_CANARY_ASL } from '../../lib/config/workflow-definition';
import type { SyntheticCanary } from '../../lib/synthetic-canary';
import { ENVIRONMENT_NAMES, environmentConfig } from '../fixtures/cdk-environments';
import { actionsOf, statementsOfRole, targetsOf } from './identity-policies';
import { synthesizeStack, type SynthesizedStack } from './synthesized-stack';

const ASL_TEXT = readFileSync(projectPath(SYNTHETIC_CANARY_ASL), 'utf8');
type Definition = { TimeoutSeconds?: number; States: Record<string, Record<string, unknown>> };
const load = (): Definition => JSON.parse(ASL_TEXT) as Definition;

describe('synthetic-canary ASL', () => {
  it('Compliance: the file is valid Amazon States Language with its placeholders in place', () => {
    // Act
    const result = aslValidator(load(), { checkPaths: true, checkArn: true });
    // Assess
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('Noncompliance 1: a transition to a missing state is reported', () => {
    // Arrange
    const definition = load();
    definition.States['Check'] = { ...definition.States['Check'], Next: 'NoSuchState' };
    // Act
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });
    // Assess
    expect(result.isValid).toBe(false);
    expect(result.errorsText('\n')).toContain('NoSuchState');
  });

  it('ends within an hour, polls a bounded number of times and uses exactly its substitutions', () => {
    // Act
    const definition = load();
    const placeholders = new Set([...ASL_TEXT.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    // Assess
    expect(definition.TimeoutSeconds).toBe(3600);
    expect(placeholders).toEqual(new Set(Object.values(CANARY_SUBSTITUTIONS)));
    expect(definition.States['Check']?.['Parameters']).toMatchObject({
      Payload: { 'maxPolls.$': '$.settings.maxPolls' },
    });
    expect(definition.States['Settled']).toMatchObject({ Default: 'WaitForTests' });
  });
});

describe.each(ENVIRONMENT_NAMES.filter((e) => environmentConfig(e).canary))(
  'synthetic canary in prt-%s',
  (envName) => {
    let synth: SynthesizedStack;
    let canary: SyntheticCanary;
    let ids: {
      fnRole: string;
      machine: string;
      machineRole: string;
      outputs: string;
      artifacts: string;
      table: string;
    };

    beforeAll(() => {
      // Arrange: one synth (with bundling) per environment.
      synth = synthesizeStack(envName);
      canary = synth.stack.canary!;
      ids = {
        fnRole: synth.logicalId(canary.function.role!),
        machine: synth.logicalId(canary.stateMachine),
        machineRole: synth.logicalId(canary.stateMachine.role),
        outputs: synth.logicalId(synth.stack.outputs.bucket),
        artifacts: synth.logicalId(synth.stack.artifacts.bucket),
        table: synth.logicalId(synth.stack.registry.table),
      };
    });

    it('gives the canary function reads of contracts and the registry, and nothing on outputs', () => {
      // Act
      const statements = statementsOfRole(synth, ids.fnRole);
      const targets = statements.flatMap((s) => targetsOf(s).map((t) => ({ ...t, actions: actionsOf(s) })));
      // Assess
      expect(targets.filter((t) => t.logicalId === ids.outputs)).toEqual([]);
      expect(
        targets.filter((t) => t.logicalId === ids.artifacts && t.suffix !== '').map((t) => t.suffix),
      ).toEqual(['/contracts/*']);
      expect(
        statements
          .flatMap(actionsOf)
          .filter((a) => /^(s3:(Put|Delete)|dynamodb:(Put|Update|Delete))/.test(a)),
      ).toEqual([]);
      expect(targets.some((t) => t.logicalId === ids.table)).toBe(true);
    });

    it('lets the state machine invoke its two functions, delete under canary/ only and put events', () => {
      // Act
      const statements = statementsOfRole(synth, ids.machineRole);
      const targets = statements.flatMap((s) => targetsOf(s).map((t) => ({ ...t, actions: actionsOf(s) })));
      const onOutputs = targets.filter((t) => t.logicalId === ids.outputs);
      const actions = new Set(statements.flatMap(actionsOf));
      // Assess
      expect(onOutputs.map((t) => [t.suffix, t.actions])).toEqual([['/canary/*', ['s3:DeleteObject']]]);
      expect(actions.has('events:PutEvents')).toBe(true);
      expect(actions.has('lambda:InvokeFunction')).toBe(true);
      const invoked = targets
        .filter((t) => t.actions.includes('lambda:InvokeFunction'))
        .map((t) => t.logicalId);
      expect(new Set(invoked)).toEqual(
        new Set([synth.logicalId(canary.function), synth.logicalId(synth.stack.generate.function)]),
      );
      expect([...actions].filter((a) => a.startsWith('dynamodb:') || a === 's3:PutObject')).toEqual([]);
    });

    it('runs on the environment schedule with its settings as input, and alarms on failure', () => {
      // Arrange
      const settings = environmentConfig(envName).canary!;
      // Act
      const rule = synth.resource(synth.logicalId(canary.schedule)).Properties ?? {};
      const alarm = synth.resource(synth.logicalId(canary.failureAlarm)).Properties ?? {};
      // Assess
      expect(rule['ScheduleExpression']).toBe(settings.schedule);
      const [target] = rule['Targets'] as { Arn: unknown; Input: string }[];
      expect(target!.Arn).toEqual({ Ref: ids.machine });
      expect(JSON.parse(target!.Input)).toEqual({
        ...(settings.contracts ? { contracts: settings.contracts } : {}),
        ...(settings.rows !== undefined ? { rows: settings.rows } : {}),
      });
      expect(alarm).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
      expect((alarm['AlarmActions'] as unknown[]).length).toBe(1);
    });

    it('watches the canary prefix with the arrival rule', () => {
      // Act
      const rules = Object.values(synth.resources('AWS::Events::Rule')).map((r) =>
        JSON.stringify(r.Properties),
      );
      // Assess
      expect(rules.some((r) => r.includes('"prefix":"canary/"'))).toBe(true);
    });
  },
);
