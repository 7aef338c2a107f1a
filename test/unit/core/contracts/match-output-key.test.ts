import { describe, expect, it } from 'vitest';

import { compilePathTemplate, matchOutputKey } from '../../../../lambdas/core/contracts/match-output-key';
import type { OutputContract } from '../../../../lambdas/core/contracts/output-contract';
import { ContractError } from '../../../../lambdas/core/errors';

function contract(output: string, path: string): OutputContract {
  return {
    pipeline: 'sales',
    step: 'preprocessing',
    output,
    path,
    format: 'csv',
    csv: { delimiter: ',', header: true },
    compatibility: 'compatible',
    inputs: [],
    allowExtraColumns: true,
    schema: [{ name: 'id', type: 'string', nullable: false }],
    quality: [],
  };
}

describe('matchOutputKey', () => {
  it('captures the run_id placeholder from the key', () => {
    // Prepare
    const contracts = [contract('training_data', 'pipelines/sales/{run_id}/preprocessing/training_data/')];

    // Act
    const match = matchOutputKey(
      contracts,
      'pipelines/sales/2024-06-01/preprocessing/training_data/part-0.csv',
    );

    // Assess
    expect(match?.contract.output).toBe('training_data');
    expect(match?.variables).toEqual({ run_id: '2024-06-01' });
  });

  it('captures several placeholders by name', () => {
    // Prepare
    const contracts = [contract('daily', 'exports/{region}/{run}/daily_{day}.csv')];

    // Act
    const match = matchOutputKey(contracts, 'exports/eu-west-1/r42/daily_2024-06-01.csv');

    // Assess
    expect(match?.variables).toEqual({ region: 'eu-west-1', run: 'r42', day: '2024-06-01' });
  });

  it('claims keys nested any depth below a template ending in /', () => {
    // Prepare
    const contracts = [contract('training_data', 'pipelines/sales/{run_id}/training_data/')];

    // Act
    const match = matchOutputKey(contracts, 'pipelines/sales/r1/training_data/year=2024/month=06/part-0.csv');

    // Assess
    expect(match?.variables).toEqual({ run_id: 'r1' });
  });

  it('does not let a placeholder span a / (one key segment only)', () => {
    // Prepare
    const contracts = [contract('training_data', 'pipelines/sales/{run_id}/training_data/')];

    // Act
    const match = matchOutputKey(contracts, 'pipelines/sales/a/b/training_data/part-0.csv');

    // Assess
    expect(match).toBeUndefined();
  });

  it('does not claim the folder key itself (a trailing / needs something below it)', () => {
    // Prepare
    const contracts = [contract('training_data', 'pipelines/sales/{run_id}/training_data/')];

    // Act
    const match = matchOutputKey(contracts, 'pipelines/sales/r1/training_data/');

    // Assess
    expect(match).toBeUndefined();
  });

  it('claims exactly one key shape when the template has no trailing /', () => {
    // Prepare
    const contracts = [contract('summary', 'reports/{run_id}/summary.csv')];

    // Act
    const exact = matchOutputKey(contracts, 'reports/r1/summary.csv');
    const longer = matchOutputKey(contracts, 'reports/r1/summary.csv.bak');
    const nested = matchOutputKey(contracts, 'reports/r1/summary.csv/part-0');
    const prefixed = matchOutputKey(contracts, 'old/reports/r1/summary.csv');

    // Assess
    expect(exact?.variables).toEqual({ run_id: 'r1' });
    expect(longer).toBeUndefined();
    expect(nested).toBeUndefined();
    expect(prefixed).toBeUndefined();
  });

  it('picks the most specific template when several claim a key', () => {
    // Prepare
    const broad = contract('everything', 'pipelines/sales/{run_id}/');
    const narrow = contract('training_data', 'pipelines/sales/{run_id}/preprocessing/training_data/');

    // Act
    const either = matchOutputKey(
      [broad, narrow],
      'pipelines/sales/r1/preprocessing/training_data/part-0.csv',
    );
    const reversed = matchOutputKey(
      [narrow, broad],
      'pipelines/sales/r1/preprocessing/training_data/part-0.csv',
    );
    const onlyBroad = matchOutputKey([broad, narrow], 'pipelines/sales/r1/ingestion/raw.csv');

    // Assess
    expect(either?.contract).toBe(narrow);
    expect(reversed?.contract).toBe(narrow);
    expect(either?.specificity).toBe('pipelines/sales//preprocessing/training_data/'.length);
    expect(onlyBroad?.contract).toBe(broad);
  });

  it('counts literal characters, not placeholders, as specificity', () => {
    // Prepare: the literal template is longer in literals though shorter as text
    const literal = contract('literal', 'data/sales/x/');
    const placeholders = contract('placeholders', 'data/{a}/{bbbbbbbbbbbb}/');

    // Act
    const match = matchOutputKey([placeholders, literal], 'data/sales/x/part.csv');

    // Assess
    expect(match?.contract).toBe(literal);
    expect(match?.specificity).toBe(13);
  });

  it('refuses to choose between two equally specific templates, naming both', () => {
    // Prepare
    const first = contract('by_region', 'data/{region}/daily/');
    const second = contract('by_day', 'data/daily/{day}/');

    // Act
    const act = () => matchOutputKey([first, second], 'data/daily/daily/part.csv');

    // Assess
    expect(act).toThrow(ContractError);
    expect(act).toThrow(
      "key 'data/daily/daily/part.csv' is claimed equally by sales/preprocessing/by_region and sales/preprocessing/by_day; make one path template more specific",
    );
  });

  it('returns undefined when no contract claims the key', () => {
    // Prepare
    const contracts = [contract('training_data', 'pipelines/sales/{run_id}/training_data/')];

    // Act
    const match = matchOutputKey(contracts, 'pipelines/marketing/r1/training_data/part-0.csv');

    // Assess
    expect(match).toBeUndefined();
  });

  it('returns undefined when there are no contracts at all', () => {
    // Prepare
    const contracts: OutputContract[] = [];

    // Act
    const match = matchOutputKey(contracts, 'anything.csv');

    // Assess
    expect(match).toBeUndefined();
  });

  it.each([
    ['.', 'data/v1.0/{run}/out.csv', 'data/v1x0/r/out.csv'],
    ['+', 'data/a+b/{run}/', 'data/aab/r/x'],
    ['*', 'data/*/{run}/', 'data/anything/r/x'],
    ['?', 'data/a?/{run}/', 'data/a/r/x'],
    ['( ) |', 'data/(a|b)/{run}/', 'data/a/r/x'],
    ['[ ]', 'data/[ab]/{run}/', 'data/a/r/x'],
    ['^ $', 'data/^a$/{run}/', 'data/a/r/x'],
    ['\\', 'data/a\\d/{run}/', 'data/a1/r/x'],
  ])('treats the regex metacharacter(s) %s in a template as literal text', (_chars, template, lookalike) => {
    // Prepare
    const contracts = [contract('out', template)];
    const literalKey = template.replace('{run}', 'r1').replace(/\/$/, '/part.csv');

    // Act
    const literal = matchOutputKey(contracts, literalKey);
    const other = matchOutputKey(contracts, lookalike);

    // Assess
    expect(literal?.variables).toEqual({ run: 'r1' });
    expect(other).toBeUndefined();
  });
});

describe('compilePathTemplate', () => {
  it('matches keys containing newlines below a trailing /', () => {
    // Prepare
    const match = compilePathTemplate('landing/{run_id}/');

    // Act
    const variables = match('landing/r1/odd\nname.csv');

    // Assess
    expect(variables).toEqual({ run_id: 'r1' });
  });

  it('requires a non-empty value for each placeholder', () => {
    // Prepare
    const match = compilePathTemplate('landing/{run_id}/out.csv');

    // Act
    const variables = match('landing//out.csv');

    // Assess
    expect(variables).toBeUndefined();
  });
});
