import { describe, expect, it } from 'vitest';

import { lineageNode, type LineageEdge } from '../../../../lambdas/core/lineage/lineage-store';
import { objectPk, type RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import type { TestStatus } from '../../../../lambdas/core/registry/status-transitions';
import { collectRunReport, RunTooLargeError } from '../../../../lambdas/core/reporting/collect-run';
import { renderRunReportHtml } from '../../../../lambdas/core/reporting/render-run-report-html';
import type { ReportDocument } from '../../../../lambdas/core/reporting/report-document';
import { buildRunReport, worstStatus } from '../../../../lambdas/core/reporting/run-report';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const RUN = 'r-1';

function entry(
  step: string,
  output: string,
  file: string,
  status: TestStatus,
  extra: Partial<RegistryEntry> = {},
): RegistryEntry {
  const uri = `s3://data/pipelines/sales/${RUN}/${step}/${output}/${file}`;
  const version = extra.versionId ?? 'v1';
  return {
    pk: objectPk(uri),
    sk: `VER#${version}`,
    uri,
    bucket: 'data',
    key: uri.slice('s3://data/'.length),
    versionId: version,
    etag: 'e',
    size: 100,
    status,
    dataType: 'pipeline',
    registeredAt: '2026-12-01T00:00:00.000Z',
    eventTime: '2026-12-01T00:00:00.000Z',
    pipeline: 'sales',
    step,
    output,
    runId: RUN,
    gsi2pk: `RUN#sales#${RUN}`,
    gsi2sk: `${step}#${output}#${uri}#VER#${version}`,
    ...extra,
  };
}

function edge(from: RegistryEntry, to: RegistryEntry): LineageEdge {
  return {
    from: lineageNode(from.uri, from.versionId!),
    to: lineageNode(to.uri, to.versionId!),
    kind: 'declared-input',
    fromOutput: `sales/${from.step!}/${from.output!}`,
    toOutput: `sales/${to.step!}/${to.output!}`,
    recordedAt: '2026-12-01T00:00:00.000Z',
    runId: RUN,
  };
}

function reportOf(level: 'strict' | 'convertible'): ReportDocument {
  return {
    output: 'sales/preprocessing/training_data',
    status: 'failed',
    schema: {
      level,
      accepted: 'compatible',
      columns: [{ name: 'amount', level, finding: level === 'strict' ? 'ok' : 'type_mismatch' }],
    },
  } as unknown as ReportDocument;
}

describe('buildRunReport', () => {
  it('judges each object by its newest version, sums rows and failed rules per output, worst status first', () => {
    // Arrange: raw passes; training_data has a re-upload that failed after a pass, and a part in error
    const raw = entry('ingestion', 'raw_orders', 'orders.csv', 'passed', { rowCount: 10 });
    const first = entry('preprocessing', 'training_data', 'part-0.csv', 'passed', { rowCount: 9 });
    const again = entry('preprocessing', 'training_data', 'part-0.csv', 'failed', {
      versionId: 'v2',
      registeredAt: '2026-12-01T01:00:00.000Z',
      rowCount: 8,
      failedRules: new Set(['amount_positive', 'id_present']),
      quarantineUri: 's3://artifacts/quarantine/p0.jsonl',
      reportUri: 's3://artifacts/reports/p0.json',
    });
    const broken = entry('preprocessing', 'training_data', 'part-1.csv', 'error', {
      failureReason: 'FormatError',
      failureCause: JSON.stringify({ errorMessage: 'row 3 has 2 fields; the header has 4' }),
    });
    const other = entry('ingestion', 'raw_orders', 'x.csv', 'passed', { runId: 'another-run', rowCount: 99 });

    // Act
    const report = buildRunReport({
      pipeline: 'sales',
      runId: RUN,
      entries: [raw, again, first, broken, other],
      reports: new Map([['s3://artifacts/reports/p0.json', reportOf('convertible')]]),
      edges: [edge(raw, again), edge(raw, again)],
      generatedAt: '2026-12-02T00:00:00.000Z',
    });

    // Assess
    expect(report.status).toBe('error');
    expect(report.objects).toBe(3);
    expect(report.statuses).toEqual({ passed: 1, failed: 1, error: 1 });
    expect(
      report.outputs.map((o) => [o.output, o.status, o.objects, o.superseded, o.rows, o.rowsUnknown]),
    ).toEqual([
      ['ingestion/raw_orders', 'passed', 1, 0, 10, 0],
      ['preprocessing/training_data', 'error', 2, 1, 8, 1],
    ]);
    const training = report.outputs[1]!;
    expect(training.failedRules).toEqual([
      { rule: 'amount_positive', objects: 1 },
      { rule: 'id_present', objects: 1 },
    ]);
    expect(training.quarantines).toEqual(['s3://artifacts/quarantine/p0.jsonl']);
    expect(training.errors).toEqual([`${broken.uri}: FormatError: row 3 has 2 fields; the header has 4`]);
    expect(report.flow).toEqual([
      {
        from: 'ingestion/raw_orders',
        to: 'preprocessing/training_data',
        kind: 'declared-input',
        rowsFrom: 10,
        rowsTo: 8,
      },
    ]);
    expect(report.compatibility.outputs.map((o) => [o.output, o.worst])).toEqual([
      ['preprocessing/training_data', 'convertible'],
    ]);
    expect(report.reportsMissing).toEqual([]);
  });

  it('lists a report the registry names but nobody could read, and an input from outside the run', () => {
    // Arrange
    const upstream = entry('ingestion', 'raw_orders', 'orders.csv', 'passed', { runId: 'yesterday' });
    const out = entry('features', 'order_features', 'f.parquet', 'passed', {
      reportUri: 's3://artifacts/reports/gone.json',
      rowCount: 5,
    });

    // Act
    const report = buildRunReport({
      pipeline: 'sales',
      runId: RUN,
      entries: [out],
      reports: new Map(),
      edges: [edge(upstream, out)],
      generatedAt: '2026-12-02T00:00:00.000Z',
    });

    // Assess
    expect(report.status).toBe('passed');
    expect(report.reportsMissing).toEqual(['s3://artifacts/reports/gone.json']);
    expect(report.flow).toEqual([
      { from: 'ingestion/raw_orders', to: 'features/order_features', kind: 'declared-input', rowsTo: 5 },
    ]);
  });

  it('calls a run with nothing registered untracked, and a run still testing pending', () => {
    // Arrange
    const waiting = entry('ingestion', 'raw_orders', 'orders.csv', 'pending');
    const done = entry('preprocessing', 'training_data', 'p.csv', 'warned');

    // Act + Assess
    expect(worstStatus([])).toBe('untracked');
    expect(worstStatus(['passed', 'warned'])).toBe('warned');
    expect(
      buildRunReport({
        pipeline: 'sales',
        runId: RUN,
        entries: [waiting, done],
        reports: new Map(),
        edges: [],
        generatedAt: 'x',
      }).status,
    ).toBe('pending');
    expect(
      buildRunReport({
        pipeline: 'sales',
        runId: RUN,
        entries: [],
        reports: new Map(),
        edges: [],
        generatedAt: 'x',
      }).status,
    ).toBe('untracked');
  });
});

describe('renderRunReportHtml', () => {
  it('escapes every value, links only safe targets and forbids scripts', () => {
    // Arrange
    const hostile = entry('ingestion', '<script>alert(1)</script>', 'o.csv', 'failed', {
      failedRules: new Set(['<img src=x onerror=alert(1)>']),
      quarantineUri: 'javascript:alert(1)',
      reportUri: 'https://example.com/report.html',
      runId: '<b>run</b>',
    });
    const report = buildRunReport({
      pipeline: 'sales',
      runId: '<b>run</b>',
      entries: [hostile],
      reports: new Map(),
      edges: [],
      generatedAt: '2026-12-02T00:00:00.000Z',
    });

    // Act
    const html = renderRunReportHtml(report);

    // Assess
    expect(html).not.toMatch(/<script|<img|<b>run/);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<a href="https://example.com/report.html">report</a>');
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'/);
  });
});

describe('collectRunReport', () => {
  it('reads every page of the run, its lineage and its reports through the ports', async () => {
    // Arrange: more objects than one registry page, one report stored, one report unreadable
    const registry = new InMemoryRegistry();
    const lineage = new InMemoryLineageStore();
    const store = new InMemoryObjectStore();
    const raw = entry('ingestion', 'raw_orders', 'orders.csv', 'passed', { rowCount: 3 });
    await registry.register(raw);
    for (let i = 0; i < 1005; i++) {
      const part = entry('preprocessing', 'training_data', `part-${i}.csv`, 'passed', {
        rowCount: 1,
        ...(i === 0 ? { reportUri: 's3://artifacts/reports/0.json' } : {}),
        ...(i === 1 ? { reportUri: 's3://artifacts/reports/1.json' } : {}),
      });
      await registry.register(part);
      if (i === 0) await lineage.record(edge(raw, part));
    }
    store.put('artifacts', 'reports/0.json', JSON.stringify(reportOf('strict')));
    store.put('artifacts', 'reports/1.json', '{not json');

    // Act
    const report = await collectRunReport(
      { registry, lineage, store, now: () => new Date('2026-12-02T00:00:00Z') },
      'sales',
      RUN,
    );

    // Assess
    expect(report.objects).toBe(1006);
    expect(report.outputs.map((o) => [o.output, o.rows])).toEqual([
      ['ingestion/raw_orders', 3],
      ['preprocessing/training_data', 1005],
    ]);
    expect(report.flow).toHaveLength(1);
    expect(report.reportsMissing).toEqual(['s3://artifacts/reports/1.json']);
    expect(report.compatibility.validations).toBe(1);
    expect(report.generatedAt).toBe('2026-12-02T00:00:00.000Z');
  });

  it('refuses a run larger than its bound instead of reporting part of it', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    for (let i = 0; i < 4; i++)
      await registry.register(entry('ingestion', 'raw_orders', `${i}.csv`, 'passed'));

    // Act
    const attempt = collectRunReport(
      {
        registry,
        lineage: new InMemoryLineageStore(),
        store: new InMemoryObjectStore(),
        now: () => new Date(),
        maxObjects: 3,
      },
      'sales',
      RUN,
    );

    // Assess
    await expect(attempt).rejects.toThrow(RunTooLargeError);
    await expect(attempt).rejects.toThrow(/more than 3 registered objects/);
  });
});
