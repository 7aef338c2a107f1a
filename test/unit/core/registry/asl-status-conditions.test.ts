/**
 * The state machine writes test statuses itself (DynamoDB service integration), so its UpdateItem
 * conditions must encode the same forward-only rules as the registry code. This reads the three
 * status records of the ASL file, evaluates their ConditionExpression for every current status,
 * and compares the outcome with status-transitions.ts.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

import {
  TEST_STATUSES,
  statusesAllowedBefore,
  type TestStatus,
} from '../../../../lambdas/core/registry/status-transitions';
import { conditionAllows, type UpdateParameters } from '../../../fixtures/asl-conditions';
import { projectPath } from '../../../../lib/config/project-paths';
import { OUTPUT_TESTING_ASL } from '../../../../lib/config/workflow-definition';

const STATES = (
  JSON.parse(readFileSync(projectPath(OUTPUT_TESTING_ASL), 'utf8')) as {
    States: Record<string, { Parameters?: UpdateParameters }>;
  }
).States;

function parameters(state: string): UpdateParameters {
  const p = STATES[state]?.Parameters;
  if (!p) throw new Error(`the ASL has no ${state} Parameters`);
  return p;
}

function allowedFrom(state: string, writing: TestStatus): (TestStatus | 'absent')[] {
  const p = parameters(state);
  return (['absent', ...TEST_STATUSES] as const).filter((current) => conditionAllows(p, current, writing));
}

describe('status records of the output-testing ASL', () => {
  it('RecordValidationFailure writes failed only over pending (or a repeat of failed)', () => {
    // Act
    const from = allowedFrom('RecordValidationFailure', 'failed');

    // Assess
    expect(from).toEqual(statusesAllowedBefore('failed'));
  });

  it.each(['passed', 'warned'] as const)(
    'RecordResult writes %s only over pending (or a repeat)',
    (status) => {
      // Act
      const from = allowedFrom('RecordResult', status);

      // Assess
      expect(from).toEqual(statusesAllowedBefore(status));
    },
  );

  it.each(['error', 'failed'] as const)(
    'RecordError writes %s over pending, a repeat, or a version Register never wrote',
    (status) => {
      // Act
      const from = allowedFrom('RecordError', status);

      // Assess
      expect(from).toEqual(['absent', ...statusesAllowedBefore(status)]);
    },
  );

  it('RecordError writes failed only for an object unreadable as its format, error for anything else', () => {
    // Prepare
    const states = STATES as unknown as Record<string, Record<string, unknown>>;
    const classify = states['ClassifyError'] as {
      Choices: { Variable: string; StringEquals: string; Next: string }[];
      Default: string;
    };
    const outcome = (state: string) => (states[state]?.['Result'] as { status: string }).status;

    // Act
    const byError = Object.fromEntries(classify.Choices.map((c) => [c.StringEquals, outcome(c.Next)]));

    // Assess
    expect(parameters('RecordError').ExpressionAttributeValues[':status']).toEqual({
      'S.$': '$.outcome.status',
    });
    expect(classify.Choices.every((c) => c.Variable === '$.error.Error')).toBe(true);
    expect(byError).toEqual({ FormatError: 'failed' });
    expect(outcome(classify.Default)).toBe('error');
  });

  it.each(['RecordValidationFailure', 'RecordResult', 'RecordError'])(
    '%s counts its write in revision, the token the registry compares and sets',
    (state) => {
      // Act
      const p = parameters(state);

      // Assess
      expect(p.UpdateExpression).toMatch(/ ADD revision :one$/);
      expect(p.ExpressionAttributeValues[':one']).toEqual({ N: '1' });
    },
  );

  it('records the quarantine URI beside the report (null is written as text the registry drops)', () => {
    // Act
    const values = ['RecordValidationFailure', 'RecordResult'].map(
      (s) => parameters(s).ExpressionAttributeValues[':quarantine'],
    );

    // Assess
    expect(values).toEqual([
      { 'S.$': "States.Format('{}', $.validation.quarantineUri)" },
      { 'S.$': "States.Format('{}', $.validation.quarantineUri)" },
    ]);
  });
});
