/**
 * The output-path registry on the integration target (the embedded stack by default, or a deployed
 * stack: see embedded-stack-harness.ts), through real SDK clients: at-least-once delivery leaves one
 * entry, concurrent status writers cannot lose an update, the state machine's own status records
 * keep the forward-only rules, versions page newest first with cursors, and `prt outputs` lists what
 * is registered.
 */
import '../../lib/local/promise-with-resolvers';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { StateMachine } from 'aws-local-stepfunctions';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type LineageStore, lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import {
  objectPk,
  outputIndexKey,
  versionTokenOf,
  type OutputRegistry,
  type RegistryEntry,
} from '../../lambdas/core/registry/output-registry';
import { StatusTransitionError } from '../../lambdas/core/registry/registry-errors';
import type { TestStatus } from '../../lambdas/core/registry/status-transitions';
import type { RunReport } from '../../lambdas/core/reporting/run-report';
import { localDynamoDBClient } from '../../lib/local/local-clients';
import { buildTaskBindings } from '../../lib/local/task-bindings';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { OUTPUT_TESTING_ASL } from '../../lib/config/workflow-definition';
import { startHarness, type Harness } from './embedded-stack-harness';

const run = promisify(execFile);
const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
let h: Harness;
let registry: OutputRegistry;
let lineage: LineageStore;
/** Items written straight into the table live in a pipeline of this suite run: no collisions on a long-lived stack. */
let PAGING: string;
let RUN_DUP: string;

function prt(args: string[], env: Record<string, string> = {}) {
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/prt.mjs'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...h.cliEnv(), PRT_REGISTRY_TABLE: h.resources.registryTable, ...env },
  });
}

