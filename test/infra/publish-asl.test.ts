/**
 * Write-audit-publish in the output-testing ASL (decision 0026): a gated output goes from Lineage to
 * Publish before its status is recorded, a non-gated one straight to RecordResult; Publish retries
 * only what may pass on retry and sends everything else to ClassifyError (the version ends in
 * `error` with its reason); Output Published follows the recorded status and never fails the run.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/config/project-paths';
import { OUTPUT_TESTING_ASL } from '../../lib/config/workflow-definition';

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly { readonly Next?: string }[];
  readonly Parameters?: Record<string, unknown>;
  readonly Retry?: readonly { readonly ErrorEquals: readonly string[] }[];
  readonly Catch?: readonly { readonly ErrorEquals: readonly string[]; readonly Next: string }[];
}

function states(): Record<string, State> {
  return (
    JSON.parse(readFileSync(projectPath(OUTPUT_TESTING_ASL), 'utf8')) as { States: Record<string, State> }
  ).States;
}

describe('output-testing ASL: Publish', () => {
  it('routes a gated output from Lineage through Publish to RecordResult, and any other straight on', () => {
    // Arrange
    const s = states();

    // Act
    const route = s['RoutePublication']!;

    // Assess
    expect(s['Lineage']!.Next).toBe('RoutePublication');
    expect(route.Choices!.map((c) => c.Next)).toEqual(['PublishFolderInput', 'PublishObjectInput']);
    expect(route.Default).toBe('RecordResult');
    expect(s['PublishFolderInput']!.Next).toBe('Publish');
    expect(s['PublishObjectInput']!.Next).toBe('Publish');
    expect(s['Publish']!.Next).toBe('RecordResult');
  });

  it('invokes the publish function with the version, its output, its status and the manifest', () => {
    // Act
    const publish = states()['Publish']!;

    // Assess
    expect(publish.Parameters).toMatchObject({
      FunctionName: '${PublishFunctionArn}',
      Payload: {
        'object.$': '$.object',
        'output.$': '$.registration.output',
        'status.$': '$.validation.status',
        'manifest.$': '$.publishing.manifest',
      },
    });
  });

  it('retries Lambda faults and transient dependencies only, and catches everything into ClassifyError', () => {
    // Act
    const publish = states()['Publish']!;

    // Assess
    const retried = publish.Retry!.flatMap((r) => r.ErrorEquals);
    expect(retried).toEqual(
      expect.arrayContaining([
        'Lambda.TooManyRequestsException',
        'Lambda.ServiceException',
        'TransientDependencyError',
      ]),
    );
    expect(retried).not.toContain('StagedVersionChangedError');
    expect(retried).not.toContain('States.ALL');
    expect(publish.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'ClassifyError' },
    ]);
  });

  it('announces Output Published after the recorded status, and a failed announcement still ends Tested', () => {
    // Arrange
    const s = states();

    // Act
    const announce = s['AnnouncePublished']!;

    // Assess
    expect(s['PublishTested']!.Next).toBe('RoutePublishedEvent');
    expect(s['RoutePublishedEvent']!.Choices!.map((c) => c.Next)).toEqual(['AnnouncePublished']);
    expect(s['RoutePublishedEvent']!.Default).toBe('Tested');
    expect(JSON.stringify(announce.Parameters)).toContain('"DetailType":"Output Published"');
    expect(announce.Next).toBe('Tested');
    expect(announce.Catch!.map((c) => c.Next)).toEqual(['Tested']);
  });
});
