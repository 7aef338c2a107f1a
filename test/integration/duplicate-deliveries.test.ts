/**
 * At-least-once delivery under load, through the embedded stack: several outputs of three pipeline
 * runs (passing, failing their contract, converted, with declared lineage inputs) each have their S3
 * event delivered 100 times, the deliveries of different objects shuffled together, fired at once,
 * part of them delayed while the others run, and the consumers of a run landing while their inputs'
 * duplicates are still running.
 *
 * What at-least-once must not change, per object version: one registry item with one status write
 * (revision 1), exactly the lineage edges its contracts declare, one report, one converted copy when
 * the contract converts, an alert only when it failed, and one Output Tested event. The ASL ends
 * every delivery but the one that registered the version at AlreadyRegistered, which publishes
 * nothing, so the owner's event is the only one.
 */
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type LineageStore, lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import { objectPk } from '../../lambdas/core/registry/output-registry';
import { seededRandom } from '../fixtures/seeded-random';
import { orderFeaturesParquet } from '../fixtures/order-features-parquet';
import type { EventBridgeS3Event } from '../../lib/local/s3-event-to-eventbridge';
import { markdownTable, recordFigures } from '../fixtures/reliability-report';
import { startHarness, type ExecutionView, type Harness } from './embedded-stack-harness';

/** Deliveries of each event (the upload's own included); PRT_SOAK=1 raises it. */
const DELIVERIES = process.env['PRT_SOAK'] === '1' ? 300 : 100;
const RAW_HEADER = 'order_id,customer_id,amount,ordered_at';
const TRAINING_HEADER = 'order_id,customer_id,purchase_amount,ordered_at';

interface Case {
  readonly name: string;
  readonly key: string;
  readonly body: () => Promise<string | Uint8Array>;
  readonly expected: 'passed' | 'failed';
  readonly converted: boolean;
  /** Names (of other cases) this one's contract declares as inputs in the same run. */
  readonly inputs: readonly string[];
  /** Uploaded once these cases are registered (a step runs after the steps it reads). */
  readonly after: readonly string[];
}

interface Delivered {
  readonly c: Case;
  uri: string;
  version: string;
  first?: EventBridgeS3Event;
  executions: ExecutionView[];
}

let h: Harness;
let lineage: LineageStore;
let cases: Case[];
const results = new Map<string, Delivered>();
let seconds = 0;
/** Tests that reached their end; the figure is recorded only when all did. */
let passedTests = 0;

function shuffle<T>(items: T[], random: () => number): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

async function poll<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Uploads a phase's objects together, catches each one's event as the rule delivered it, and
 * delivers it DELIVERIES − 1 more times: all objects' deliveries shuffled into one list and started
 * at once, a third of them after a random delay of up to 400 ms, while the first ones run.
 */
async function deliverPhase(phase: readonly Case[], random: () => number): Promise<Promise<void>[]> {
  const uploaded = await Promise.all(
    phase.map(async (c) => {
      const up = await h.upload(c.key, await c.body());
      const d: Delivered = { c, uri: up.uri, version: `etag:${up.etag}`, executions: [] };
      results.set(c.name, d);
      d.first = await poll(
        `the first execution of ${c.key}`,
        async () => (await h.executionsFor(c.key))[0]?.input,
      );
      return d;
    }),
  );
  const deliveries = shuffle(
    uploaded.flatMap((d) => Array.from({ length: DELIVERIES - 1 }, () => d)),
    random,
  );
  return deliveries.map(async (d) => {
    if (random() < 1 / 3) await sleep(Math.floor(random() * 400));
    await h.redeliver(d.first!);
  });
}

