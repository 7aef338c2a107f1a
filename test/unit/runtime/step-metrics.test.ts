/**
 * The metrics the dashboard graphs per tested output and per canary run, read from the EMF lines a
 * real Powertools Metrics prints: names, units and dimensions must be the ones lib/monitoring.ts
 * reads, and no dimension may name a run or a version.
 */
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from 'vitest';

import type { ValidateOutcome, ValidateRequest, ValidateResult } from '../../../lambdas/core/workflow';
import { CANARY_METRIC, OUTPUT_QUALITY_METRIC } from '../../../lambdas/runtime/deployment-names';
import { METRICS_NAMESPACE } from '../../../lambdas/runtime/observability';
import { countCanary, countTestedOutput } from '../../../lambdas/runtime/step-metrics';
import { csvInspection, objectRef, trainingDataOutput } from '../../fixtures/step-events';

interface EmfLine {
  readonly _aws: {
    readonly CloudWatchMetrics: readonly {
      readonly Namespace: string;
      readonly Dimensions: readonly (readonly string[])[];
      readonly Metrics: readonly { readonly Name: string; readonly Unit: string }[];
    }[];
  };
  readonly [field: string]: unknown;
}

/** One metric as CloudWatch will see it: name, unit, value and its dimensions. */
interface Emitted {
  readonly name: string;
  readonly unit: string;
  readonly value: unknown;
  readonly dimensions: Readonly<Record<string, unknown>>;
}

let log: MockInstance<typeof console.log>;

function emitted(): Emitted[] {
  return log.mock.calls.flatMap(([line]) => {
    const emf = JSON.parse(String(line)) as EmfLine;
    return emf._aws.CloudWatchMetrics.flatMap((directive) => {
      expect(directive.Namespace).toBe(METRICS_NAMESPACE);
      const dimensions = Object.fromEntries((directive.Dimensions[0] ?? []).map((d) => [d, emf[d]]));
      return directive.Metrics.map((m) => ({ name: m.Name, unit: m.Unit, value: emf[m.Name], dimensions }));
    });
  });
}

function newMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'validate' });
}

const NOW = new Date('2024-06-01T10:21:00Z'); // 30 s after objectRef's eventTime
const OBJECT = objectRef({
  key: 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv',
  etag: 'abc',
  size: 10,
  versionId: 'v1',
});
const OUTPUT = trainingDataOutput();

function result(rules: ValidateResult['rules']): ValidateResult {
  return {
    status: 'failed',
    rowCount: 4,
    failedRules: ['amount_positive'],
    reportUri: 's3://artifacts/reports/x.json',
    quarantineUri: null,
    summary: 'FAILED',
    ...(rules !== undefined ? { rules } : {}),
  };
}

const OBJECT_REQUEST: ValidateRequest = {
  mode: 'object',
  input: { object: OBJECT, output: OUTPUT, inspection: csvInspection() },
};

