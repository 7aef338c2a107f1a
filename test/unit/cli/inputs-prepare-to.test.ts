import { describe, expect, it } from 'vitest';
import { remoteInput } from '../../../lib/cli/inputs-command';

describe('prt inputs prepare --remote <env> --to <target>', () => {
  it('names the target in the execution input, and names none without --to', () => {
    // Arrange
    const options = { seed: '1', mask: true };

    // Act
    const to = remoteInput('shop/features', { ...options, to: 'dev', run: 'r-1' }, {});
    const own = remoteInput('shop/features', options, {});

    // Assess
    expect(to).toEqual({ step: 'shop/features', runId: 'r-1', target: 'dev', mask: true });
    expect(own).not.toHaveProperty('target');
  });
});
