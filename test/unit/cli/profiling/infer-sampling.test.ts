/**
 * `prt infer` on a file larger than its sample: the sample is drawn across the whole file (seeded,
 * so the same file drafts the same contract), so a time-sorted file whose later rows leave the
 * early rows' range, categories and null-free stretch still passes validation against its own
 * draft; nulls are counted in every row; and the comments say what is enforced, from how many rows.
 */
import { describe, expect, it } from 'vitest';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { inferContract, type ContractDraft } from '../../../../lib/cli/profiling/infer-contract';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';

const NAME = { pipeline: 'sales', step: 'prep', output: 'orders' };
const ROWS = 10_000;
const SAMPLE = 1_000;

/**
 * Orders sorted by time: amounts grow with time, the status moves from 'new' to 'shipped' halfway,
 * and the last ten rows have no note. The first SAMPLE rows see one status, no null note and a
 * tenth of the amounts.
 */
function timeSortedOrders(): Buffer {
  const lines = ['id,at,amount,status,note'];
  for (let i = 0; i < ROWS; i++) {
    const at = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString().replace('.000Z', 'Z');
    lines.push(
      [i, at, (i * 1.5 + 0.25).toFixed(2), i < ROWS / 2 ? 'new' : 'shipped', i < ROWS - 10 ? 'x' : ''].join(
        ',',
      ),
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`, 'utf8');
}

function columnOf(draft: ContractDraft, name: string): ColumnSpec {
  const column = draft.contract.schema.find((c) => c.name === name);
  if (!column) throw new Error(`no column ${name}`);
  return column;
}

describe('inferContract: a sample across the whole file', () => {
  it('Compliance: a time-sorted file passes validation against its own draft', async () => {
    // Prepare
    const bytes = timeSortedOrders();

    // Act
    const draft = await inferContract(bufferSource(bytes, 'orders.csv'), { name: NAME, sampleRows: SAMPLE });
    const opened = await openTable(bufferSource(bytes, 'orders.csv'), {
      format: draft.contract.format,
      csv: draft.contract.csv,
    });
    const report = await validateRecords(draft.contract, opened.batches);

    // Assess
    expect(draft.rowsSampled).toBe(SAMPLE);
    expect(draft.rowsRead).toBe(ROWS);
    expect({ failed: report.failedRules, summary: report.summary }).toMatchObject({ failed: [] });
    expect(report.status).toBe('passed');
    expect(columnOf(draft, 'status').allowed).toEqual(expect.arrayContaining(['new', 'shipped']));
  });

  it('Compliance: nulls are counted in every row, even those the sample left out', async () => {
    // Prepare
    const bytes = timeSortedOrders();

    // Act
    const draft = await inferContract(bufferSource(bytes, 'orders.csv'), { name: NAME, sampleRows: SAMPLE });

    // Assess
    expect(columnOf(draft, 'note').nullable).toBe(true);
    expect(columnOf(draft, 'id').nullable).toBe(false);
    expect(draft.rules.find((r) => r.field === 'note' && r.type === 'completeness')?.threshold).toBe(0.99);
    expect(draft.yaml).toContain('10 nulls in all 10,000 rows (0.1%)');
  });

  it('Compliance: a key seen in a sample is suggested, not enforced', async () => {
    // Prepare
    const bytes = timeSortedOrders();

    // Act
    const sampled = await inferContract(bufferSource(bytes, 'orders.csv'), {
      name: NAME,
      sampleRows: SAMPLE,
    });
    const whole = await inferContract(bufferSource(bytes, 'orders.csv'), {
      name: NAME,
      sampleRows: Infinity,
    });

    // Assess
    expect(columnOf(sampled, 'id').unique).toBeUndefined();
    expect(sampled.yaml).toContain(
      '# unique: true   <- no repeat among 1,000 sampled values; the rows not sampled were not checked',
    );
    expect(columnOf(whole, 'id').unique).toBe(true);
  });

  it('Compliance: the same file and seed draft the same contract; the comments say what is enforced', async () => {
    // Prepare
    const bytes = timeSortedOrders();

    // Act
    const first = await inferContract(bufferSource(bytes, 'orders.csv'), { name: NAME, sampleRows: SAMPLE });
    const second = await inferContract(bufferSource(bytes, 'orders.csv'), { name: NAME, sampleRows: SAMPLE });

    // Assess
    expect(second.yaml).toBe(first.yaml);
    expect(first.yaml).toContain(
      '# enforced: type int32, no nulls; from a sample of 1,000 of 10,000 rows (nulls from all of them)',
    );
    expect(first.yaml).toContain(
      '# enforced: type string, no nulls, allowed (2 values); from a sample of 1,000 of 10,000 rows (nulls from all of them)',
    );
    expect(first.yaml).toContain('Nulls were counted in all 10,000 rows.');
  });

  it('Compliance: a sample that would pass its byte bound is cut, and the draft says so', async () => {
    // Prepare
    const bytes = timeSortedOrders();

    // Act: room for about a hundred of these rows
    const draft = await inferContract(bufferSource(bytes, 'orders.csv'), {
      name: NAME,
      sampleRows: SAMPLE,
      sampleBytes: 50_000,
    });

    // Assess
    expect(draft.rowsSampled).toBeLessThan(SAMPLE);
    expect(draft.rowsSampled).toBeGreaterThan(50);
    expect(draft.yaml).toContain(
      `The sample was cut to ${draft.rowsSampled} rows to stay within 50,000 bytes.`,
    );
  });
});
