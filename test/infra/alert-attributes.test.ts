/**
 * Alert routing, pinned on the output-testing definition: every SNS publish carries the String
 * message attributes a subscription's filter policy matches (status, severity, environment; and
 * pipeline and output wherever the output is known), and every Output Tested event names the
 * tested object's ARN in `resources`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/config/project-paths';
import { OUTPUT_TESTING_ASL } from '../../lib/config/workflow-definition';

interface State {
  readonly Type: string;
  readonly Resource?: string;
  readonly Parameters?: Record<string, unknown>;
}
const STATES = (
  JSON.parse(readFileSync(projectPath(OUTPUT_TESTING_ASL), 'utf8')) as { States: Record<string, State> }
).States;
const byResource = (resource: string) => Object.entries(STATES).filter(([, s]) => s.Resource === resource);
type Attributes = Record<string, { DataType: string; StringValue?: string; 'StringValue.$'?: string }>;
const attributesOf = (s: State) => (s.Parameters?.['MessageAttributes'] ?? {}) as Attributes;

describe('alert message attributes', () => {
  it('Compliance: every alert carries status, severity and environment as String attributes', () => {
    // Act
    const alerts = byResource('arn:aws:states:::sns:publish');
    // Assess
    expect(alerts.map(([name]) => name).sort()).toEqual([
      'AlertDeletionNotRecorded',
      'AlertError',
      'AlertUnregisteredError',
      'AlertValidationFailure',
    ]);
    for (const [, state] of alerts) {
      const a = attributesOf(state);
      for (const name of ['status', 'severity', 'environment']) expect(a[name]?.DataType).toBe('String');
      expect(a['environment']?.StringValue).toBe('${EnvironmentName}');
    }
  });

  it('names pipeline and output where the output is registered, with the documented severities', () => {
    // Act
    const failure = attributesOf(STATES['AlertValidationFailure']!);
    const error = attributesOf(STATES['AlertError']!);
    const unregistered = attributesOf(STATES['AlertUnregisteredError']!);
    // Assess
    expect(failure).toMatchObject({
      pipeline: { DataType: 'String', 'StringValue.$': '$.registration.output.pipeline' },
      output: { DataType: 'String' },
      status: { StringValue: 'failed' },
      severity: { StringValue: 'error' },
    });
    expect(error).toMatchObject({
      pipeline: { 'StringValue.$': '$.registration.output.pipeline' },
      status: { 'StringValue.$': '$.outcome.status' },
      severity: { StringValue: 'critical' },
    });
    expect(Object.keys(unregistered).sort()).toEqual(['environment', 'severity', 'status']);
    expect(STATES['RouteErrorAlert']).toMatchObject({
      Type: 'Choice',
      Choices: [{ Variable: '$.registration.output.pipeline', IsPresent: true, Next: 'AlertError' }],
      Default: 'AlertUnregisteredError',
    });
  });

  it("Compliance: every Output Tested entry names the object's ARN in resources", () => {
    // Act
    const entries = byResource('arn:aws:states:::events:putEvents').flatMap(
      ([, s]) => s.Parameters!['Entries'] as Record<string, unknown>[],
    );
    const tested = entries.filter((e) => e['DetailType'] === 'Output Tested');
    // Assess
    expect(tested).toHaveLength(3);
    for (const e of tested)
      expect(e['Resources.$']).toBe(
        "States.Array(States.Format('${S3ObjectArnPrefix}{}/{}', $.object.bucket, $.object.key))",
      );
  });
});