beforeAll(async () => {
  h = await startHarness();
  lineage = new DynamoLineageStore(h.db, h.resources.registryTable);
  const runA = h.runId('dup-a');
  const runB = h.runId('dup-b');
  const runC = h.runId('dup-c');
  cases = [
    {
      name: 'raw A (passes)',
      key: `pipelines/sales/${runA}/ingestion/raw_orders/orders.csv`,
      body: () =>
        Promise.resolve(
          `${RAW_HEADER}\no-1,17,120.5,2026-11-01T09:00:00Z\no-2,42,9.99,2026-11-01T10:00:00Z\n`,
        ),
      expected: 'passed',
      converted: false,
      inputs: [],
      after: [],
    },
    {
      name: 'raw B (passes)',
      key: `pipelines/sales/${runB}/ingestion/raw_orders/orders.csv`,
      body: () => Promise.resolve(`${RAW_HEADER}\no-1,5,1.5,2026-11-02T09:00:00Z\n`),
      expected: 'passed',
      converted: false,
      inputs: [],
      after: [],
    },
    {
      name: 'raw C (fails: no order id)',
      key: `pipelines/sales/${runC}/ingestion/raw_orders/orders.csv`,
      body: () =>
        Promise.resolve(`${RAW_HEADER}\n,5,1.5,2026-11-03T09:00:00Z\no-2,6,2.5,2026-11-03T09:00:00Z\n`),
      expected: 'failed',
      converted: false,
      inputs: [],
      after: [],
    },
    {
      name: 'training A (passes, converted)',
      key: `pipelines/sales/${runA}/preprocessing/training_data/part-0.csv`,
      body: () =>
        Promise.resolve(
          `${TRAINING_HEADER}\no-1,17,120.5,2026-11-01T09:00:00Z\no-2,42,9.99,2026-11-01T10:00:00Z\n`,
        ),
      expected: 'passed',
      converted: true,
      inputs: ['raw A (passes)'],
      after: ['raw A (passes)'],
    },
    {
      name: 'training B (fails: negative amounts)',
      key: `pipelines/sales/${runB}/preprocessing/training_data/part-0.csv`,
      body: () =>
        Promise.resolve(
          `${TRAINING_HEADER}\no-1,5,-1.5,2026-11-02T09:00:00Z\no-2,6,-3,2026-11-02T10:00:00Z\n`,
        ),
      expected: 'failed',
      converted: false,
      inputs: ['raw B (passes)'],
      after: ['raw B (passes)'],
    },
    {
      name: 'features A (passes, Parquet)',
      key: `pipelines/sales/${runA}/features/order_features/part-0.parquet`,
      body: orderFeaturesParquet,
      expected: 'passed',
      converted: false,
      inputs: ['training A (passes, converted)'],
      after: ['training A (passes, converted)'],
    },
  ];

  const random = seededRandom(20261101);
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  const pending = [...cases];
  // Phases: a case is uploaded once the cases it reads are registered, while their duplicates
  // are still being delivered.
  while (pending.length > 0) {
    const ready = pending.filter((c) => c.after.every((n) => results.has(n)));
    for (const c of ready) pending.splice(pending.indexOf(c), 1);
    inFlight.push(...(await deliverPhase(ready, random)));
    for (const c of ready) {
      const d = results.get(c.name)!;
      await poll(`the registry item of ${c.key}`, () => h.registry.find(d.uri, d.version));
    }
  }
  await Promise.all(inFlight);
  for (const d of results.values()) d.executions = await h.waitForExecutions(d.c.key, DELIVERIES);
  await h.settle();
  seconds = (Date.now() - started) / 1000;
});

afterAll(async () => {
  await h.close();
});