describe('countTestedOutput', () => {
  beforeEach(() => {
    // Powertools prints to the global console in dev mode, where the test reads it; dev mode
    // would also turn metrics off unless told otherwise.
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    log.mockRestore();
    vi.unstubAllEnvs();
  });

  it('emits the tested output per pipeline, its time from arrival and its quality score per output', () => {
    // Arrange
    const metrics = newMetrics();
    const outcome: ValidateOutcome = { mode: 'object', result: result({ checked: 4, passed: 3 }) };

    // Act
    countTestedOutput(metrics, OBJECT_REQUEST, outcome, NOW);

    // Assess
    expect(emitted()).toEqual([
      {
        name: OUTPUT_QUALITY_METRIC.outputsTested,
        unit: 'Count',
        value: 1,
        dimensions: { service: 'validate', Pipeline: 'sales' },
      },
      {
        name: OUTPUT_QUALITY_METRIC.arrivalToStatus,
        unit: 'Milliseconds',
        value: 30_000,
        dimensions: { service: 'validate', Pipeline: 'sales' },
      },
      {
        name: OUTPUT_QUALITY_METRIC.qualityScore,
        unit: 'Percent',
        value: 75,
        dimensions: { service: 'validate', Pipeline: 'sales', Output: 'preprocessing/training_data' },
      },
    ]);
  });

  it('keeps runs and versions out of the dimensions', () => {
    // Arrange
    const metrics = newMetrics();
    const outcome: ValidateOutcome = { mode: 'object', result: result({ checked: 2, passed: 2 }) };

    // Act
    countTestedOutput(metrics, OBJECT_REQUEST, outcome, NOW);

    // Assess
    const values = emitted().flatMap((m) => Object.values(m.dimensions));
    expect(values).not.toHaveLength(0);
    for (const value of values) {
      expect(String(value)).not.toContain(OUTPUT.runId ?? '2024-06-01');
      expect(String(value)).not.toContain('v1');
    }
  });

  it('measures a merged folder from its marker arrival', () => {
    // Arrange
    const metrics = newMetrics();
    const request: ValidateRequest = {
      mode: 'merge',
      input: { dataset: OBJECT, output: OUTPUT, toleratedFailurePercentage: 0 },
    };
    const outcome: ValidateOutcome = { mode: 'merge', result: result({ checked: 5, passed: 5 }) };

    // Act
    countTestedOutput(metrics, request, outcome, NOW);

    // Assess
    expect(emitted().map((m) => [m.name, m.value])).toEqual([
      [OUTPUT_QUALITY_METRIC.outputsTested, 1],
      [OUTPUT_QUALITY_METRIC.arrivalToStatus, 30_000],
      [OUTPUT_QUALITY_METRIC.qualityScore, 100],
    ]);
  });

  it('gives no score to a report that evaluated no rule, and no duration to an arrival time ahead of the clock', () => {
    // Arrange
    const metrics = newMetrics();
    const outcome: ValidateOutcome = { mode: 'object', result: result({ checked: 0, passed: 0 }) };

    // Act
    countTestedOutput(metrics, OBJECT_REQUEST, outcome, new Date('2024-06-01T10:00:00Z'));

    // Assess
    expect(emitted().map((m) => m.name)).toEqual([OUTPUT_QUALITY_METRIC.outputsTested]);
  });

  it('counts nothing for a plan or a part, which give no output its status', () => {
    // Arrange
    const metrics = newMetrics();
    const request: ValidateRequest = {
      mode: 'part',
      input: {
        dataset: OBJECT,
        output: OUTPUT,
        part: { Key: `${OBJECT.key}/part-1.csv`, Size: 5 },
      } as unknown as Extract<ValidateRequest, { mode: 'part' }>['input'],
    };
    const outcome = {
      mode: 'part',
      result: { skipped: false, rows: 5 },
    } as unknown as ValidateOutcome;

    // Act
    countTestedOutput(metrics, request, outcome, NOW);
    metrics.publishStoredMetrics();

    // Assess
    expect(log).not.toHaveBeenCalled();
  });
});

describe('countCanary', () => {
  beforeEach(() => {
    vi.stubEnv('POWERTOOLS_DEV', 'true');
    vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'false');
    log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  });

  afterEach(() => {
    log.mockRestore();
    vi.unstubAllEnvs();
  });

  const canaryMetrics = () => new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'canary' });

  it('counts a failed verdict and its differences', () => {
    // Arrange
    const metrics = canaryMetrics();
    const verdict = { passed: false, differences: [{}, {}] };

    // Act
    countCanary(metrics, { verdict });
    metrics.publishStoredMetrics();

    // Assess
    expect(emitted()).toEqual([
      { name: CANARY_METRIC.failed, unit: 'Count', value: 1, dimensions: { service: 'canary' } },
      { name: CANARY_METRIC.differences, unit: 'Count', value: 2, dimensions: { service: 'canary' } },
    ]);
  });

  it('counts a passed verdict', () => {
    // Arrange
    const metrics = canaryMetrics();

    // Act
    countCanary(metrics, { verdict: { passed: true, differences: [] } });
    metrics.publishStoredMetrics();

    // Assess
    expect(emitted().map((m) => [m.name, m.value])).toEqual([
      [CANARY_METRIC.passed, 1],
      [CANARY_METRIC.differences, 0],
    ]);
  });

  it('counts nothing while the check is still polling', () => {
    // Arrange
    const metrics = canaryMetrics();

    // Act
    countCanary(metrics, { verdict: null });
    metrics.publishStoredMetrics();

    // Assess
    expect(log).not.toHaveBeenCalled();
  });
});
