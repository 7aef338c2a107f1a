/**
 * `prt validate <folder>`: a local folder of part files validated as one partitioned output, with
 * the values of its Hive-style folders as the contract's partition columns.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerValidateCommand } from '../../../lib/cli/validate-command';
import { folderParts } from '../../../lib/cli/validate-folder';
import { runPrt } from '../../fixtures/prt-in-process';
import { captureCli } from '../../fixtures/cli-capture';

const { folder: root, out, err } = captureCli('prt-validate-folder-');

const CONTRACT = `pipeline: sales
step: export
output: orders_by_day
path: datasets/sales/{run_id}/orders_by_day/
format: csv
partitioned: true
partition_by: [date, region]
schema:
  - { name: order_id, type: string, nullable: false }
  - { name: amount, type: float64, nullable: false }
  - { name: date, type: date, nullable: false }
  - { name: region, type: string, nullable: false }
quality:
  - { name: region_known, field: region, condition: in_set, value: [eu, us] }
`;

function land(files: Readonly<Record<string, string>>): { folder: string; contract: string } {
  const folder = join(root, 'orders_by_day');
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(dirname(join(folder, name)), { recursive: true });
    writeFileSync(join(folder, name), body);
  }
  const contract = join(root, 'orders.yaml');
  writeFileSync(contract, CONTRACT);
  return { folder, contract };
}

interface Printed {
  readonly status: string;
  readonly rowCount: number;
  readonly failedRules: readonly string[];
  readonly summary: string;
  readonly parts: { readonly total: number };
}

async function validate(args: readonly string[]): Promise<{ code: number; doc: Printed | undefined }> {
  const code = await runPrt([registerValidateCommand], ['validate', ...args]);
  return { code, doc: out.length > 0 ? (JSON.parse(out.join('\n')) as Printed) : undefined };
}

describe('prt validate on a folder of parts', () => {
  it('merges every part, with its folders as columns, and fails the rule on a partition column', async () => {
    // Arrange
    const { folder, contract } = land({
      'date=2026-11-01/region=eu/part-0.csv': 'order_id,amount\na,1.5\nb,2.5\n',
      'date=2026-11-02/region=apac/part-0.csv': 'order_id,amount\nc,3.5\n',
      _SUCCESS: '',
    });

    // Act
    const { code, doc } = await validate([folder, '--contract', contract, '--json']);

    // Assess
    expect(code).toBe(1);
    expect(doc).toMatchObject({
      status: 'failed',
      rowCount: 3,
      failedRules: ['region_known'],
      parts: { total: 2 },
    });
  });

  it('passes a folder whose partition values all keep the rules', async () => {
    // Arrange
    const { folder, contract } = land({
      'date=2026-11-01/region=eu/part-0.csv': 'order_id,amount\na,1.5\n',
      'date=2026-11-01/region=us/part-0.csv': 'order_id,amount\nb,2.5\n',
    });

    // Act
    const { code, doc } = await validate([folder, '--contract', contract, '--json']);

    // Assess
    expect(code).toBe(0);
    expect(doc).toMatchObject({ status: 'passed', rowCount: 2, failedRules: [] });
  });

  it('reports a part whose folders disagree with partition_by instead of reading it without its columns', async () => {
    // Arrange
    const { folder, contract } = land({
      'date=2026-11-01/region=eu/part-0.csv': 'order_id,amount\na,1.5\n',
      'region=eu/date=2026-11-02/part-0.csv': 'order_id,amount\nb,2.5\n',
    });

    // Act
    const { code, doc } = await validate([folder, '--contract', contract, '--json']);

    // Assess
    expect(code).toBe(1);
    expect(doc!.failedRules).toEqual(['partition_folders']);
    expect(doc!.rowCount).toBe(1);
    expect(doc!.summary).toContain(
      "region=eu/date=2026-11-02/part-0.csv: folder 1 is 'region=eu', expected 'date=<value>'",
    );
  });

  it('refuses --quarantine for a folder (rows are numbered per part)', async () => {
    // Arrange
    const { folder, contract } = land({ 'date=2026-11-01/region=eu/part-0.csv': 'order_id,amount\na,1.5\n' });

    // Act
    const { code } = await validate([folder, '--contract', contract, '--quarantine', join(root, 'q.jsonl')]);

    // Assess
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--quarantine and --workers take one file, not a folder of parts');
  });

  it('lists data parts in byte order, leaving markers and hidden files out', () => {
    // Arrange
    const { folder } = land({
      'b/part-1.csv': 'x',
      'a/part-0.csv': 'x',
      _SUCCESS: '',
      '.part-0.csv.crc': 'x',
      '_temporary/0/part-9.csv': 'x',
    });

    // Act
    const parts = folderParts(folder);

    // Assess
    expect(parts).toEqual(['a/part-0.csv', 'b/part-1.csv']);
  });
});
