/**
 * The contract's `expected` key: schedules (cron or rate, in UTC) with a grace, or a delay after a
 * declared input of the same run; errors name the line; ODCS slaProperties carry it both ways.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2019 from 'ajv/dist/2019';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { exportOdcs } from '../../../../lambdas/core/contracts/odcs/export-odcs';
import { contractFileForm } from '../../../../lambdas/core/contracts/contract-file-form';
import { loadContract, parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { ContractError } from '../../../../lambdas/core/errors';

const SOURCE = 'contracts/sales-features-order_features.yaml';

/** A valid contract with lines appended (the first appended one is line 9). */
function contractText(append: readonly string[]): string {
  return (
    [
      'pipeline: sales', // 1
      'step: features', // 2
      'output: order_features', // 3
      'path: features/{run_id}/order_features.csv', // 4
      'format: csv', // 5
      'inputs: [ingestion/raw_orders]', // 6
      'schema:', // 7
      '  - { name: order_id, type: string, nullable: false }', // 8
      ...append,
    ].join('\n') + '\n'
  );
}

function parseFailure(text: string): string {
  try {
    parseContract(text, SOURCE);
  } catch (error) {
    if (error instanceof ContractError) return error.message;
    throw error;
  }
  throw new Error('expected parseContract to reject the contract, but it accepted it');
}

describe('parseContract: expected', () => {
  it('reads a schedule with its grace and a delay after an input', () => {
    // Act
    const contract = parseContract(
      contractText([
        'expected:',
        '  - { schedule: cron(0 6 * * ? *), grace: 30m }',
        '  - after: { input: ingestion/raw_orders, within: 2h }',
      ]),
      SOURCE,
    );

    // Assess
    const [daily, after] = contract.expected!;
    expect(daily).toMatchObject({ kind: 'schedule', index: 0, graceSeconds: 1800, graceText: '30m' });
    expect(daily?.kind === 'schedule' && daily.schedule.cron).toBe('cron(0 6 * * ? *)');
    expect(after).toEqual({
      kind: 'after',
      index: 1,
      input: 'ingestion/raw_orders',
      withinSeconds: 7200,
      withinText: '2h',
    });
    expect(contractFileForm(contract).expected).toEqual([
      { schedule: 'cron(0 6 * * ? *)', grace: '30m' },
      { after: { input: 'ingestion/raw_orders', within: '2h' } },
    ]);
  });

  it('leaves the property out without the key', () => {
    // Act / Assess
    expect(parseContract(contractText([]), SOURCE).expected).toBeUndefined();
  });

  it.each([
    [
      ['expected:', '  - { schedule: cron(0 6 * * * *) }'],
      'line 10: expected[0].schedule: ',
      'exactly one of day-of-month and day-of-week must be ?',
    ],
    [
      ['expected:', '  - { schedule: rate(1 day), grace: soon }'],
      'line 10: expected[0].grace: ',
      "'soon' must be a duration",
    ],
    [
      ['expected:', '  - { schedule: rate(1 day), grace: 8d }'],
      'line 10: expected[0].grace: ',
      'between 0 and 7d',
    ],
    [
      ['expected:', '  - after: { input: ingestion/other, within: 2h }'],
      'line 10: expected[0].after.input: ',
      'is not an input of this contract',
    ],
    [
      ['expected:', '  - after: { input: ingestion/raw_orders, within: 10s }'],
      'line 10: expected[0].after.within: ',
      'between 60 s and 7d',
    ],
    [['expected:', '  - { grace: 30m }'], 'line 10: expected[0]: ', 'give either schedule'],
    [
      ['expected:', '  - { schedule: cron(0 6 * * ? *) }', '  - { schedule: cron(0 6 * * ? *), grace: 1h }'],
      'line 11: expected[1].schedule: ',
      'is expected twice',
    ],
    [
      ['expected:', '  - { schedule: cron(0 6 * * ? *), when: daily }'],
      'line 10: expected[0].when: ',
      "unknown key 'when'",
    ],
  ])('refuses %j with the line and key path', (append, where, reason) => {
    // Act
    const message = parseFailure(contractText(append));

    // Assess
    expect(message).toContain(where);
    expect(message).toContain(reason);
  });

  it('refuses a relative expectation on an output whose path names no run', () => {
    // Act
    const message = parseFailure(
      contractText(['expected:', '  - after: { input: ingestion/raw_orders, within: 2h }']).replace(
        'features/{run_id}/order_features.csv',
        'features/order_features.csv',
      ),
    );

    // Assess
    expect(message).toContain('line 10: expected[0].after: ');
    expect(message).toContain('names no run');
  });
});

const ajv = new Ajv2019({ strict: false, allErrors: true });
addFormats(ajv);
const validOdcs = ajv.compile(
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../../fixtures/odcs/odcs-json-schema-v3.1.0.json'), 'utf8'),
  ) as object,
);

describe('expected in ODCS slaProperties', () => {
  it('exports timeOfAvailability and latency in a valid document and reads them back', () => {
    // Arrange
    const contract = parseContract(
      contractText([
        'expected:',
        '  - { schedule: cron(0 6 * * ? *), grace: 30m }',
        '  - { schedule: rate(1 day) }',
        '  - after: { input: ingestion/raw_orders, within: 90m }',
      ]),
      SOURCE,
    );

    // Act
    const doc = exportOdcs(contract);
    const { contract: back, warnings } = loadContract(stringify(doc), 'exported.odcs.yaml');

    // Assess
    expect(validOdcs(doc)).toBe(true);
    expect((doc.slaProperties as unknown[]).map((p) => (p as { property: string }).property)).toEqual([
      'timeOfAvailability',
      'timeOfAvailability',
      'latency',
    ]);
    expect(warnings.filter((w) => w.path.startsWith('slaProperties'))).toEqual([]);
    expect(contractFileForm(back).expected).toEqual(contractFileForm(contract).expected);
  });

  it('reads a time of day with an offset as a daily UTC deadline, and names every service level it does not map', () => {
    // Arrange
    const text = stringify({
      apiVersion: 'v3.1.0',
      kind: 'DataContract',
      id: 'orders',
      version: '1.0.0',
      status: 'active',
      name: 'ingestion',
      domain: 'sales',
      servers: [{ server: 'prod', type: 's3', location: 's3://lake/orders/{run_id}/', format: 'csv' }],
      schema: [{ name: 'orders', properties: [{ name: 'id', logicalType: 'string' }] }],
      slaProperties: [
        { property: 'timeOfAvailability', value: '09:00-08:00', driver: 'regulatory' },
        { property: 'latency', value: 4, unit: 'd', element: 'tab1.txn_ref_dt' },
        { property: 'retention', value: 3, unit: 'y' },
      ],
    });

    // Act
    const { contract, warnings } = loadContract(text, 'orders.odcs.yaml');

    // Assess
    expect(contractFileForm(contract).expected).toEqual([{ schedule: 'cron(0 17 * * ? *)' }]);
    expect(
      warnings.filter((w) => w.path.startsWith('slaProperties')).map((w) => [w.path, w.feature]),
    ).toEqual([
      ['slaProperties[0].driver', 'slaProperties.timeOfAvailability.driver'],
      ['slaProperties[1]', 'slaProperties.latency'],
      ['slaProperties[2]', 'slaProperties.retention'],
    ]);
  });
});
