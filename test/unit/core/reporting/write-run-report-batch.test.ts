/**
 * Run reports written once per batch of Output Tested events: the batch's messages grouped by
 * pipeline run, each run written once with every version its messages name, and the messages of a
 * run that failed (or of no Output Tested event at all) returned for the queue to deliver again,
 * while the batch's other runs are written.
 */
import { describe, expect, it } from 'vitest';
import { objectPk, type RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import type { TestStatus } from '../../../../lambdas/core/registry/status-transitions';
import type { RunReport } from '../../../../lambdas/core/reporting';
import {
  groupMessagesByRun,
  writeRunReportBatch,
  type RunReportMessage,
} from '../../../../lambdas/core/reporting/write-run-report-batch';
import { InMemoryLineageStore } from '../../../fixtures/in-memory-lineage-store';
import { InMemoryObjectStore } from '../../../fixtures/in-memory-object-store';
import { InMemoryRegistry } from '../../../fixtures/in-memory-registry';

const NOW = () => new Date('2026-12-07T08:00:00Z');

function entry(
  runId: string,
  part: string,
  status: TestStatus = 'passed',
  pipeline = 'sales',
): RegistryEntry {
  const uri = `s3://data/pipelines/${pipeline}/${runId}/preprocessing/training_data/${part}.csv`;
  return {
    pk: objectPk(uri),
    sk: 'VER#v1',
    uri,
    bucket: 'data',
    key: uri.slice('s3://data/'.length),
    versionId: 'v1',
    etag: 'e',
    size: 100,
    status,
    dataType: 'pipeline',
    registeredAt: '2026-12-07T07:00:00.000Z',
    eventTime: '2026-12-07T07:00:00.000Z',
    pipeline,
    step: 'preprocessing',
    output: 'training_data',
    runId,
    rowCount: 2,
    gsi2pk: `RUN#${pipeline}#${runId}`,
    gsi2sk: `preprocessing#training_data#${uri}#VER#v1`,
  };
}

/** The SQS message an EventBridge rule puts on the queue for the Output Tested event of `e`. */
function message(id: string, e: RegistryEntry, runId: string | null = e.runId ?? null): RunReportMessage {
  return {
    messageId: id,
    body: JSON.stringify({
      version: '0',
      id: `event-${id}`,
      'detail-type': 'Output Tested',
      source: 'pipeline-runtime-testing',
      detail: {
        schemaVersion: '1',
        status: e.status,
        uri: e.uri,
        bucket: e.bucket,
        key: e.key,
        version: e.sk,
        execution: 'arn:aws:states:eu-west-1:111122223333:execution:prt-dev:1',
        output: { pipeline: e.pipeline, step: e.step, output: e.output, runId },
      },
    }),
  };
}

/** A store that counts the run reports' JSON writes, and fails those of the runs named in `failing`. */
class CountingStore extends InMemoryObjectStore {
  readonly jsonWrites: string[] = [];
  constructor(private readonly failing: readonly string[] = []) {
    super();
  }
  override async write(bucket: string, key: string, body: string | Uint8Array, contentType: string) {
    if (this.failing.some((run) => key.includes(`/${run}/`)))
      throw Object.assign(new Error('slow down'), { name: 'SlowDown' });
    if (key.endsWith('report.json')) this.jsonWrites.push(key);
    return super.write(bucket, key, body, contentType);
  }
}

function deps(registry: InMemoryRegistry, store: InMemoryObjectStore) {
  return {
    registry,
    lineage: new InMemoryLineageStore(),
    store,
    now: NOW,
    artifactsBucket: 'artifacts',
    reportsPrefix: 'reports/',
  };
}

function reportOf(store: InMemoryObjectStore, runId: string): RunReport {
  return JSON.parse(store.text('artifacts', `reports/runs/sales/${runId}/report.json`)) as RunReport;
}

describe('groupMessagesByRun', () => {
  it('groups the messages by pipeline and run, in the order each run first appears', () => {
    // Arrange
    const messages = [
      message('m1', entry('run-b', 'part-0')),
      message('m2', entry('run-a', 'part-0')),
      message('m3', entry('run-b', 'part-1')),
      message('m4', entry('run-b', 'part-0', 'passed', 'billing')),
    ];

    // Act
    const grouped = groupMessagesByRun(messages);

    // Assess
    expect(grouped.runs.map((r) => [r.pipeline, r.runId, r.messageIds])).toEqual([
      ['sales', 'run-b', ['m1', 'm3']],
      ['sales', 'run-a', ['m2']],
      ['billing', 'run-b', ['m4']],
    ]);
    expect(grouped.runs[0]!.recorded).toEqual([
      { uri: entry('run-b', 'part-0').uri, version: 'VER#v1' },
      { uri: entry('run-b', 'part-1').uri, version: 'VER#v1' },
    ]);
    expect(grouped.noRun).toEqual([]);
    expect(grouped.malformed).toEqual([]);
  });

  it('keeps apart an output outside every run, and a body that is no Output Tested event, with why', () => {
    // Arrange
    const outside = entry('run-a', 'part-0');
    const messages = [
      message('m1', outside, null),
      { messageId: 'm2', body: 'not json' },
      { messageId: 'm3', body: JSON.stringify({ detail: { schemaVersion: '2' } }) },
      { messageId: 'm4', body: '[]' },
    ];

    // Act
    const grouped = groupMessagesByRun(messages);

    // Assess
    expect(grouped.runs).toEqual([]);
    expect(grouped.noRun).toEqual([
      { messageId: 'm1', reason: `${outside.uri} belongs to no run of sales (its path has no run id)` },
    ]);
    expect(grouped.malformed.map((m) => m.messageId)).toEqual(['m2', 'm3', 'm4']);
    expect(grouped.malformed[0]!.reason).toMatch(/^SyntaxError: /);
    expect(grouped.malformed[1]!.reason).toMatch(/^InvalidInputError: /);
  });
});

describe('writeRunReportBatch', () => {
  it('writes each run of the batch once, covering every output its messages name', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const runA = ['part-0', 'part-1', 'part-2'].map((p) => entry('run-a', p));
    const runB = [entry('run-b', 'part-0', 'failed')];
    for (const e of [...runA, ...runB]) await registry.register(e);
    const store = new CountingStore();
    const messages = [...runA, ...runB].map((e, at) => message(`m${at}`, e));

    // Act
    const result = await writeRunReportBatch(messages, deps(registry, store));

    // Assess
    expect(store.jsonWrites).toEqual([
      'reports/runs/sales/run-a/report.json',
      'reports/runs/sales/run-b/report.json',
    ]);
    expect(result.runs).toMatchObject([
      { runId: 'run-a', messages: 3, status: 'written', objects: 3, passes: 1, settled: true },
      { runId: 'run-b', messages: 1, status: 'written', objects: 1, passes: 1, settled: true },
    ]);
    expect(reportOf(store, 'run-a').objects).toBe(3);
    expect(reportOf(store, 'run-b').status).toBe('failed');
    expect(result.failedMessageIds).toEqual([]);
  });

  it('returns the messages of a run that could not be written, and writes the batch’s other runs', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const broken = [entry('run-a', 'part-0'), entry('run-a', 'part-1')];
    const fine = entry('run-b', 'part-0');
    for (const e of [...broken, fine]) await registry.register(e);
    const store = new CountingStore(['run-a']);
    const messages = [message('a0', broken[0]!), message('b0', fine), message('a1', broken[1]!)];

    // Act
    const result = await writeRunReportBatch(messages, deps(registry, store));

    // Assess
    expect(result.failedMessageIds).toEqual(['a0', 'a1']);
    expect(result.runs).toMatchObject([
      { runId: 'run-a', messages: 2, status: 'error', errorName: 'SlowDown', errorMessage: 'slow down' },
      { runId: 'run-b', messages: 1, status: 'written' },
    ]);
    expect(store.jsonWrites).toEqual(['reports/runs/sales/run-b/report.json']);
  });

  it('returns a message that is no Output Tested event as a failure, and one outside every run as none', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const e = entry('run-a', 'part-0');
    await registry.register(e);
    const store = new CountingStore();
    const messages = [message('ok', e), message('no-run', e, null), { messageId: 'bad', body: '{' }];

    // Act
    const result = await writeRunReportBatch(messages, deps(registry, store));

    // Assess
    expect(result.failedMessageIds).toEqual(['bad']);
    expect(result.noRun.map((m) => m.messageId)).toEqual(['no-run']);
    expect(result.runs).toMatchObject([{ runId: 'run-a', messages: 1, status: 'written' }]);
  });

  it('writes a run once when the queue delivers the same event twice', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const e = entry('run-a', 'part-0');
    await registry.register(e);
    const store = new CountingStore();
    const twice = message('m1', e);

    // Act
    const result = await writeRunReportBatch([twice, { ...twice, messageId: 'm2' }], deps(registry, store));

    // Assess
    expect(store.jsonWrites).toHaveLength(1);
    expect(result.runs).toMatchObject([{ runId: 'run-a', messages: 2, status: 'written', objects: 1 }]);
  });

  it('records a run past the bound as a skip, not a failure to deliver again', async () => {
    // Arrange
    const registry = new InMemoryRegistry();
    const run = ['part-0', 'part-1'].map((p) => entry('run-a', p));
    for (const e of run) await registry.register(e);
    const store = new CountingStore();

    // Act
    const result = await writeRunReportBatch(
      run.map((e, at) => message(`m${at}`, e)),
      { ...deps(registry, store), maxObjects: 1 },
    );

    // Assess
    expect(result.runs).toMatchObject([{ runId: 'run-a', status: 'skipped' }]);
    expect(result.failedMessageIds).toEqual([]);
    expect(store.jsonWrites).toEqual([]);
  });
});
