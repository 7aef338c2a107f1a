import { describe, expect, it } from 'vitest';
import { executionOutcome } from '../../../lib/local/embedded-stack';

describe('the outcome the serve log prints for an execution', () => {
  it.each([
    [
      {
        status: 'SUCCEEDED',
        path: ['Register', 'Validate', 'Tested'],
        output: { validation: { status: 'warned' } },
      },
      'WARNED',
    ],
    [{ status: 'SUCCEEDED', path: ['Register', 'Untracked'] }, 'UNTRACKED'],
    [{ status: 'FAILED', path: ['Validate', 'RecordValidationFailure', 'ValidationFailed'] }, 'FAILED'],
    [
      {
        status: 'FAILED',
        path: ['Validate', 'ClassifyError', 'DataUnreadable', 'RecordError', 'ObjectUnreadable'],
      },
      'FAILED',
    ],
    [
      {
        status: 'FAILED',
        path: ['Validate', 'ClassifyError', 'ProcessingError', 'RecordError', 'ProcessingFailed'],
      },
      'ERROR',
    ],
    [{ status: 'SUCCEEDED', path: ['Register', 'AlreadyRegistered'] }, 'DUPLICATE'],
  ] as const)('%j is %s', (record, expected) => {
    // Act
    const outcome = executionOutcome({ ...record, path: [...record.path] });

    // Assess
    expect(outcome).toBe(expected);
  });
});
