/**
 * The environment settings in cdk.json and the errors a wrong one produces: each names the
 * environment and the field, and the CDK app reports it in one line instead of a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, projectPath } from '../../lib/config/project-paths';
import {
  DEFAULT_KMS,
  EnvironmentConfigError,
  parseEnvironmentConfig,
  selectEnvironment,
} from '../../lib/config/environment-config';
import { WORKFLOW_FUNCTIONS } from '../../lib/config/workflow-definition';
import { ENVIRONMENT_NAMES, cdkEnvironments } from '../fixtures/cdk-environments';

type RawEnvironment = Record<string, unknown>;

/** The named environment of cdk.json with one change applied, as a fresh object. */
function mutated(envName: string, change: (raw: RawEnvironment) => void): RawEnvironment {
  const raw = structuredClone(cdkEnvironments()[envName]) as RawEnvironment;
  change(raw);
  return raw;
}

function errorOf(action: () => unknown): EnvironmentConfigError {
  try {
    action();
  } catch (error) {
    if (error instanceof EnvironmentConfigError) return error;
    throw error;
  }
  throw new Error('expected an EnvironmentConfigError, nothing was thrown');
}

describe('environment config', () => {
  it('knows dev, staging and prod', () => {
    // Assess
    expect(ENVIRONMENT_NAMES).toEqual(expect.arrayContaining(['dev', 'staging', 'prod']));
  });

  it('uses a customer-managed KMS key in prod and not in dev (cdk.json kms)', () => {
    // Act
    const prod = selectEnvironment(cdkEnvironments(), 'prod');
    const dev = selectEnvironment(cdkEnvironments(), 'dev');
    // Assess
    expect({ prod: prod.kms, dev: dev.kms }).toEqual({ prod: true, dev: false });
  });

  it(`takes kms as ${String(DEFAULT_KMS)} (DEFAULT_KMS) where an environment does not set it`, () => {
    // Prepare
    const raw = mutated('prod', (r) => delete r['kms']);
    // Act
    const config = parseEnvironmentConfig('prod', raw);
    // Assess
    expect(config.kms).toBe(DEFAULT_KMS);
  });

  it('takes no readerLimits where an environment does not set them: every reader keeps its default', () => {
    // Prepare
    const raw = mutated('dev', (r) => delete r['readerLimits']);
    // Act
    const config = parseEnvironmentConfig('dev', raw);
    // Assess
    expect(config.readerLimits).toEqual({});
  });

  it('takes the readerLimits an environment sets, each one optional', () => {
    // Prepare
    const raw = mutated('prod', (r) => (r['readerLimits'] = { maxFieldsPerRow: 20_000, maxRowGroupRows: 1 }));
    // Act
    const config = parseEnvironmentConfig('prod', raw);
    // Assess
    expect(config.readerLimits).toEqual({ maxFieldsPerRow: 20_000, maxRowGroupRows: 1 });
  });

  describe.each(ENVIRONMENT_NAMES)('environment %s in cdk.json', (envName) => {
    it('Compliance: parses, with a memory size for every workflow function', () => {
      // Act
      const config = selectEnvironment(cdkEnvironments(), envName);
      // Assess
      expect(config.name).toBe(envName);
      expect(Object.keys(config.memorySizes).sort()).toEqual([...WORKFLOW_FUNCTIONS].sort());
      expect(config.watchedPrefixes.length).toBeGreaterThan(0);
      expect(config.alarms.failedExecutionsPer5Min).toBeGreaterThanOrEqual(1);
      expect(config.partitions.maxConcurrency).toBeGreaterThanOrEqual(1);
      expect(config.reservedConcurrency.validate ?? Infinity).toBeGreaterThanOrEqual(
        config.partitions.maxConcurrency,
      );
    });

    it('Compliance: sizes the functions within the bounds decision 0035 measured', () => {
      // Prepare
      // One vCPU (1,769 MB): below it a 2 GiB range of the slowest measured path (Parquet to CSV)
      // outlasts the 270 s the time budget leaves; above 2,560 MB the single-threaded handler
      // leaves vCPU share idle and pays for it.
      const [fullVcpu, idleAbove] = [1769, 2560];
      // A small function's bundle, as deployed, peaks at about 131 MiB: 256 MB holds it nearly twice.
      const smallFloor = 256;

      // Act
      const { memorySizes } = selectEnvironment(cdkEnvironments(), envName);

      // Assess
      for (const fn of ['validate', 'convert'] as const) {
        expect(memorySizes[fn]).toBeGreaterThanOrEqual(fullVcpu);
        expect(memorySizes[fn]).toBeLessThanOrEqual(idleAbove);
      }
      for (const fn of ['register', 'inspect', 'lineage', 'publish'] as const)
        expect(memorySizes[fn]).toBeGreaterThanOrEqual(smallFloor);
    });

    it.each<[string, (raw: RawEnvironment) => void, string]>([
      ['watchedPrefixes empty', (raw) => (raw['watchedPrefixes'] = []), 'watchedPrefixes'],
      [
        'watchedPrefixes with a leading slash',
        (raw) => (raw['watchedPrefixes'] = ['/pipelines/']),
        'watchedPrefixes[0]',
      ],
      ['alertEmail not an address', (raw) => (raw['alertEmail'] = 'data-platform'), 'alertEmail'],
      [
        'logRetentionDays not a CloudWatch period',
        (raw) => (raw['logRetentionDays'] = 10),
        'logRetentionDays',
      ],
      ['removalPolicy unknown', (raw) => (raw['removalPolicy'] = 'snapshot'), 'removalPolicy'],
      ['memorySizes missing', (raw) => delete raw['memorySizes'], 'memorySizes'],
      [
        'memorySizes.validate below the Lambda minimum',
        (raw) => ((raw['memorySizes'] as Record<string, unknown>)['validate'] = 64),
        'memorySizes.validate',
      ],
      [
        'memorySizes.lineage missing',
        (raw) => delete (raw['memorySizes'] as Record<string, unknown>)['lineage'],
        'memorySizes.lineage',
      ],
      ['account not 12 digits', (raw) => (raw['account'] = '1234'), 'account'],
      ['region malformed', (raw) => (raw['region'] = 'europe'), 'region'],
      ['kms not a boolean', (raw) => (raw['kms'] = 'yes'), 'kms'],
      ['a misspelt setting', (raw) => (raw['acount'] = '123456789012'), 'acount'],
      ['logLevel unknown', (raw) => (raw['logLevel'] = 'verbose'), 'logLevel'],
      ['logLevel missing', (raw) => delete raw['logLevel'], 'logLevel'],
      [
        'reservedConcurrency for a function that does not exist',
        (raw) => (raw['reservedConcurrency'] = { valdate: 100 }),
        'reservedConcurrency.valdate',
      ],
      [
        'reservedConcurrency of 0 (it would disable the function)',
        (raw) => (raw['reservedConcurrency'] = { convert: 0 }),
        'reservedConcurrency.convert',
      ],
      [
        'reservedConcurrency.validate below partitions.maxConcurrency',
        (raw) => {
          raw['reservedConcurrency'] = { validate: 5 };
          raw['partitions'] = { maxConcurrency: 10, toleratedFailurePercentage: 0 };
        },
        'reservedConcurrency.validate',
      ],
      ['alarms missing', (raw) => delete raw['alarms'], 'alarms'],
      [
        'alarms.failedExecutionsPer5Min not an integer',
        (raw) => ((raw['alarms'] as Record<string, unknown>)['failedExecutionsPer5Min'] = 2.5),
        'alarms.failedExecutionsPer5Min',
      ],
      [
        'alarms.failureRatePercent above 100',
        (raw) => ((raw['alarms'] as Record<string, unknown>)['failureRatePercent'] = 150),
        'alarms.failureRatePercent',
      ],
      [
        'alarms.dlqDepth of 0 (the alarm would always fire)',
        (raw) => ((raw['alarms'] as Record<string, unknown>)['dlqDepth'] = 0),
        'alarms.dlqDepth',
      ],
      [
        'a misspelt alarm threshold',
        (raw) => ((raw['alarms'] as Record<string, unknown>)['dlqDeph'] = 1),
        'alarms.dlqDeph',
      ],
      ['partitions missing', (raw) => delete raw['partitions'], 'partitions'],
      [
        'partitions.maxConcurrency above the Distributed Map limit',
        (raw) => ((raw['partitions'] as Record<string, unknown>)['maxConcurrency'] = 10_001),
        'partitions.maxConcurrency',
      ],
      [
        'partitions.toleratedFailurePercentage negative',
        (raw) => ((raw['partitions'] as Record<string, unknown>)['toleratedFailurePercentage'] = -1),
        'partitions.toleratedFailurePercentage',
      ],
      ['readerLimits not an object', (raw) => (raw['readerLimits'] = 20_000), 'readerLimits'],
      [
        'readerLimits.maxFieldsPerRow of 0 (every row would fail)',
        (raw) => (raw['readerLimits'] = { maxFieldsPerRow: 0 }),
        'readerLimits.maxFieldsPerRow',
      ],
      [
        'readerLimits.maxRowBytes a fraction',
        (raw) => (raw['readerLimits'] = { maxRowBytes: 1.5 }),
        'readerLimits.maxRowBytes',
      ],
      [
        'readerLimits.maxRowGroupRows as text',
        (raw) => (raw['readerLimits'] = { maxRowGroupRows: '1000' }),
        'readerLimits.maxRowGroupRows',
      ],
      [
        'readerLimits.maxFieldLength past the longest string V8 holds',
        (raw) => (raw['readerLimits'] = { maxFieldLength: 2 ** 29 }),
        'readerLimits.maxFieldLength',
      ],
      [
        'a misspelt reader limit',
        (raw) => (raw['readerLimits'] = { maxFieldPerRow: 3 }),
        'readerLimits.maxFieldPerRow',
      ],
    ])('Noncompliance: %s is an EnvironmentConfigError naming the field', (_case, change, field) => {
      // Prepare
      const raw = mutated(envName, change);
      // Act
      const error = errorOf(() => parseEnvironmentConfig(envName, raw));
      // Assess
      expect(error.name).toBe('EnvironmentConfigError');
      expect(error.message.startsWith(`environments.${envName}.${field}: `)).toBe(true);
    });
  });

  it('keeps prod data (retain) and lets dev be destroyed', () => {
    // Act
    const prod = selectEnvironment(cdkEnvironments(), 'prod');
    const dev = selectEnvironment(cdkEnvironments(), 'dev');
    // Assess
    expect([prod.removalPolicy, dev.removalPolicy]).toEqual(['retain', 'destroy']);
  });

  it('Noncompliance: the message quotes the bad value and says what was expected', () => {
    // Prepare
    const raw = mutated('prod', (r) => ((r['alarms'] as Record<string, unknown>)['dlqDepth'] = 0));
    // Act
    const error = errorOf(() => parseEnvironmentConfig('prod', raw));
    // Assess
    expect(error.message).toBe('environments.prod.alarms.dlqDepth: 0 is not an integer of at least 1');
  });

  it('Noncompliance: an unknown key lists the keys its object accepts', () => {
    // Prepare
    const raw = mutated('dev', (r) => ((r['partitions'] as Record<string, unknown>)['maxConcurency'] = 5));
    // Act
    const error = errorOf(() => parseEnvironmentConfig('dev', raw));
    // Assess
    expect(error.message).toBe(
      'environments.dev.partitions.maxConcurency: unknown setting; expected one of maxConcurrency, toleratedFailurePercentage, prefixes, splitObjectsAboveBytes',
    );
  });

  it('Noncompliance: a bad reader limit quotes the value and its range', () => {
    // Prepare
    const raw = mutated('prod', (r) => (r['readerLimits'] = { maxRecordBatchRows: -1 }));
    // Act
    const error = errorOf(() => parseEnvironmentConfig('prod', raw));
    // Assess
    expect(error.message).toBe(
      `environments.prod.readerLimits.maxRecordBatchRows: -1 is not an integer in 1..${Number.MAX_SAFE_INTEGER}`,
    );
  });

  it('Noncompliance: an unknown reader limit lists the limits there are', () => {
    // Prepare
    const raw = mutated('dev', (r) => (r['readerLimits'] = { batchSize: 10 }));
    // Act
    const error = errorOf(() => parseEnvironmentConfig('dev', raw));
    // Assess
    expect(error.message).toBe(
      'environments.dev.readerLimits.batchSize: unknown setting; expected one of maxFieldLength, maxRecordLength, maxColumns, maxFieldsPerRow, maxRowBytes, maxDecompressedBytes, maxInflateRatio, maxRowGroupRows, maxRowGroupBytes, maxRecordBatchRows',
    );
  });

  it('Noncompliance: an unknown environment lists the ones that exist', () => {
    // Act
    const error = errorOf(() => selectEnvironment(cdkEnvironments(), 'qa'));
    // Assess
    expect(error.message).toContain('unknown environment "qa"');
    for (const name of ENVIRONMENT_NAMES) expect(error.message).toContain(name);
  });

  it('Noncompliance: a missing environments context says so', () => {
    // Act
    const error = errorOf(() => selectEnvironment(undefined, 'dev'));
    // Assess
    expect(error.message).toContain('"environments"');
  });
});

describe('CDK app (bin/app.ts) with a bad environment', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'prt-cdk-app-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  /** Runs the app as the CDK CLI does: context through CDK_CONTEXT_JSON, output to CDK_OUTDIR. */
  function runApp(context: Record<string, unknown>) {
    return spawnSync(process.execPath, ['--import', 'tsx', projectPath('bin/app.ts')], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify(context), CDK_OUTDIR: outdir },
      encoding: 'utf8',
      timeout: 60_000,
    });
  }

  it.each<[string, Record<string, unknown>, RegExp]>([
    ['an unknown -c env', { env: 'qa' }, /^prt: unknown environment "qa"; choose one of: dev, staging, prod/],
    [
      'an invalid field',
      {
        env: 'prod',
        environments: { prod: { ...(cdkEnvironments()['prod'] as object), alertEmail: 'nobody' } },
      },
      /^prt: environments\.prod\.alertEmail: /,
    ],
  ])('exits with status 1 and one line naming the problem for %s', (_case, context, message) => {
    // Prepare
    const fullContext = { environments: cdkEnvironments(), ...context };
    // Act
    const result = runApp(fullContext);
    // Assess
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