function failureOf(
  p: Promise<unknown>,
): Promise<{ code: number; stdout: string; stderr: string } | undefined> {
  return p.then(
    () => undefined,
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

/** A tracked, pending entry written straight into the registry (no execution). */
function pendingEntry(key: string, version: string, registeredAt: string, output = 'rows'): RegistryEntry {
  const uri = `s3://${h.resources.outputsBucket}/${PAGING}/${key}`;
  return {
    pk: objectPk(uri),
    sk: `VER#${version}`,
    uri,
    bucket: h.resources.outputsBucket,
    key: `${PAGING}/${key}`,
    versionId: version,
    etag: 'e',
    size: 1,
    status: 'pending',
    dataType: 'pipeline',
    registeredAt,
    eventTime: registeredAt,
    pipeline: PAGING,
    step: 'load',
    output,
    gsi1pk: outputIndexKey(PAGING, 'load', output),
    gsi1sk: `${registeredAt}#${uri}#VER#${version}`,
  };
}

beforeAll(async () => {
  h = await startHarness();
  registry = h.registry;
  lineage = new DynamoLineageStore(h.db, h.resources.registryTable);
  PAGING = h.runId('paging');
  RUN_DUP = h.runId('run-dup');
});

afterAll(async () => {
  await h.close();
});

describe('at-least-once delivery', () => {
  it('keeps one registry entry, one report and one set of edges when the same event arrives 100 times at once', async () => {
    // Prepare: the upstream output of the run, then the output whose event will be repeated.
    const raw = `pipelines/sales/${RUN_DUP}/ingestion/raw_orders/orders.csv`;
    const key = `pipelines/sales/${RUN_DUP}/preprocessing/training_data/part-0.csv`;
    await h.upload(raw, 'order_id,customer_id,amount,ordered_at\no-1,1,10.5,2026-11-01T00:00:00Z\n');
    await h.waitForStatus(raw);
    const uploaded = await h.upload(
      key,
      `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,3,2026-11-01T01:00:00Z\n`,
    );
    let first = (await h.executionsFor(key))[0];
    for (const deadline = Date.now() + 60_000; !first && Date.now() < deadline;) {
      await new Promise((r) => setTimeout(r, 5));
      first = (await h.executionsFor(key))[0];
    }

    // Act: 99 more deliveries of the very same event, while the first may still be running.
    const started = Date.now();
    await Promise.all(Array.from({ length: 99 }, () => h.redeliver(first!.input)));
    const executions = await h.waitForExecutions(key, 100);
    const seconds = (Date.now() - started) / 1000;

    // Assess
    expect(executions).toHaveLength(100);
    const ends = executions.map((e) => e.path.at(-1));
    expect(ends.filter((s) => s === 'Tested')).toHaveLength(1);
    expect(ends.filter((s) => s === 'AlreadyRegistered')).toHaveLength(99);
    const items = await h.db.send(
      new QueryCommand({
        TableName: h.resources.registryTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': objectPk(uploaded.uri) },
      }),
    );
    expect(items.Items).toHaveLength(1);
    expect(items.Items![0]).toMatchObject({ status: 'passed', revision: 1, rowCount: 2 });
    const [entry] = await registry.versionsOf(uploaded.uri);
    const node = lineageNode(uploaded.uri, versionTokenOf(entry!));
    expect((await lineage.upstream(node)).map((e) => e.fromOutput)).toEqual(['sales/ingestion/raw_orders']);
    expect((await lineage.downstream(node)).map((e) => e.kind)).toEqual(['conversion']);
    const inRun = await registry.runOutputs('sales', RUN_DUP, { step: 'preprocessing' });
    expect(inRun.items.map((e) => e.output).sort()).toEqual(['training_data', 'training_data@parquet']);
    const reports = await h.s3.send(
      new ListObjectsV2Command({
        Bucket: h.resources.artifactsBucket,
        Prefix: `reports/${h.resources.outputsBucket}/${key}/`,
      }),
    );
    // One report for the one version tested (its JSON, and its HTML rendering when enabled).
    const names = (reports.Contents ?? []).map((o) => o.Key!.split('/').at(-1)!);
    expect(names.filter((n) => n.endsWith('.json'))).toHaveLength(1);
    expect(new Set(names.map((n) => n.replace(/\.(json|html)$/, '')))).toEqual(
      new Set([versionTokenOf(entry!)]),
    );
    console.log(
      `[measure] 100 deliveries of one event (${h.target}) → ${items.Items!.length} registry entry, ${seconds.toFixed(2)} s for the 99 repeats`,
    );
  });
});

describe('concurrent status writers', () => {
  it('let exactly one writer move a version out of pending; the others learn who won', async () => {
    // Prepare
    const entry = pendingEntry('race-1.csv', 'v1', '2026-11-01T00:00:00.000Z');
    await registry.register(entry);
    const writers = Array.from({ length: 20 }, (_v, i): { to: TestStatus; reportUri: string } => ({
      to: i % 2 === 0 ? 'passed' : 'failed',
      reportUri: `s3://art/reports/writer-${i}.json`,
    }));

    // Act
    const outcomes = await Promise.allSettled(
      writers.map((w) => registry.transition(entry, w.to, { reportUri: w.reportUri })),
    );

    // Assess
    const changed = outcomes.flatMap((o, i) => (o.status === 'fulfilled' && o.value.changed ? [i] : []));
    expect(changed).toHaveLength(1);
    const winner = writers[changed[0]!]!;
    const expected = writers.map((w, i) =>
      i === changed[0] ? 'changed' : w.to === winner.to ? 'repeat' : 'StatusTransitionError',
    );
    const seen = outcomes.map((o) =>
      o.status === 'fulfilled'
        ? o.value.changed
          ? 'changed'
          : 'repeat'
        : o.reason instanceof StatusTransitionError
          ? 'StatusTransitionError'
          : String(o.reason),
    );
    expect(seen).toEqual(expected);
    const final = await registry.get(entry.pk, entry.sk);
    expect(final).toMatchObject({ status: winner.to, reportUri: winner.reportUri, revision: 1 });
  });

  it('never lets a repeated status overwrite the details of the write that made it', async () => {
    // Prepare
    const entry = pendingEntry('race-2.csv', 'v1', '2026-11-01T00:00:00.000Z');
    await registry.register(entry);

    // Act: 20 writers all record `warned`, each with its own report.
    const results = await Promise.all(
      Array.from({ length: 20 }, (_v, i) =>
        registry.transition(entry, 'warned', { reportUri: `s3://art/r${i}.json`, rowCount: i }),
      ),
    );

    // Assess
    const winners = results.flatMap((r, i) => (r.changed ? [i] : []));
    expect(winners).toHaveLength(1);
    const final = await registry.get(entry.pk, entry.sk);
    expect(final).toMatchObject({
      status: 'warned',
      reportUri: `s3://art/r${winners[0]}.json`,
      rowCount: winners[0],
      revision: 1,
    });
  });
});

describe("the state machine's status records, on the target's DynamoDB", () => {
  const definition = JSON.parse(readFileSync(join(PROJECT_ROOT, OUTPUT_TESTING_ASL), 'utf8')) as {
    States: Record<string, Record<string, unknown>>;
  };

  /** Runs one Record* state of the deployed definition on its own, with the local interpreter. */
  async function record(
    state: string,
    entry: RegistryEntry,
    validation: Record<string, unknown> = {},
    error?: Record<string, string>,
  ): Promise<string> {
    const dynamodb =
      h.target === 'embedded' ? localDynamoDBClient(h.stack.endpoints.dynamodb) : new DynamoDBClient({});
    const text = JSON.stringify({
      ...definition.States[state],
      Next: undefined,
      Catch: undefined,
      End: true,
    }).replace(/\$\{RegistryTableName\}/g, h.resources.registryTable);
    const alone = { StartAt: state, States: { [state]: JSON.parse(text) as never } };
    const bindings = buildTaskBindings(alone, { handlers: new Map(), dynamodb, onAlert: () => undefined });
    const machine = new StateMachine(alone, {
      validationOptions: { checkArn: false, checkPaths: false },
    });
    const object = {
      pk: entry.pk,
      sk: entry.sk,
      uri: entry.uri,
      bucket: entry.bucket,
      key: entry.key,
      etag: entry.etag,
    };
    try {
      const input: unknown = { object, validation, ...(error ? { error, outcome: outcomeOf(error) } : {}) };
      // $$.State.EnteredTime, which the interpreter does not maintain (the embedded stack supplies it too).
      const context: unknown = { State: { EnteredTime: '2026-11-02T00:00:00.000Z' } };
      await machine.run(input as never, {
        overrides: { taskResourceLocalHandlers: bindings as never },
        context: context as never,
      }).result;
      return 'written';
    } catch (e) {
      const inner = (e as { cause?: Error }).cause ?? (e as Error);
      return inner.name;
    } finally {
      dynamodb.destroy();
    }
  }

  /** What the definition's ClassifyError state routes a caught error to (its Pass state's Result). */
  function outcomeOf(error: Record<string, string>): unknown {
    const states = definition.States as unknown as Record<
      string,
      { Choices?: { StringEquals: string; Next: string }[]; Default?: string; Result?: unknown }
    >;
    const classify = states['ClassifyError']!;
    const next = classify.Choices?.find((c) => c.StringEquals === error['Error'])?.Next ?? classify.Default!;
    return states[next]!.Result;
  }

  const passed = {
    status: 'passed',
    reportUri: 's3://art/reports/x.json',
    quarantineUri: null,
    summary: 'PASSED: 2 rows',
    rowCount: 2,
    failedRules: [],
  };
  const failed = {
    status: 'failed',
    reportUri: 's3://art/reports/y.json',
    quarantineUri: 's3://art/quarantine/y.jsonl',
    summary: 'FAILED',
    rowCount: 3,
    failedRules: ['amount_positive'],
  };

  it('move pending to passed once, accept the repeat, and refuse to turn it into warned or failed', async () => {
    // Prepare
    const entry = pendingEntry('asl-a.csv', 'v1', '2026-11-01T00:00:00.000Z');
    await registry.register(entry);

    // Act
    const outcomes = [
      await record('RecordResult', entry, passed),
      await record('RecordResult', entry, passed),
      await record('RecordResult', entry, { ...passed, status: 'warned' }),
      await record('RecordValidationFailure', entry, failed),
      await record('RecordError', entry, {}, { Error: 'States.Timeout', Cause: 'late' }),
    ];

    // Assess
    expect(outcomes).toEqual([
      'written',
      'written',
      'DynamoDB.ConditionalCheckFailedException',
      'DynamoDB.ConditionalCheckFailedException',
      'DynamoDB.ConditionalCheckFailedException',
    ]);
    const stored = await registry.get(entry.pk, entry.sk);
    expect(stored).toMatchObject({
      status: 'passed',
      reportUri: passed.reportUri,
      summary: 'PASSED: 2 rows',
      revision: 2,
    });
    expect(stored).not.toHaveProperty('quarantineUri');
  });

  it('record a failure with its quarantine and keep failed final', async () => {
    // Prepare
    const entry = pendingEntry('asl-b.csv', 'v1', '2026-11-01T00:00:00.000Z');
    await registry.register(entry);

    // Act
    const first = await record('RecordValidationFailure', entry, failed);
    const backToPassed = await record('RecordResult', entry, passed);

    // Assess
    expect([first, backToPassed]).toEqual(['written', 'DynamoDB.ConditionalCheckFailedException']);
    expect(await registry.get(entry.pk, entry.sk)).toMatchObject({
      status: 'failed',
      quarantineUri: failed.quarantineUri,
      failedRules: new Set(['amount_positive']),
      revision: 1,
    });
  });

  it('record an error (status error) for a version Register never wrote, and never touch an untracked one', async () => {
    // Prepare
    const missing = pendingEntry('asl-never-registered.csv', 'v1', '2026-11-01T00:00:00.000Z');
    const untracked = {
      ...pendingEntry('asl-untracked.csv', 'v1', '2026-11-01T00:00:00.000Z'),
      status: 'untracked' as const,
    };
    await registry.register(untracked);

    // Act
    const created = await record(
      'RecordError',
      missing,
      {},
      { Error: 'ContractError', Cause: 'two contracts claim the key' },
    );
    const refused = await record('RecordError', untracked, {}, { Error: 'X', Cause: 'y' });

    // Assess
    expect([created, refused]).toEqual(['written', 'DynamoDB.ConditionalCheckFailedException']);
    expect(await registry.find(missing.uri, 'v1')).toMatchObject({
      status: 'error',
      failureReason: 'ContractError',
      uri: missing.uri,
      key: missing.key,
      registeredAt: '2026-11-02T00:00:00.000Z',
    });
    expect((await registry.get(untracked.pk, untracked.sk))?.status).toBe('untracked');
  });
});

describe('versions of a logical output', () => {
  it('page 120 versions newest first with cursors, with and without a status filter', async () => {
    // Prepare
    const entries = Array.from({ length: 120 }, (_v, i) =>
      pendingEntry(
        `rows-${i}.csv`,
        `v${i}`,
        new Date(Date.parse('2026-10-01T00:00:00Z') + i * 1000).toISOString(),
        'many',
      ),
    );
    for (const e of entries) await registry.register(e);
    for (const e of entries.filter((_e, i) => i % 3 === 0))
      await registry.transition(e, 'failed', { failureReason: 'test' });
    const name = { pipeline: PAGING, step: 'load', output: 'many' };

    // Act
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await registry.versions(name, { limit: 50, ...(cursor ? { cursor } : {}) });
      pages.push(page.items.map((e) => e.key));
      cursor = page.cursor;
    } while (cursor);
    const failedKeys: string[] = [];
    cursor = undefined;
    do {
      const page = await registry.versions(name, {
        limit: 7,
        status: 'failed',
        ...(cursor ? { cursor } : {}),
      });
      failedKeys.push(...page.items.map((e) => e.key));
      cursor = page.cursor;
    } while (cursor);

    // Assess
    const newestFirst = [...entries].reverse().map((e) => e.key);
    expect(pages.map((p) => p.length)).toEqual([50, 50, 20]);
    expect(pages.flat()).toEqual(newestFirst);
    expect(failedKeys).toEqual(newestFirst.filter((k) => Number(/rows-(\d+)/.exec(k)![1]) % 3 === 0));
  });
});

describe('prt report --run', () => {
  it('reports a whole run: the worst status, rows per output and from step to step, JSON and HTML', async () => {
    // Arrange: a run whose upstream output passes and whose downstream output fails one row
    const runId = h.runId('run-report');
    const raw = `pipelines/sales/${runId}/ingestion/raw_orders/orders.csv`;
    const key = `pipelines/sales/${runId}/preprocessing/training_data/part-0.csv`;
    await h.upload(
      raw,
      'order_id,customer_id,amount,ordered_at\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,3,2026-11-01T00:00:00Z\n',
    );
    await h.waitForStatus(raw);
    await h.upload(key, `${HEADER}\no-1,1,-1,2026-11-01T00:00:00Z\no-2,2,5,2026-11-01T00:00:00Z\n`);
    const failed = await h.waitForStatus(key);
    const out = mkdtempSync(join(tmpdir(), 'prt-run-report-'));

    // Act
    const failure = await failureOf(prt(['report', 'sales', '--run', runId, '--json', '--out', out]));
    const text = await failureOf(prt(['report', 'sales', '--run', runId]));

    // Assess
    expect(failed.status).toBe('failed');
    expect(failure?.code).toBe(1);
    const report = JSON.parse(readFileSync(join(out, `run-${runId}.json`), 'utf8')) as RunReport;
    expect(report.status).toBe('failed');
    expect(report.outputs.map((o) => [o.output, o.status, o.objects, o.rows])).toEqual([
      ['ingestion/raw_orders', 'passed', 1, 2],
      ['preprocessing/training_data', 'failed', 1, 2],
    ]);
    expect(report.outputs[1]!.failedRules.map((r) => r.rule).length).toBeGreaterThan(0);
    expect(report.outputs[1]!.quarantines).toEqual([failed.quarantineUri]);
    expect(report.flow).toContainEqual({
      from: 'ingestion/raw_orders',
      to: 'preprocessing/training_data',
      kind: 'declared-input',
      rowsFrom: 2,
      rowsTo: 2,
    });
    expect(report.reportsMissing).toEqual([]);
    expect(report.compatibility.outputs.map((o) => o.output).sort()).toEqual([
      'ingestion/raw_orders',
      'preprocessing/training_data',
    ]);
    const html = readFileSync(join(out, `run-${runId}.html`), 'utf8');
    expect(html).toContain('preprocessing/training_data');
    expect(html).toContain('Content-Security-Policy');
    expect(text?.code).toBe(1);
    expect(text?.stdout).toMatch(new RegExp(`^sales run ${runId}: FAILED \\(2 objects in 2 outputs\\)`));
    expect(text?.stdout).toMatch(/FAILED\s+preprocessing\/training_data\s+1\s+2\s/);
  });
});

describe('prt outputs', () => {
  it("lists a run's outputs with their status, as JSON", async () => {
    // Act
    const { stdout } = await prt(['outputs', 'sales', '--run', RUN_DUP, '--json']);

    // Assess
    const listing = JSON.parse(stdout) as { items: RegistryEntry[]; cursor: string | null };
    expect(listing.items.map((e) => [e.step, e.output, e.status])).toEqual([
      ['ingestion', 'raw_orders', 'passed'],
      ['preprocessing', 'training_data', 'passed'],
      ['preprocessing', 'training_data@parquet', 'passed'],
    ]);
    expect(listing.cursor).toBeNull();
  });

  it('filters by status and prints the table people read', async () => {
    // Prepare
    const runId = h.runId('run-bad');
    const key = `pipelines/sales/${runId}/preprocessing/training_data/part-0.csv`;
    await h.upload(key, `${HEADER}\no-1,,-1,2026-11-01T00:00:00Z\n`);
    await h.waitForStatus(key);

    // Act
    const failedOnly = await prt(['outputs', 'sales', '--status', 'failed']);
    const latest = await prt(['outputs', 'sales']);

    // Assess
    const lines = failedOnly.stdout.trim().split('\n');
    const end = lines.indexOf('', 3);
    const rows = lines.slice(3, end < 0 ? undefined : end);
    expect(lines[0]).toMatch(/^sales: latest version of each output with status failed \(\d+\)$/);
    expect(lines[2]).toMatch(/^STATUS\s+OUTPUT\s+RUN\s+REGISTERED\s+VERSION\s+OBJECT\s+REPORT\s+DETAILS$/);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((l) => l.startsWith('FAILED '))).toBe(true);
    expect(rows.find((l) => /^FAILED\s+preprocessing\/training_data\s/.test(l))).toContain(runId);
    expect(latest.stdout).toMatch(/PASSED\s+ingestion\/raw_orders\s/);
  });

  it('shows the versions of one object by its URI, with report and failing rows', async () => {
    // Prepare
    const key = `pipelines/sales/${h.runId('run-uri')}/preprocessing/training_data/part-0.csv`;
    const uploaded = await h.upload(
      key,
      `${HEADER}\no-1,1,-1,2026-11-01T00:00:00Z\no-2,2,5,2026-11-01T00:00:00Z\n`,
    );
    const entry = await h.waitForStatus(key);

    // Act
    const { stdout } = await prt(['outputs', uploaded.uri]);

    // Assess
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`${uploaded.uri}: registered versions, newest first (1)`);
    expect(lines[3]).toMatch(
      new RegExp(
        `^FAILED\\s+preprocessing/training_data\\s.*${entry.reportUri!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`,
      ),
    );
    expect(lines.slice(-3)).toEqual([
      'failing rows (quarantine):',
      `  ${uploaded.uri} ${versionTokenOf(entry)}`,
      `    ${entry.quarantineUri!}`,
    ]);
    expect(entry.quarantineUri).toMatch(/^s3:\/\/.+\/quarantine\/.+\.jsonl$/);
  });

  it('pages a long listing with a cursor it prints', async () => {
    // Act
    const first = await prt(['outputs', PAGING, '--output', 'load/many', '--limit', '100']);
    const cursor = /--cursor (\S+)/.exec(first.stdout)?.[1];
    const second = await prt([
      'outputs',
      PAGING,
      '--output',
      'load/many',
      '--limit',
      '100',
      '--cursor',
      cursor!,
      '--json',
    ]);

    // Assess
    expect(first.stdout).toContain(`more: prt outputs ${PAGING} --output load/many --limit 100 --cursor `);
    expect((JSON.parse(second.stdout) as { items: unknown[] }).items).toHaveLength(20);
  });

  it.each([
    [
      'no registry table',
      ['outputs', 'sales'],
      { PRT_REGISTRY_TABLE: '' },
      2,
      'prt outputs: no registry table: pass --table or set PRT_REGISTRY_TABLE',
    ],
    [
      'a table that does not exist',
      ['outputs', 'sales', '--table', 'prt-no-such-table'],
      {},
      2,
      "prt outputs: the registry table 'prt-no-such-table' does not exist at",
    ],
    [
      'an unknown status',
      ['outputs', 'sales', '--status', 'green'],
      {},
      2,
      'prt outputs: --status green: expected pending, passed, warned, failed, error, deleted, untracked',
    ],
    [
      'a cursor from elsewhere',
      ['outputs', 'sales', '--run', 'r', '--cursor', 'eyJzIjoiYSIsImsiOnt9fQ'],
      {},
      2,
      'invalid cursor (it belongs to a different query)',
    ],
  ])('exits with what to fix for %s', async (_case, args, env, code, message) => {
    // Act
    const failure = await failureOf(prt(args, env));

    // Assess
    expect(failure?.code).toBe(code);
    expect(failure?.stderr).toContain(message);
  });
});
