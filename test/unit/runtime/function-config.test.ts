/**
 * A function's configuration is read once, at cold start: every value with a format is checked
 * there, naming its variable, and a resource name is required only by the dependency that uses it.
 */
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../lambdas/core/errors';
import { FunctionDependencies } from '../../../lambdas/runtime/dependencies';
import { readFunctionConfig, requireSetting } from '../../../lambdas/runtime/function-config';

describe('readFunctionConfig', () => {
  it('keeps the defaults when only resource names are set', () => {
    // Act
    const config = readFunctionConfig({ PRT_REGISTRY_TABLE: 'registry', PRT_CONTRACTS_PREFIX: ' ' });

    // Assess
    expect(config).toEqual({
      resources: { registryTable: 'registry' },
      s3ForcePathStyle: false,
      contractCacheTtlMs: 60_000,
      readerLimits: {},
      syntheticPrefix: 'synthetic/',
      maxGeneratedRows: 50_000_000,
    });
  });

  it('reads the optional settings', () => {
    // Act
    const config = readFunctionConfig({
      PRT_S3_FORCE_PATH_STYLE: 'true',
      PRT_CONTRACT_CACHE_SECONDS: '1',
      PRT_READER_LIMITS: '{"maxRowBytes":1024}',
      PRT_PARTS_SETTLE_SECONDS: '5',
      PRT_SYNTHETIC_PREFIX: 'generated/',
      PRT_GENERATE_MAX_ROWS: '10',
    });

    // Assess
    expect(config).toMatchObject({
      s3ForcePathStyle: true,
      contractCacheTtlMs: 1_000,
      readerLimits: { maxRowBytes: 1024 },
      settle: { windowMs: 5_000 },
      syntheticPrefix: 'generated/',
      maxGeneratedRows: 10,
    });
  });

  it.each([
    [
      'PRT_PARTS_SETTLE_SECONDS',
      '241',
      "PRT_PARTS_SETTLE_SECONDS must be whole seconds from 0 to 240, not '241'",
    ],
    ['PRT_SYNTHETIC_PREFIX', 'synthetic', "PRT_SYNTHETIC_PREFIX must end with / (got 'synthetic')"],
    ['PRT_GENERATE_MAX_ROWS', '0', 'PRT_GENERATE_MAX_ROWS must be a positive whole number'],
    ['PRT_CONTRACT_CACHE_SECONDS', 'soon', 'environment variable PRT_CONTRACT_CACHE_SECONDS'],
    ['PRT_READER_LIMITS', '{"maxRowByte":1}', 'environment variable PRT_READER_LIMITS'],
  ])('refuses %s=%s naming the variable', (name, value, message) => {
    // Act
    const act = () => readFunctionConfig({ [name]: value });

    // Assess
    expect(act).toThrow(ConfigurationError);
    expect(act).toThrow(message);
  });
});

describe('requireSetting', () => {
  it('names the variable of a resource that is not set', () => {
    // Prepare
    const config = readFunctionConfig({});

    // Act
    const act = () => requireSetting(config, 'outputsBucket');

    // Assess
    expect(act).toThrow(
      new ConfigurationError('environment variable PRT_OUTPUTS_BUCKET is required but not set'),
    );
  });
});

describe('FunctionDependencies', () => {
  const config = readFunctionConfig({
    AWS_REGION: 'eu-west-1',
    PRT_REGISTRY_TABLE: 'registry',
    PRT_ARTIFACTS_BUCKET: 'artifacts',
    PRT_CONTRACTS_PREFIX: 'contracts/',
  });

  it('builds each dependency once, on first use', () => {
    // Prepare
    const deps = new FunctionDependencies(config);

    // Act / Assess
    expect(deps.store).toBe(deps.store);
    expect(deps.catalog).toBe(deps.catalog);
    expect(deps.registry).toBe(deps.registry);
    expect(deps.lineage).toBe(deps.lineage);
    expect(deps.clients.s3).toBe(deps.clients.s3);
    deps.clients.destroy();
  });

  it('fails where a dependency needs a resource the function was not given', () => {
    // Prepare
    const deps = new FunctionDependencies(readFunctionConfig({ PRT_ARTIFACTS_BUCKET: 'artifacts' }));

    // Act / Assess
    expect(() => deps.catalog).toThrow('environment variable PRT_CONTRACTS_PREFIX is required but not set');
    expect(() => deps.registry).toThrow('environment variable PRT_REGISTRY_TABLE is required but not set');
  });
});
