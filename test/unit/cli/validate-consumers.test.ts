/**
 * `prt validate` grades the file against the expectations of the steps that read it, as the
 * workflow does (the contracts in the contract's folder, or --contracts): the CSV that passes
 * raw_orders' own (breaking) contract fails because orders/scoring/scores reads it below what it
 * accepts, and the edge grades are printed.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerValidateCommand } from '../../../lib/cli/validate-command';
import { PROJECT_ROOT } from '../../../lib/config/project-paths';
import { runPrt } from '../../fixtures/prt-in-process';
import { captureCli } from '../../fixtures/cli-capture';

const FIXTURE = join(PROJECT_ROOT, 'test/fixtures/contract-edges');

const { folder, out } = captureCli('prt-validate-consumers-');

describe('prt validate and the consumers of the output', () => {
  it('fails a file that breaks a consumer, naming it and printing every edge grade', async () => {
    // Arrange: the breaking producer contract beside the two steps that read it.
    const contract = join(folder, 'orders-ingestion-raw_orders.yaml');
    copyFileSync(join(FIXTURE, 'raw_orders-breaking.yaml'), contract);
    for (const f of ['orders-scoring-scores.yaml', 'orders-reporting-daily_totals.yaml'])
      copyFileSync(join(FIXTURE, 'pipeline', f), join(folder, f));
    const csv = join(folder, 'orders.csv');
    writeFileSync(
      csv,
      'order_id,customer_id,amount,channel,note\no-1,17,120.5,web,\no-2,,9.99,app,first order\n',
    );

    // Act
    const code = await runPrt(
      [registerValidateCommand],
      ['validate', csv, '--contract', contract, '--no-color'],
    );

    // Assess
    const text = out.join('\n');
    expect(code).toBe(1);
    expect(text).toContain('Consumers');
    expect(text).toMatch(
      /orders\/scoring\/scores grades it convertible \(accepts compatible\) BROKEN \(fail\): customer_id: /,
    );
    expect(text).toContain('orders/reporting/daily_totals grades it compatible (accepts convertible):');
  });

  it('grades no consumer when the folder given holds none', async () => {
    // Arrange
    const contract = join(folder, 'orders-ingestion-raw_orders.yaml');
    copyFileSync(join(FIXTURE, 'raw_orders-breaking.yaml'), contract);
    const empty = mkdtempSync(join(tmpdir(), 'prt-validate-none-'));
    const csv = join(folder, 'orders.csv');
    writeFileSync(csv, 'order_id,customer_id,amount,channel,note\no-1,17,120.5,web,\n');

    // Act
    const code = await runPrt(
      [registerValidateCommand],
      ['validate', csv, '--contract', contract, '--contracts', empty, '--no-color'],
    );
    rmSync(empty, { recursive: true, force: true });

    // Assess
    expect(code).toBe(0);
    expect(out.join('\n')).not.toContain('Consumers');
  });
});
