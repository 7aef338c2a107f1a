/**
 * The standard's published examples (test/fixtures/odcs, from bitol-io/open-data-contract-standard)
 * load, each with the features prt cannot map reported by name; the ones whose meaning prt cannot
 * keep are refused with the line of the cause.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { importOdcsContract, loadContract } from '../../../../../lambdas/core/contracts';
import { ContractError } from '../../../../../lambdas/core/errors';

const EXAMPLES = join(import.meta.dirname, '../../../../fixtures/odcs');

function example(file: string): string {
  return readFileSync(join(EXAMPLES, file), 'utf8');
}

/** Most examples describe database tables: name the pipeline, step and key template they lack. */
const PLACE = { pipeline: 'examples', step: 'odcs', path: 'examples/odcs/' };

describe('published ODCS examples', () => {
  it.each([
    [
      'column-completeness.odcs.yaml',
      [['UniqueID_nullValues', 'not_null', 1]],
      ['physicalType', 'schedule', 'scheduler'],
    ],
    ['column-validity.odcs.yaml', [['air_quality_status_invalidValues', 'in_set', 0.95]], ['businessImpact']],
    ['column-accuracy.odcs.yaml', [], ['sql']],
    ['column-custom.odcs.yaml', [], ['engine soda']],
    ['table-column.odcs.yaml', [], ['dataProduct', 'authoritativeDefinitions']],
    ['table-column-description.odcs.yaml', [], ['examples']],
    ['table-columns-with-partition.odcs.yaml', [['primary_key', 'unique', 1]], ['partitioned']],
  ])('%s loads, its checks mapped and what prt cannot map named', (file, checks, named) => {
    // Arrange
    const text = example(file);

    // Act
    const { contract, warnings } = importOdcsContract(text, file, PLACE);

    // Assess
    expect(contract.quality.map((r) => [r.name, r.condition.kind, r.threshold])).toEqual(checks);
    const features = warnings.map((w) => w.feature);
    for (const feature of named) expect(features).toContain(feature);
    for (const w of warnings) expect(w.line).toBeGreaterThan(0);
  });

  it('reads each object of the full example, with everything prt does not use named', () => {
    // Arrange
    const text = example('full-example.odcs.yaml');

    // Act
    const tbl = importOdcsContract(text, 'full-example.odcs.yaml', { ...PLACE, object: 'tbl' });
    const receivers = importOdcsContract(text, 'full-example.odcs.yaml', { ...PLACE, object: 'receivers' });

    // Assess
    expect(tbl.contract.schema.map((c) => [c.name, c.type, c.nullable, c.classification])).toEqual([
      ['transaction_reference_date', 'date', true, 'public'],
      ['rcvr_id', 'string', false, 'restricted'],
      ['rcvr_cntry_code', 'string', true, 'public'],
    ]);
    expect(tbl.contract.quality.map((r) => [r.name, r.condition.kind])).toEqual([
      ['rcvr_cntry_code_nullValues', 'not_null'],
    ]);
    const features = tbl.warnings.map((w) => w.feature);
    for (const feature of [
      'rowCount',
      'relationships',
      'slaProperties.latency',
      'slaProperties.retention',
      'team',
      'roles',
      'support',
      'price',
      'server postgres',
      'object receivers',
    ])
      expect(features).toContain(feature);
    expect(receivers.contract.quality.map((r) => r.condition)).toEqual([
      { kind: 'unique', fields: ['id', 'country_code'] },
    ]);
  });

  it.each([
    ['full-example.odcs.yaml', /line 37: schema: has 2 objects \(tbl, receivers\)/],
    ['column-validity.odcs.yaml', /line 1: domain: prt needs a pipeline name/],
  ])('%s does not load as it stands: it names what is missing', (file, message) => {
    // Arrange
    const text = example(file);

    // Act
    const load = (): unknown => loadContract(text, file);

    // Assess
    expect(load).toThrow(ContractError);
    expect(load).toThrow(message);
  });

  it('refuses the data-types example at the time zone prt cannot read timestamps in', () => {
    // Arrange
    const text = example('all-data-types.odcs.yaml');

    // Act
    const load = (): unknown => importOdcsContract(text, 'all-data-types.odcs.yaml', PLACE);

    // Assess
    expect(load).toThrow(
      /line 43: schema\[0\]\.properties\[3\]\.logicalTypeOptions\.defaultTimezone: 'Australia\/Sydney'/,
    );
  });
});
