import { parquetReadObjects } from 'hyparquet';
import { describe, expect, it } from 'vitest';

import { ContractCatalog } from '../../../../lambdas/core/contracts/contract-catalog';
import { InvalidInputError } from '../../../../lambdas/core/errors';
import { resultsKey } from '../../../../lambdas/core/results';
import {
  describeEndedError,
  MAX_ENDED_REPORT_BYTES,
  recordEndedTest,
  testedVersionOf,
} from '../../../../lambdas/core/workflow/record-ended-test';
import { validateOutput } from '../../../../lambdas/core/workflow/validate-output';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { ARTIFACTS_BUCKET, CONTRACTS_PREFIX, seedSampleContracts } from '../../../fixtures/sample-contracts';
import { LANDING_BUCKET, csvInspection, objectRef, trainingDataOutput } from '../../../fixtures/step-events';

const KEY = 'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv';
const BODY = 'order_id,customer_id,purchase_amount,ordered_at\no1,1,10.5,2024-06-01T09:00:00Z\n';
const ENDED_AT = '2024-06-01T10:21:30.000Z';
const LAMBDA_CAUSE = JSON.stringify({
  errorType: 'TimeBudgetExceeded',
  errorMessage: "stopped with 2 s of the function's 60 s left, before its timeout",
  trace: ['at validate (validate.js:1:1)'],
});

function setup() {
  const store = new InMemoryObjectStore(7);
  seedSampleContracts(store);
  const stored = store.put(LANDING_BUCKET, KEY, BODY, { versionId: 'v1' });
  const object = objectRef({ key: KEY, etag: stored.etag, size: stored.body.byteLength, versionId: 'v1' });
  const deps = {
    store,
    artifactsBucket: ARTIFACTS_BUCKET,
    reportsPrefix: 'reports/',
    resultsPrefix: 'results/',
  };
  return { store, object, output: trainingDataOutput(), deps };
}

async function rowsOf(store: InMemoryObjectStore, key: string): Promise<Record<string, unknown>[]> {
  const body = store.get(ARTIFACTS_BUCKET, key)!.body;
  const file = body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
  return parquetReadObjects({ file });
}

describe('recordEndedTest', () => {
  it('writes the one version row of a test that ended in error before any report, with its reason', async () => {
    // Arrange
    const { store, object, output, deps } = setup();

    // Act
    const result = await recordEndedTest(
      {
        object,
        output,
        status: 'error',
        error: { name: 'TimeBudgetExceeded', cause: LAMBDA_CAUSE },
        endedAt: ENDED_AT,
      },
      deps,
    );

    // Assess
    const version = testedVersionOf(object, output);
    expect(result).toEqual({
      status: 'error',
      rowsFrom: 'error',
      versionResultsKey: resultsKey('results/', 'version_results', version),
    });
    const rows = await rowsOf(store, result.versionResultsKey);
    expect(rows).toEqual([
      expect.objectContaining({
        status: 'error',
        version: 'v1',
        run: '2024-06-01',
        summary:
          "ERROR: TimeBudgetExceeded: stopped with 2 s of the function's 60 s left, before its timeout",
        bytes: BigInt(object.size),
        row_count: null,
        seconds_to_verdict: 60,
      }),
    ]);
    expect(await rowsOf(store, resultsKey('results/', 'rule_results', version))).toEqual([]);
  });

  it("keeps a stored report's rules but marks them and the version as ended in error", async () => {
    // Arrange: validation stored its report and rows, then a later step (Convert) failed.
    const { store, object, output, deps } = setup();
    const catalog = new ContractCatalog(store, ARTIFACTS_BUCKET, CONTRACTS_PREFIX);
    await validateOutput(
      { object, output, inspection: csvInspection() },
      { ...deps, catalog, quarantinePrefix: 'quarantine/', now: () => new Date('2024-06-01T10:21:00Z') },
    );
    const version = testedVersionOf(object, output);
    const before = await rowsOf(store, resultsKey('results/', 'version_results', version));
    expect(before).toEqual([expect.objectContaining({ status: 'passed' })]);

    // Act
    const result = await recordEndedTest(
      {
        object,
        output,
        status: 'error',
        error: { name: 'States.Timeout', cause: 'the Convert task timed out' },
        endedAt: ENDED_AT,
      },
      deps,
    );

    // Assess
    expect(result.rowsFrom).toBe('report');
    const after = await rowsOf(store, result.versionResultsKey);
    expect(after).toEqual([expect.objectContaining({ status: 'error', rules_passed: 0n, row_count: 1n })]);
    expect(String(after[0]!['summary'])).toMatch(/^ERROR: States.Timeout: the Convert task timed out; /);
    const outcomes = (await rowsOf(store, resultsKey('results/', 'rule_results', version))).map(
      (r) => r['outcome'],
    );
    expect(outcomes.length).toBeGreaterThan(0);
    expect(outcomes).not.toContain('PASS');
  });

  it('writes an unreadable object as failed with its format finding, without looking for a report', async () => {
    // Arrange
    const { store, object, output, deps } = setup();

    // Act
    const result = await recordEndedTest(
      {
        object,
        output,
        status: 'failed',
        error: { name: 'FormatError', cause: 'line 2 has 3 fields, the header 4' },
        endedAt: ENDED_AT,
      },
      deps,
    );

    // Assess
    expect(result.rowsFrom).toBe('error');
    const [version] = await rowsOf(store, result.versionResultsKey);
    expect(version).toMatchObject({ status: 'failed', rules_failed: 1n });
    const rules = await rowsOf(
      store,
      resultsKey('results/', 'rule_results', testedVersionOf(object, output)),
    );
    expect(rules.map((r) => [r['rule_name'], r['outcome']])).toEqual([['format', 'FAIL']]);
  });

  it('refuses to read back a report past its bound, rather than writing rows that leave it out', async () => {
    // Arrange
    const { store, object, output, deps } = setup();
    const reportKey = `reports/${LANDING_BUCKET}/${KEY}/v1.json`;
    store.put(ARTIFACTS_BUCKET, reportKey, new Uint8Array(MAX_ENDED_REPORT_BYTES + 1));

    // Act
    const recording = recordEndedTest(
      { object, output, status: 'error', error: { name: 'X', cause: '' }, endedAt: ENDED_AT },
      deps,
    );

    // Assess
    await expect(recording).rejects.toThrow(InvalidInputError);
    await expect(recording).rejects.toThrow(/over the 16777216 a report is read back within/);
  });

  it("reads a Lambda error's message out of its cause, and keeps any other cause as it is", () => {
    // Arrange
    const lambda = { name: 'TimeBudgetExceeded', cause: LAMBDA_CAUSE };
    const states = { name: 'States.Timeout', cause: 'Task timed out after 360 seconds' };

    // Act
    const described = [lambda, states, { name: 'States.TaskFailed', cause: '' }].map(describeEndedError);

    // Assess
    expect(described).toEqual([
      "TimeBudgetExceeded: stopped with 2 s of the function's 60 s left, before its timeout",
      'States.Timeout: Task timed out after 360 seconds',
      'States.TaskFailed',
    ]);
  });
});