async function registryItems(uri: string): Promise<Record<string, unknown>[]> {
  const out = await h.db.send(
    new QueryCommand({
      TableName: h.resources.registryTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': objectPk(uri) },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

async function artifacts(prefix: string, d: Delivered): Promise<string[]> {
  const out = await h.s3.send(
    new ListObjectsV2Command({
      Bucket: h.resources.artifactsBucket,
      Prefix: `${prefix}${h.resources.outputsBucket}/${d.c.key}/`,
    }),
  );
  return (out.Contents ?? []).map((o) => o.Key!.split('/').at(-1)!);
}

function nodeOf(d: Delivered): string {
  return lineageNode(d.uri, d.version);
}

/** Every edge touching a node, as `from -kind-> to`. */
async function edgesOf(node: string): Promise<string[]> {
  const [up, down] = await Promise.all([lineage.upstream(node), lineage.downstream(node)]);
  return [...up, ...down].map((e) => `${e.from} -${e.kind}-> ${e.to}`);
}

function endsOf(d: Delivered): Map<string, number> {
  const ends = new Map<string, number>();
  for (const e of d.executions) {
    const end = e.path.at(-1) ?? '(none)';
    ends.set(end, (ends.get(end) ?? 0) + 1);
  }
  return ends;
}

/** One value per object, keyed by its name, so a failed comparison names the object. */
async function perObject<T>(f: (d: Delivered) => T | Promise<T>): Promise<Record<string, T>> {
  const out: Record<string, T> = {};
  for (const c of cases) out[c.name] = await f(results.get(c.name)!);
  return out;
}

function alertsAbout(uri: string): number {
  return h.stack.alerts.filter((a) => (JSON.parse(a.message) as { uri?: string }).uri === uri).length;
}

describe(`the same S3 event delivered ${DELIVERIES} times, interleaved and concurrent`, () => {
  it('runs every delivery to an end: one owner per version tests it, every other one stops as AlreadyRegistered', async () => {
    // Act
    const ends = await perObject((d) => Object.fromEntries(endsOf(d)));
    const running = await perObject((d) => d.executions.filter((e) => e.status === 'RUNNING').length);

    // Assess
    expect(ends).toEqual(
      await perObject((d) => ({
        AlreadyRegistered: DELIVERIES - 1,
        [d.c.expected === 'passed' ? 'Tested' : 'ValidationFailed']: 1,
      })),
    );
    expect(running).toEqual(await perObject(() => 0));
    passedTests++;
  });

  it('keeps one registry item per object version, written once out of pending', async () => {
    // Act
    const items = await perObject(async (d) =>
      (await registryItems(d.uri)).map((i) => [i['sk'], i['status'], i['revision']]),
    );

    // Assess
    expect(items).toEqual(await perObject((d) => [[`VER#${d.version}`, d.c.expected, 1]]));
    passedTests++;
  });

  it('records exactly the lineage edges the contracts declare, each once', async () => {
    // Prepare: the converted copy of each converted version, found by its conversion edge.
    const copies = await perObject(async (d) =>
      (await lineage.downstream(nodeOf(d))).filter((e) => e.kind === 'conversion').map((e) => e.to),
    );
    const expected = new Map<string, string[]>([...results.values()].map((d) => [nodeOf(d), []]));
    const add = (node: string, edge: string) => expected.set(node, [...(expected.get(node) ?? []), edge]);
    for (const d of results.values()) {
      for (const input of d.c.inputs) {
        const from = results.get(input)!;
        const edge = `${nodeOf(from)} -declared-input-> ${nodeOf(d)}`;
        add(nodeOf(from), edge);
        add(nodeOf(d), edge);
      }
      for (const copy of copies[d.c.name] ?? []) {
        add(nodeOf(d), `${nodeOf(d)} -conversion-> ${copy}`);
        add(copy, `${nodeOf(d)} -conversion-> ${copy}`);
      }
    }

    // Act
    const edges: Record<string, string[]> = {};
    for (const node of expected.keys()) edges[node] = (await edgesOf(node)).sort();
    const convertedObjects = await perObject(async (d) => (await artifacts('converted/', d)).length);
    const copyItems = await perObject(async (d) => {
      const counts: number[] = [];
      for (const copy of copies[d.c.name] ?? [])
        counts.push((await registryItems(copy.slice(0, copy.lastIndexOf('#')))).length);
      return counts;
    });

    // Assess
    expect(await perObject((d) => copies[d.c.name]!.length)).toEqual(
      await perObject((d) => (d.c.converted ? 1 : 0)),
    );
    expect(edges).toEqual(Object.fromEntries([...expected].map(([node, list]) => [node, list.sort()])));
    expect(convertedObjects).toEqual(await perObject((d) => (d.c.converted ? 1 : 0)));
    expect(copyItems).toEqual(await perObject((d) => (d.c.converted ? [1] : [])));
    passedTests++;
  });

  it('writes one report per version, raises one alert per failed version and none for a passed one', async () => {
    // Act
    const reports = await perObject(async (d) => (await artifacts('reports/', d)).sort());
    const alerts = await perObject((d) => alertsAbout(d.uri));

    // Assess: the report's JSON, and its HTML rendering when enabled, named after the version.
    expect(reports).toEqual(
      await perObject((d) =>
        reports[d.c.name]!.includes(`${d.version}.html`)
          ? [`${d.version}.html`, `${d.version}.json`]
          : [`${d.version}.json`],
      ),
    );
    expect(alerts).toEqual(await perObject((d) => (d.c.expected === 'failed' ? 1 : 0)));
    passedTests++;
  });

  it('publishes one Output Tested event per version, from the owning execution, with its status', async () => {
    // Act
    const events = h.stack.publishedEvents.map(
      (e) => JSON.parse(e.detail) as { uri: string; version: string; status: string; execution: string },
    );
    const mine = await perObject((d) =>
      events.filter((e) => e.uri === d.uri).map((e) => [e.version, e.status, e.execution]),
    );

    // Assess
    expect(mine).toEqual(
      await perObject((d) => [
        [
          `VER#${d.version}`,
          d.c.expected,
          d.executions.find((e) => e.path.at(-1) !== 'AlreadyRegistered')?.executionArn,
        ],
      ]),
    );
    passedTests++;
  });

  afterAll(async () => {
    // Figures are recorded only when every test above held.
    if (passedTests < 5) return;
    const rows = [];
    for (const d of cases.map((c) => results.get(c.name)!)) {
      const ends = endsOf(d);
      const edges = await edgesOf(nodeOf(d));
      rows.push([
        d.c.name,
        d.executions.length,
        d.c.expected,
        ends.get('AlreadyRegistered') ?? 0,
        (await registryItems(d.uri)).length,
        edges.length,
        (await artifacts('reports/', d)).filter((n) => n.endsWith('.json')).length,
        alertsAbout(d.uri),
        h.stack.publishedEvents.filter((e) => (JSON.parse(e.detail) as { uri?: string }).uri === d.uri)
          .length,
      ]);
    }
    const total = DELIVERIES * results.size;
    recordFigures({
      id: 'duplicate-deliveries',
      title: 'Duplicate deliveries',
      body: `${results.size} objects of three pipeline runs, each S3 event delivered ${DELIVERIES} times (${total} executions) through the embedded stack: the deliveries of all objects shuffled into one list, fired at once, a third of them after a random delay of up to 400 ms, the consumers of a run uploaded while their inputs' duplicates still ran. ${total} executions in ${seconds.toFixed(1)} s (${(total / seconds).toFixed(0)} per second).

${markdownTable(
  [
    'object',
    'executions',
    'status',
    'ended AlreadyRegistered',
    'registry items',
    'lineage edges',
    'reports',
    'alerts',
    'Output Tested events',
  ],
  rows,
)}`,
    });
  });
});
