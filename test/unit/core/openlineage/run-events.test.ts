/**
 * The OpenLineage events of a tested version, validated against the specification's own JSON
 * Schemas (test/fixtures/openlineage: the core model and every facet the events carry).
 */
import { describe, expect, it } from 'vitest';
import { openLineageSpecValidator } from '../../../fixtures/openlineage-spec-validator';

import {
  FACET_SCHEMA_URLS,
  nameBasedUuid,
  runEventsOf,
  testRunEvent,
  type RunEvent,
  type TestedVersion,
} from '../../../../lambdas/core/openlineage';
import type { ValidationReport } from '../../../../lambdas/core/validation/validation-report';

const validate = openLineageSpecValidator();

function report(status: 'passed' | 'failed'): ValidationReport {
  return {
    output: 'sales/preprocessing/training_data',
    status,
    rowCount: 3,
    schema: {
      level: 'strict',
      accepted: 'compatible',
      columns: [
        {
          name: 'order_id',
          expectedType: 'string',
          finding: 'ok',
          level: 'strict',
          nulls: 0,
          nonConforming: 0,
        },
        {
          name: 'amount',
          expectedType: 'float64',
          finding: 'ok',
          level: 'strict',
          nulls: 1,
          nonConforming: 0,
        },
      ],
    },
    rules: [
      {
        name: 'amount_positive',
        type: 'range',
        field: 'amount',
        threshold: 0.99,
        severity: 'error',
        evaluated: 3,
        passed: status === 'passed' ? 3 : 2,
        failed: status === 'passed' ? 0 : 1,
        passRate: status === 'passed' ? 1 : 2 / 3,
        outcome: status === 'passed' ? 'pass' : 'fail',
      },
    ],
    failedRules: status === 'passed' ? [] : ['amount_positive'],
    failedRowCount: status === 'passed' ? 0 : 1,
    summary: status === 'passed' ? 'all rules passed' : '1 of 1 rules failed',
    profile: [
      {
        name: 'amount',
        type: 'float64',
        count: 3,
        nulls: 1,
        nullRate: 1 / 3,
        nonConforming: 0,
        distinct: { value: 2, exact: true, relativeError: 0 },
        min: '-1',
        max: '5.5',
        quantiles: { '0.5': 2 },
      },
      {
        name: 'order_id',
        type: 'string',
        count: 3,
        nulls: 0,
        nullRate: 0,
        nonConforming: 0,
        distinct: { value: 3000, exact: false, relativeError: 0.02 },
        min: 'o-1',
        max: 'o-3',
      },
    ],
  } as unknown as ValidationReport;
}

function tested(status: TestedVersion['status'], extra: Partial<TestedVersion> = {}): TestedVersion {
  return {
    object: {
      bucket: 'data',
      key: 'pipelines/sales/r1/preprocessing/training_data/part-0.csv',
      version: 'v3',
    },
    output: 'sales/preprocessing/training_data',
    status,
    ...(status === 'error' ? {} : { report: report(status === 'failed' ? 'failed' : 'passed') }),
    execution: 'arn:aws:states:eu-west-1:1:execution:prt:abc',
    inputs: [{ bucket: 'data', key: 'pipelines/sales/r1/ingestion/raw_orders/orders.csv', version: 'v1' }],
    eventTime: '2026-12-07T00:00:00.000Z',
    ...extra,
  };
}

describe('runEventsOf', () => {
  it('emits a producing-step event and a test event that the OpenLineage schemas accept, for every status', () => {
    for (const status of ['passed', 'warned', 'failed', 'error'] as const) {
      // Act
      const events = runEventsOf(tested(status, status === 'error' ? { error: 'FormatError: row 3' } : {}), {
        namespace: 'prt-dev',
      });

      // Assess
      expect(events).toHaveLength(2);
      for (const event of events) expect(validate(event)).toEqual([]);
      expect(events[1]!.eventType).toBe(status === 'failed' || status === 'error' ? 'FAIL' : 'COMPLETE');
    }
  });

  it('names the tested object by bucket, key and version, with assertions, metrics and schema', () => {
    // Act
    const [produce, test] = runEventsOf(tested('failed'), { namespace: 'prt-dev' });

    // Assess
    const input = test!.inputs[0]!;
    expect(input.namespace).toBe('s3://data');
    expect(input.name).toBe('pipelines/sales/r1/preprocessing/training_data/part-0.csv');
    expect(input.facets?.['version']?.['datasetVersion']).toBe('v3');
    expect(test!.job).toEqual({ namespace: 'prt-dev', name: 'test.sales.preprocessing.training_data' });
    expect(input.inputFacets?.['dataQualityAssertions']?.['assertions']).toEqual([
      {
        assertion: 'range',
        success: false,
        column: 'amount',
        severity: 'error',
        name: 'amount_positive',
        expected: 'range on 99% of rows',
        actual: '2 of 3 rows passed',
      },
      {
        assertion: 'schema_compatibility',
        success: true,
        severity: 'error',
        name: 'schema',
        expected: 'compatible or better',
        actual: 'strict',
      },
    ]);
    const metrics = input.inputFacets?.['dataQualityMetrics']?.['columnMetrics'] as Record<string, object>;
    expect(metrics['amount']).toEqual({
      nullCount: 1,
      count: 3,
      distinctCount: 2,
      min: -1,
      max: 5.5,
      quantiles: { '0.5': 2 },
    });
    // An estimated distinct count is left out rather than passed off as a count; text has no min.
    expect(metrics['order_id']).toEqual({ nullCount: 0, count: 3 });
    expect(input.facets?.['schema']?.['fields']).toEqual([
      { name: 'order_id', type: 'string', ordinal_position: 1 },
      { name: 'amount', type: 'float64', ordinal_position: 2 },
    ]);
    expect(test!.run.facets?.['errorMessage']?.['message']).toBe('1 of 1 rules failed');
    expect(produce!.job).toEqual({ namespace: 'sales', name: 'preprocessing' });
    expect(
      produce!.inputs.map((i) => [i.namespace, i.name, i.facets?.['version']?.['datasetVersion']]),
    ).toEqual([['s3://data', 'pipelines/sales/r1/ingestion/raw_orders/orders.csv', 'v1']]);
    expect(produce!.outputs.map((o) => o.name)).toEqual([input.name]);
  });

  it('keeps run ids stable for a retried emission and distinct between executions', () => {
    // Act
    const a = testRunEvent(tested('passed'), { namespace: 'prt' });
    const b = testRunEvent(tested('passed'), { namespace: 'prt' });
    const c = testRunEvent(tested('passed', { execution: 'another' }), { namespace: 'prt' });

    // Assess
    expect(a.run.runId).toBe(b.run.runId);
    expect(c.run.runId).not.toBe(a.run.runId);
    expect(nameBasedUuid('x')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
  });

  it('the validator rejects an event the specification does not allow', () => {
    // Arrange: a facet without its producer, and a run id that is not a UUID
    const event = testRunEvent(tested('passed'), { namespace: 'prt' });
    const broken = {
      ...event,
      run: { runId: 'not-a-uuid' },
      inputs: [
        {
          ...event.inputs[0]!,
          facets: { version: { _schemaURL: FACET_SCHEMA_URLS.version, datasetVersion: 'v' } },
        },
      ],
    } as unknown as RunEvent;

    // Act
    const errors = validate(broken);

    // Assess
    expect(errors.some((e) => /runId/.test(e) && /uuid/.test(e))).toBe(true);
    expect(errors.some((e) => /version/.test(e) && /_producer/.test(e))).toBe(true);
  });
});
