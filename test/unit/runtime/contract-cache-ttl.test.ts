/**
 * The catalog TTL a function reads at cold start: a minute unless PRT_CONTRACT_CACHE_SECONDS says
 * otherwise (the embedded stack sets a second), and a value it cannot use stops the cold start
 * with the variable's name instead of caching for a surprising time.
 */
import { describe, expect, it } from 'vitest';
import { CONTRACT_CACHE_SECONDS_ENV, contractCacheTtlMs } from '../../../lambdas/runtime/contract-cache-ttl';
import { ConfigurationError } from '../../../lambdas/core/errors';

describe('contractCacheTtlMs', () => {
  it('is a minute when the variable is unset or empty', () => {
    // Prepare / Act / Assess
    expect(contractCacheTtlMs({})).toBe(60_000);
    expect(contractCacheTtlMs({ [CONTRACT_CACHE_SECONDS_ENV]: ' ' })).toBe(60_000);
  });

  it('takes whole seconds from 0 to an hour', () => {
    // Prepare / Act / Assess
    expect(contractCacheTtlMs({ [CONTRACT_CACHE_SECONDS_ENV]: '0' })).toBe(0);
    expect(contractCacheTtlMs({ [CONTRACT_CACHE_SECONDS_ENV]: '1' })).toBe(1_000);
    expect(contractCacheTtlMs({ [CONTRACT_CACHE_SECONDS_ENV]: '3600' })).toBe(3_600_000);
  });

  it.each(['-1', '1.5', '3601', 'soon'])('refuses %s naming the variable', (value) => {
    // Prepare
    const env = { [CONTRACT_CACHE_SECONDS_ENV]: value };

    // Act
    const read = (): number => contractCacheTtlMs(env);

    // Assess
    expect(read).toThrow(ConfigurationError);
    expect(read).toThrow(CONTRACT_CACHE_SECONDS_ENV);
  });
});
