import { describe, expect, it } from 'vitest';

import type { CompatibilityLevel } from '../../../../lambdas/core/contracts/output-contract';
import {
  aggregateCompatibility,
  CompatibilityAggregator,
  renderCompatibilityJson,
  type CompatibilityAggregate,
} from '../../../../lambdas/core/reporting/aggregate-compatibility';
import { renderCompatibilityText } from '../../../../lib/cli/reporting/render-compatibility-text';
import type { ReportDocument } from '../../../../lambdas/core/reporting/report-document';
import type { ColumnReport } from '../../../../lambdas/core/validation/validation-report';

function column(
  name: string,
  level: CompatibilityLevel,
  finding: ColumnReport['finding'] = level === 'strict' ? 'ok' : 'type_mismatch',
): ColumnReport {
  return { name, expectedType: 'int64', finding, level, nulls: 0, nonConforming: 0 };
}

function report(
  output: string,
  at: string,
  columns: ColumnReport[],
  status: ReportDocument['status'] = 'passed',
): ReportDocument {
  const rank = ['strict', 'compatible', 'convertible', 'incompatible'];
  const level = columns.reduce<CompatibilityLevel>(
    (acc, c) => (rank.indexOf(c.level) > rank.indexOf(acc) ? c.level : acc),
    'strict',
  );
  return {
    output,
    status,
    rowCount: 10,
    schema: { level, accepted: 'compatible', columns },
    rules: [],
    failedRules: [],
    failedRowCount: 0,
    summary: '',
    object: { uri: `s3://outputs/${output}/${at}.csv` },
    validatedAt: at,
  };
}

const ORDERS = 'sales/prep/orders';
const USERS = 'crm/load/users';

function sample(): ReportDocument[] {
  return [
    report(ORDERS, '2026-01-02T00:00:00Z', [
      column('id', 'strict'),
      column('amount', 'convertible', 'unexpected_nulls'),
      column('note', 'compatible', 'extra'),
    ]),
    report(ORDERS, '2026-01-01T00:00:00Z', [
      column('id', 'strict'),
      column('amount', 'convertible', 'unexpected_nulls'),
    ]),
    report(
      ORDERS,
      '2026-01-03T00:00:00Z',
      [column('id', 'incompatible', 'type_mismatch'), column('amount', 'strict')],
      'failed',
    ),
    report(USERS, '2026-01-01T00:00:00Z', [column('user_id', 'strict'), column('email', 'strict')]),
  ];
}

describe('aggregateCompatibility', () => {
  it('Compliance: the worst level per output and per column, with counts per level and finding', () => {
    // Act
    const aggregate = aggregateCompatibility(sample());

    // Assess
    expect(aggregate.validations).toBe(4);
    expect(aggregate.worst).toBe('incompatible');
    expect(aggregate.outputs.map((o) => [o.output, o.worst])).toEqual([
      [ORDERS, 'incompatible'],
      [USERS, 'strict'],
    ]);
    const orders = aggregate.outputs[0]!;
    expect(orders.validations).toBe(3);
    expect(orders.levels).toEqual({ strict: 0, compatible: 0, convertible: 2, incompatible: 1 });
    expect(orders.statuses).toEqual({ passed: 2, failed: 1 });
    expect(orders.firstValidatedAt).toBe('2026-01-01T00:00:00Z');
    expect(orders.lastValidatedAt).toBe('2026-01-03T00:00:00Z');
    expect(orders.accepted).toBe('compatible');
    expect(orders.columns.map((c) => [c.name, c.worst, c.validations])).toEqual([
      ['id', 'incompatible', 3],
      ['amount', 'convertible', 3],
      ['note', 'compatible', 1],
    ]);
    const amount = orders.columns[1]!;
    expect(amount.levels).toEqual({ strict: 1, compatible: 0, convertible: 2, incompatible: 0 });
    expect(amount.findings).toEqual({ unexpected_nulls: 2, ok: 1 });
    // The earliest validation at the worst level, by time (not by the order reports came in).
    expect(amount.worstSeen).toEqual({
      finding: 'unexpected_nulls',
      validatedAt: '2026-01-01T00:00:00Z',
      object: `s3://outputs/${ORDERS}/2026-01-01T00:00:00Z.csv`,
    });
    expect(orders.columns[0]!.worstSeen.validatedAt).toBe('2026-01-03T00:00:00Z');
  });

  it('Compliance: the aggregator gives the same result report by report as all at once', () => {
    // Prepare
    const aggregator = new CompatibilityAggregator();

    // Act
    for (const r of sample()) aggregator.add(r);

    // Assess
    expect(aggregator.result()).toEqual(aggregateCompatibility(sample()));
  });

  it('Compliance: a format failure (no columns compared) counts at the output level', () => {
    // Prepare
    const failed: ReportDocument = {
      ...report(USERS, '2026-01-05T00:00:00Z', []),
      schema: { level: 'incompatible', accepted: 'compatible', columns: [] },
      status: 'failed',
    };

    // Act
    const aggregate = aggregateCompatibility([failed]);

    // Assess
    expect(aggregate.outputs[0]!.worst).toBe('incompatible');
    expect(aggregate.outputs[0]!.columns).toEqual([]);
    expect(renderCompatibilityText(aggregate)).toContain('no columns compared');
  });

  it('Noncompliance 1: an unknown level (a damaged or newer report) counts as incompatible, never hidden', () => {
    // Prepare
    const odd = report(USERS, '2026-01-01T00:00:00Z', [
      { ...column('email', 'strict'), level: 'weird' as CompatibilityLevel },
    ]);

    // Act
    const aggregate = aggregateCompatibility([odd]);

    // Assess
    expect(aggregate.outputs[0]!.columns[0]!.worst).toBe('incompatible');
  });

  it('Compliance: no reports, an empty aggregate', () => {
    expect(aggregateCompatibility([])).toEqual({ validations: 0, worst: 'strict', outputs: [] });
  });

  it('Compliance: text lists the columns that were ever worse than strict; JSON round-trips', () => {
    // Prepare
    const aggregate = aggregateCompatibility(sample());

    // Act
    const text = renderCompatibilityText(aggregate);
    const all = renderCompatibilityText(aggregate, { allColumns: true });
    const json = renderCompatibilityJson(aggregate);

    // Assess
    const lines = text.split('\n');
    expect(lines[0]).toBe('Schema compatibility across 4 validations of 2 outputs: worst incompatible');
    expect(text).toContain(
      `${ORDERS}  3 validations  worst incompatible (accepts compatible)  passed 2 · failed 1  2026-01-01T00:00:00Z … 2026-01-03T00:00:00Z`,
    );
    expect(text).toContain('  overall: strict 0, compatible 0, convertible 2, incompatible 1');
    expect(text).toMatch(
      /^ {2}column +worst +strict +compatible +convertible +incompatible +findings +worst first seen$/m,
    );
    expect(text).toMatch(
      /^ {2}amount +convertible +1 +0 +2 +0 +unexpected nulls 2 +s3:\/\/outputs\/sales\/prep\/orders\/2026-01-01T00:00:00Z\.csv at 2026-01-01T00:00:00Z$/m,
    );
    expect(text).toContain('all 2 columns strict in every validation');
    expect(all).toMatch(/^ {2}email +strict +1 +0 +0 +0$/m);
    expect(JSON.parse(json) as CompatibilityAggregate).toEqual(aggregate);
    expect(text).not.toContain('\u001b[');
    expect(renderCompatibilityText(aggregate, { color: true })).toContain('\u001b[31mincompatible');
  });
});
