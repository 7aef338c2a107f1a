/**
 * Template-based generation: learn a sample (Parquet and CSV), generate similar data, and never
 * copy a value of a personal-data column.
 */
import { describe, expect, it } from 'vitest';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { createTableWriter } from '../../../../lambdas/core/formats/create-table-writer';
import type { ColumnSpec, DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import type { TypedValue } from '../../../../lambdas/core/contracts/typed-values';
import { learnTemplate } from '../../../../lib/cli/generation/learn-profile';
import { planTable } from '../../../../lambdas/core/generation/table-plan';
import { rowsOf } from '../../../fixtures/generation-fixtures';

const schema: ColumnSpec[] = [
  { name: 'customer_email', type: 'string', nullable: false },
  { name: 'full_name', type: 'string', nullable: true },
  { name: 'contact', type: 'string', nullable: false },
  { name: 'client_ip', type: 'string', nullable: false },
  { name: 'ref', type: 'string', nullable: false },
  { name: 'tier', type: 'string', nullable: false },
  { name: 'amount', type: 'float64', nullable: true },
  { name: 'items', type: 'int64', nullable: false },
];

function sampleRows(n: number): TypedValue[][] {
  const tiers = ['gold', 'silver', 'silver', 'bronze', 'bronze', 'bronze'];
  return Array.from({ length: n }, (_, i) => [
    `person${i}.sample@corp-mail.test`,
    i % 10 === 0 ? null : `Sample Person${i}`,
    `+1 (555) ${String(100 + (i % 900)).padStart(3, '0')}-${String(1000 + i).slice(-4)}`,
    `192.168.${i % 256}.${(i * 7) % 256}`,
    `REF-${String(i).padStart(5, '0')}`,
    tiers[i % tiers.length]!,
    i % 5 === 0 ? null : 10 + (i % 90) + (i % 7) / 10,
    1 + (i % 9),
  ]);
}

async function sample(format: DataFormat, n = 600): Promise<Uint8Array> {
  const sink = new BufferSink();
  const writer = createTableWriter(format, sink, { schema });
  await writer.write(sampleRows(n));
  await writer.close();
  return sink.bytes();
}

describe('learnTemplate (--like)', () => {
  it.each<DataFormat>(['parquet', 'csv'])(
    'learns types, null rates, ranges, categories and quantiles from %s',
    async (format) => {
      // Act
      const learned = await learnTemplate(bufferSource(await sample(format), `sample.${format}`), {
        seed: 1,
      });
      const byName = Object.fromEntries(learned.contract.schema.map((c) => [c.name, c]));
      const profiles = Object.fromEntries(learned.profiles.map((p) => [p.name, p]));
      // Assess
      expect(learned.rows).toBe(600);
      expect(byName['amount']).toMatchObject({
        type: 'float64',
        nullable: true,
        range: [11, 99.5],
        generate: { null_rate: 0.2, distribution: 'empirical' },
      });
      expect(byName['items']?.type).toBe('int64');
      expect(byName['items']?.allowed).toHaveLength(9);
      expect(byName['tier']).toMatchObject({
        allowed: ['gold', 'silver', 'bronze'],
        generate: { weights: [100, 200, 300] },
      });
      expect(byName['ref']).toMatchObject({
        unique: true,
        pattern: '[A-Z][A-Z][A-Z]-[0-9][0-9][0-9][0-9][0-9]',
      });
      expect(profiles['customer_email']).toMatchObject({ pii: true, kind: 'email' });
      expect(profiles['contact']).toMatchObject({ pii: true, kind: 'phone' });
      expect(profiles['client_ip']).toMatchObject({ pii: true, kind: 'ip' });
      expect(profiles['full_name']).toMatchObject({ pii: true });
      expect(profiles['tier']?.pii).toBe(false);
    },
  );

  it('generates similar data that never copies a personal-data value from the sample', async () => {
    // Prepare
    const bytes = await sample('parquet', 2000);
    const learned = await learnTemplate(bufferSource(bytes, 'sample.parquet'), { seed: 9 });
    const original = sampleRows(2000);
    // Act
    const plan = planTable(learned.contract, { rows: 5000, seed: 9, exclusions: learned.exclusions });
    const rows = rowsOf(plan);
    // Assess: no PII value of the sample appears; categories keep their proportions.
    for (const column of ['customer_email', 'full_name', 'contact', 'client_ip']) {
      const index = schema.findIndex((c) => c.name === column);
      const seen = new Set(original.map((r) => r[index]));
      const copied = rows.filter((r) => r[index] !== null && seen.has(r[index]));
      expect({ column, copied: copied.length }).toEqual({ column, copied: 0 });
    }
    const tiers = rows.map((r) => r[5]);
    expect(tiers.filter((t) => t === 'bronze').length / rows.length).toBeCloseTo(0.5, 1);
    const nulls = rows.filter((r) => r[6] === null).length / rows.length;
    expect(nulls).toBeCloseTo(0.2, 1);
    const amounts = rows.map((r) => r[6]).filter((v): v is number => typeof v === 'number');
    const range = learned.contract.schema[6]!.range!;
    expect(Math.min(...amounts)).toBeGreaterThanOrEqual(Number(range[0]));
    expect(Math.max(...amounts)).toBeLessThanOrEqual(Number(range[1]));
  });
});
