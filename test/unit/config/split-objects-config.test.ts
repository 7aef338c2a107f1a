/**
 * The size above which one object is validated range by range (cdk.json
 * partitions.splitObjectsAboveBytes) and the ASL substitution that carries it.
 */
import { describe, expect, it } from 'vitest';

import {
  DEFAULT_SPLIT_OBJECTS_ABOVE_BYTES,
  EnvironmentConfigError,
  parseEnvironmentConfig,
} from '../../../lib/config/environment-config';
import {
  partitionSubstitutions,
  SPLIT_OBJECTS_ABOVE_BYTES_SUBSTITUTION,
} from '../../../lib/config/workflow-definition';
import { cdkEnvironments } from '../../fixtures/cdk-environments';

type RawEnvironment = Record<string, unknown>;

function devWithThreshold(value: unknown): RawEnvironment {
  const raw = structuredClone(cdkEnvironments()['dev']) as RawEnvironment;
  const partitions = raw['partitions'] as Record<string, unknown>;
  if (value === undefined) delete partitions['splitObjectsAboveBytes'];
  else partitions['splitObjectsAboveBytes'] = value;
  return raw;
}

describe('partitions.splitObjectsAboveBytes', () => {
  it('is 2 GiB in every environment of cdk.json', () => {
    // Act
    const thresholds = Object.entries(cdkEnvironments()).map(
      ([name, raw]) => parseEnvironmentConfig(name, raw).partitions.splitObjectsAboveBytes,
    );

    // Assess
    expect(thresholds.length).toBeGreaterThan(0);
    expect(new Set(thresholds)).toEqual(new Set([2 * 1024 ** 3]));
  });

  it('defaults to 2 GiB when an environment does not say', () => {
    // Act
    const config = parseEnvironmentConfig('dev', devWithThreshold(undefined));

    // Assess
    expect(config.partitions.splitObjectsAboveBytes).toBe(DEFAULT_SPLIT_OBJECTS_ABOVE_BYTES);
  });

  it('accepts a few KB, so small files exercise splitting', () => {
    // Act
    const config = parseEnvironmentConfig('dev', devWithThreshold(4096));

    // Assess
    expect(config.partitions.splitObjectsAboveBytes).toBe(4096);
  });

  it.each([0, 1023, 1.5, '2GB'])('refuses %j, naming the field', (value) => {
    // Act
    const act = () => parseEnvironmentConfig('dev', devWithThreshold(value));

    // Assess
    expect(act).toThrow(EnvironmentConfigError);
    expect(act).toThrow(/environments\.dev\.partitions\.splitObjectsAboveBytes/);
  });

  it('reaches the definition as a decimal string when the ASL uses it', () => {
    // Prepare
    const settings = { maxConcurrency: 10, toleratedFailurePercentage: 0, splitObjectsAboveBytes: 4096 };

    // Act
    const used = partitionSubstitutions(settings, `"x": "\${${SPLIT_OBJECTS_ABOVE_BYTES_SUBSTITUTION}}"`);
    const unused = partitionSubstitutions(settings, '{}');

    // Assess
    expect(used).toEqual({ [SPLIT_OBJECTS_ABOVE_BYTES_SUBSTITUTION]: '4096' });
    expect(unused).toEqual({});
  });
});
