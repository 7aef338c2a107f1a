/** The contract loader's `publish` key: write-audit-publish (decision 0026). */
import { describe, expect, it } from 'vitest';

import { contractFileForm } from '../../../../lambdas/core/contracts/contract-file-form';
import { exportOdcs } from '../../../../lambdas/core/contracts/odcs/export-odcs';
import { importOdcsContract, parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { CONTRACT_SOURCE as SOURCE, contractText, parseFailure } from '../../../fixtures/contract-text';

const STAGING = 'pipelines/sales/{run_id}/preprocessing/training_data/';

describe('parseContract: publish', () => {
  it('reads the published path and defaults when to [passed]', () => {
    // Arrange
    const text = contractText(['publish:', '  to: published/sales/{run_id}/training_data/'], STAGING);

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.publish).toEqual({ to: 'published/sales/{run_id}/training_data/', when: ['passed'] });
  });

  it('accepts warned besides passed, once each', () => {
    // Arrange
    const text = contractText(
      ['publish:', '  to: published/sales/{run_id}/training_data/', '  when: [passed, warned, warned]'],
      STAGING,
    );

    // Act
    const contract = parseContract(text, SOURCE);

    // Assess
    expect(contract.publish?.when).toEqual(['passed', 'warned']);
  });

  it('leaves the property out when the output is not gated', () => {
    // Act
    const contract = parseContract(contractText([], STAGING), SOURCE);

    // Assess
    expect(contract).not.toHaveProperty('publish');
  });

  it.each([
    [
      'a placeholder path does not capture',
      ['publish:', '  to: published/sales/{day}/training_data/'],
      `line 9: publish.to: {day} is not a placeholder of path '${STAGING}': the published key is named from the staged key`,
    ],
    [
      'a key where path is a folder',
      ['publish:', '  to: published/sales/{run_id}/training_data.csv'],
      `line 9: publish.to: path '${STAGING}' is a folder: end 'published/sales/{run_id}/training_data.csv' with / too, so each staged object keeps its name under it`,
    ],
    [
      'a path overlapping the staging path',
      ['publish:', '  to: pipelines/sales/published/{run_id}/'],
      `line 9: publish.to: 'pipelines/sales/published/{run_id}/' overlaps the staging path '${STAGING}' (literal prefixes 'pipelines/sales/published/' and 'pipelines/sales/'): a published copy would be claimed as a new arrival, or a staged object read before its test; publish under a prefix of its own`,
    ],
    [
      'an unbalanced placeholder',
      ['publish:', '  to: published/{run_id/'],
      "line 9: publish.to: 'published/{run_id/' has an unbalanced or invalid {placeholder}",
    ],
    [
      'a when without passed',
      ['publish:', '  to: published/sales/{run_id}/training_data/', '  when: [warned]'],
      'line 10: publish.when: must include passed: a version that passes every check is always publishable',
    ],
  ])('refuses %s, naming the file, line and key', (_what, append, message) => {
    // Arrange
    const text = contractText(append, STAGING);

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.message).toBe(`${SOURCE}: ${message}`);
  });

  it('refuses a status that cannot publish, naming the line', () => {
    // Arrange
    const text = contractText(
      ['publish:', '  to: published/sales/{run_id}/training_data/', '  when: [passed, failed]'],
      STAGING,
    );

    // Act
    const error = parseFailure(text);

    // Assess
    expect(error.message.startsWith(`${SOURCE}: line 10: publish.when[1]`)).toBe(true);
  });

  it('keeps publish through the file form and an ODCS round trip (in the prt block)', () => {
    // Arrange
    const contract = parseContract(
      contractText(
        ['publish:', '  to: published/sales/{run_id}/training_data/', '  when: [passed, warned]'],
        STAGING,
      ),
      SOURCE,
    );

    // Act
    const fileForm = contractFileForm(contract);
    const odcs = exportOdcs(contract);
    const back = importOdcsContract(JSON.stringify(odcs), 'odcs.json');

    // Assess
    expect(fileForm['publish']).toEqual({
      to: 'published/sales/{run_id}/training_data/',
      when: ['passed', 'warned'],
    });
    expect(back.contract.publish).toEqual(contract.publish);
  });
});
