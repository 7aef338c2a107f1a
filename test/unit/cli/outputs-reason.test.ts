import { describe, expect, it } from 'vitest';
import type { RegistryEntry } from '../../../lambdas/core/registry/output-registry';
import { reasonOf } from '../../../lib/cli/outputs-command';

const base: RegistryEntry = {
  pk: 'OBJ#s3://b/k.csv',
  sk: 'VER#v1',
  uri: 's3://b/k.csv',
  bucket: 'b',
  key: 'k.csv',
  versionId: 'v1',
  etag: '"e"',
  size: 10,
  registeredAt: '2026-12-06T00:00:00.000Z',
  eventTime: '2026-12-06T00:00:00Z',
  status: 'pending',
  dataType: 'pipeline',
};

describe('the reason prt outputs shows', () => {
  it('gives an errored version its error class and the message inside the recorded Lambda cause', () => {
    // Prepare
    const entry: RegistryEntry = {
      ...base,
      status: 'error',
      failureReason: 'TimeoutError',
      failureCause: JSON.stringify({
        errorType: 'TimeoutError',
        errorMessage: '[AbortError]: The operation was aborted',
      }),
    };

    // Act
    const reason = reasonOf(entry);

    // Assess
    expect(reason).toBe('TimeoutError: [AbortError]: The operation was aborted');
  });

  it('gives an unreadable (failed) version its FormatError and where the file broke', () => {
    // Prepare
    const entry: RegistryEntry = {
      ...base,
      status: 'failed',
      failureReason: 'FormatError',
      failureCause: JSON.stringify({
        errorType: 'FormatError',
        errorMessage: 'row 7: unterminated quote\nat byte 120',
      }),
    };

    // Act
    const reason = reasonOf(entry);

    // Assess
    expect(reason).toBe('FormatError: row 7: unterminated quote at byte 120');
  });

  it('gives a version that broke its rules the validation summary, shortened to one line', () => {
    // Prepare
    const entry: RegistryEntry = { ...base, status: 'failed', summary: `FAILED: ${'x'.repeat(400)}` };

    // Act
    const reason = reasonOf(entry, 40);

    // Assess
    expect(reason).toHaveLength(40);
    expect(reason.endsWith('…')).toBe(true);
    expect(reason.startsWith('FAILED: xxx')).toBe(true);
  });
});
