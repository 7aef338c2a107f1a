/**
 * Injected faults, through the embedded stack: a fault-injecting proxy in front of its S3 and
 * DynamoDB servers answers 30% of the workflow's calls with S3 SlowDown / DynamoDB throttling, a
 * server error, a dropped connection (before the server saw the request, or after it did the work)
 * or a slow answer; and 30% of the handler invocations throw an error the state machine retries,
 * either instead of running (Lambda throttled, service fault, TransientDependencyError) or after
 * running (the work happened, the answer was lost).
 *
 * What must hold anyway: every execution ends (SUCCEEDED or FAILED) and every object has exactly one
 * registry entry with a final status: the one its data deserves, or, when the faults outlasted the
 * retries, `error` with the retried error as its reason (recorded, alerted, never left pending; never
 * `failed`, which only the data can earn).
 * Nothing is lost or duplicated: the uploaded objects are intact, each converted copy and lineage
 * edge exists once. The figure (executions, requests, faults, retries, outcomes) goes to the
 * 'injected-faults' section of docs/reliability.md (npm run reliability-report).
 *
 * One embedded stack for the file: the handlers read their endpoints when imported, and modules are
 * cached per worker.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type LineageStore, lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import { objectPk } from '../../lambdas/core/registry/output-registry';
import { EmbeddedStack, type Endpoints, type ExecutionRecord } from '../../lib/local/embedded-stack';
import { FAULT_KINDS, FaultInjectionProxy, type FaultStats } from '../fixtures/fault-injection-proxy';
import { seededRandom } from '../fixtures/seeded-random';
import { localDocumentClient, localS3Client } from '../../lib/local/local-clients';
import type { LocalHandler } from '../../lib/local/task-bindings';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';
import { markdownTable, recordFigures } from '../fixtures/reliability-report';

const SOAK = process.env['PRT_SOAK'] === '1';
/** Pipeline runs, two outputs each (raw_orders, then training_data converted to Parquet). */
const RUNS = SOAK ? 100 : 12;
const FAULT_RATE = 0.3;
/** How long the setup may take: retries wait real seconds (1–30 s backoff with jitter). */
const WAIT_MS = SOAK ? 1_800_000 : 600_000;
const SEED = 20261102;

/** Errors the state machine's Retry blocks name for the Lambda tasks. */
const RETRIED_ERRORS = new Set([
  'Lambda.ServiceException',
  'Lambda.AWSLambdaException',
  'Lambda.SdkClientException',
  'Lambda.TooManyRequestsException',
  'Lambda.ClientExecutionTimeoutException',
  'TransientDependencyError',
  // Register's Powertools idempotency: a lost answer or a failed record write; the ASL retries
  // them past the in-progress lock (the function's timeout).
  'IdempotencyAlreadyInProgressError',
  'IdempotencyPersistenceLayerError',
]);

const HANDLER_FAULTS = [
  'before: Lambda.TooManyRequestsException',
  'before: Lambda.ServiceException',
  'before: TransientDependencyError',
  'after: Lambda.ServiceException',
] as const;
type HandlerFault = (typeof HANDLER_FAULTS)[number];

class InjectedError extends Error {
  constructor(name: string) {
    super(`injected by the reliability suite (${name})`);
    this.name = name;
  }
}

interface Output {
  readonly run: number;
  readonly step: 'raw' | 'training';
  readonly key: string;
  readonly body: string;
  readonly expected: 'passed' | 'failed';
  uri: string;
  version: string;
  execution?: ExecutionRecord | undefined;
  item?: Record<string, unknown> | undefined;
  items: number;
}

let stack: EmbeddedStack;
let s3Proxy: FaultInjectionProxy;
let dynamoProxy: FaultInjectionProxy;
let servers: Endpoints;
let s3: S3Client;
let db: DynamoDBDocumentClient;
let lineage: LineageStore;
const outputs: Output[] = [];
let seconds = 0;
let passedTests = 0;

/** Handler invocations per `execution function`, and what was injected or surfaced. */
const invocations = new Map<string, number>();
const injected = new Map<HandlerFault, number>(HANDLER_FAULTS.map((f) => [f, 0]));
/** Errors the real handlers threw (dependency failures the SDK's retries did not absorb). */
const surfaced = new Map<string, number>();
let handlerRandom = seededRandom(SEED + 1);
let handlerFaultsOn = false;

function bump<K>(map: Map<K, number>, key: K): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function wrapHandler(fn: string, handler: LocalHandler): LocalHandler {
  return async (event, context) => {
    const execution = (event as { execution?: string }).execution ?? '(none)';
    bump(invocations, `${execution} ${fn}`);
    // Two draws per invocation, whatever the outcome, so the choices depend only on the seed and order.
    const hit = handlerFaultsOn && handlerRandom() < FAULT_RATE;
    const fault = HANDLER_FAULTS[Math.floor(handlerRandom() * HANDLER_FAULTS.length)]!;
    if (hit && fault.startsWith('before')) {
      bump(injected, fault);
      throw new InjectedError(fault.replace('before: ', ''));
    }
    let result: unknown;
    try {
      result = await handler(event, context);
    } catch (error) {
      bump(surfaced, `${fn}: ${(error as Error).name}`);
      throw error;
    }
    if (hit) {
      bump(injected, fault);
      throw new InjectedError(fault.replace('after: ', ''));
    }
    return result;
  };
}

function rawBody(run: number, failing: boolean): string {
  const id = failing ? '' : `o-${run}`;
  return `order_id,customer_id,amount,ordered_at\n${id},${run + 1},12.5,2026-11-01T09:00:00Z\no-x${run},7,3.25,2026-11-01T10:00:00Z\n`;
}

function trainingBody(run: number, failing: boolean): string {
  const amount = failing ? '-4' : '12.5';
  return `order_id,customer_id,purchase_amount,ordered_at\no-${run},${run + 1},${amount},2026-11-01T09:00:00Z\no-x${run},7,${failing ? '-1' : '3.25'},2026-11-01T10:00:00Z\n`;
}

async function upload(o: Output): Promise<void> {
  const put = await s3.send(
    new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: o.key, Body: Buffer.from(o.body) }),
  );
  o.uri = `s3://${stack.resources.outputsBucket}/${o.key}`;
  o.version = `etag:${(put.ETag ?? '').replace(/"/g, '')}`;
}

async function registryItems(uri: string): Promise<Record<string, unknown>[]> {
  const out = await db.send(
    new QueryCommand({
      TableName: stack.resources.registryTable,
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': objectPk(uri) },
      ConsistentRead: true,
    }),
  );
  return out.Items ?? [];
}

async function waitFor(
  what: string,
  probe: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev'),
    contractsDir: join(PROJECT_ROOT, 'contracts'),
    interpose: async (direct) => {
      servers = direct;
      s3Proxy = await FaultInjectionProxy.start({
        upstream: direct.s3,
        service: 's3',
        faultRate: FAULT_RATE,
        seed: SEED,
        slowMs: 200,
      });
      dynamoProxy = await FaultInjectionProxy.start({
        upstream: direct.dynamodb,
        service: 'dynamodb',
        faultRate: FAULT_RATE,
        seed: SEED + 2,
        slowMs: 200,
      });
      s3Proxy.enabled = false;
      dynamoProxy.enabled = false;
      return {
        s3: s3Proxy.url,
        dynamodb: dynamoProxy.url,
        close: async () => {
          await s3Proxy.close();
          await dynamoProxy.close();
        },
      };
    },
    wrapHandler,
  });
  // The suite's own clients talk to the servers directly: uploads and checks see no faults.
  s3 = localS3Client(servers.s3);
  db = localDocumentClient(servers.dynamodb);
  lineage = new DynamoLineageStore(db, stack.resources.registryTable);

  const suffix = Date.now().toString(36);
  for (let run = 0; run < RUNS; run++) {
    const runId = `fault-${run}-${suffix}`;
    // A third of each kind fails its contract: raw orders without an id, training data with negative amounts.
    const rawFails = run % 3 === 1;
    const trainingFails = run % 3 === 2;
    for (const [step, key, body, fails] of [
      ['raw', `pipelines/sales/${runId}/ingestion/raw_orders/orders.csv`, rawBody(run, rawFails), rawFails],
      [
        'training',
        `pipelines/sales/${runId}/preprocessing/training_data/part-0.csv`,
        trainingBody(run, trainingFails),
        trainingFails,
      ],
    ] as const) {
      outputs.push({
        run,
        step,
        key,
        body,
        expected: fails ? 'failed' : 'passed',
        uri: '',
        version: '',
        items: 0,
      });
    }
  }

  s3Proxy.enabled = true;
  dynamoProxy.enabled = true;
  handlerRandom = seededRandom(SEED + 1);
  handlerFaultsOn = true;
  const started = Date.now();
  // Each run's raw orders first, its training data once the raw orders are registered (a step runs
  // after the steps it reads), so every training version has an input to link to.
  const raws = outputs.filter((o) => o.step === 'raw');
  await Promise.all(raws.map(upload));
  await waitFor(
    'the raw orders to be registered',
    async () =>
      (await Promise.all(raws.map(async (o) => (await registryItems(o.uri)).length > 0))).every(Boolean),
    240_000,
  );
  await Promise.all(outputs.filter((o) => o.step === 'training').map(upload));
  await waitFor(
    `${outputs.length} executions to end`,
    () => stack.executions.length >= outputs.length && stack.executions.every((e) => e.status !== 'RUNNING'),
    SOAK ? 1_500_000 : 400_000,
  );
  await stack.idle();
  seconds = (Date.now() - started) / 1000;
  s3Proxy.enabled = false;
  dynamoProxy.enabled = false;
  handlerFaultsOn = false;

  for (const o of outputs) {
    const found = stack.executions.filter((e) => e.input.detail.object.key === o.key);
    o.execution = found[0];
    if (found.length !== 1) throw new Error(`${o.key}: ${found.length} executions, expected 1`);
    const items = await registryItems(o.uri);
    o.items = items.length;
    o.item = items[0];
  }
}, WAIT_MS);

afterAll(async () => {
  s3?.destroy();
  db?.destroy();
  await stack?.stop();
});

type Outcome = 'as the data deserves' | 'processing failure recorded (retries ran out)' | 'other';

function outcomeOf(o: Output): Outcome {
  const end = o.execution?.path.at(-1);
  const status = o.item?.['status'];
  const reason = String(o.item?.['failureReason']);
  if ((end === 'Tested' || end === 'ValidationFailed') && status === o.expected)
    return 'as the data deserves';
  if (end === 'ProcessingFailed' && status === 'error' && RETRIED_ERRORS.has(reason))
    return 'processing failure recorded (retries ran out)';
  return 'other';
}

function describeOutput(o: Output): string {
  const execution = o.execution;
  const why =
    execution?.error === undefined ? '' : ` (${execution.error}: ${String(execution.cause).slice(0, 200)})`;
  return `${o.key} [${o.expected}] → ${execution?.status} at ${execution?.path.join(' → ')}${why}, registry ${o.items} item(s), status ${String(o.item?.['status'])}, reason ${String(o.item?.['failureReason'])}: ${String(o.item?.['failureCause']).slice(0, 300)}`;
}

describe(`the workflow with ${FAULT_RATE * 100}% of dependency calls and handler invocations failing`, () => {
  it('ends every execution, and records each object once with a final status: its data’s, or a retried error’s', () => {
    // Act
    const unexpected = outputs.filter((o) => o.items !== 1 || outcomeOf(o) === 'other').map(describeOutput);

    // Assess
    expect(stack.executions).toHaveLength(outputs.length);
    expect(stack.executions.filter((e) => e.status === 'RUNNING')).toEqual([]);
    expect(unexpected).toEqual([]);
    passedTests++;
  });

  it('keeps the uploaded objects intact and writes each converted copy and lineage edge once', async () => {
    // Prepare: a converted copy is expected for each training version that passed.
    const problems: string[] = [];

    // Act
    for (const o of outputs) {
      const got = await s3.send(new GetObjectCommand({ Bucket: stack.resources.outputsBucket, Key: o.key }));
      if ((await got.Body!.transformToString()) !== o.body) problems.push(`${o.key}: bytes changed`);
      const node = lineageNode(o.uri, o.version);
      const [up, down] = await Promise.all([lineage.upstream(node), lineage.downstream(node)]);
      const conversions = down.filter((e) => e.kind === 'conversion');
      const converted = await s3.send(
        new ListObjectsV2Command({
          Bucket: stack.resources.artifactsBucket,
          Prefix: `converted/${stack.resources.outputsBucket}/${o.key}/`,
        }),
      );
      const copies = converted.Contents?.length ?? 0;
      const tested = outcomeOf(o) === 'as the data deserves';
      const wantsCopy = o.step === 'training' && o.expected === 'passed' && tested;
      if (wantsCopy ? conversions.length !== 1 || copies !== 1 : conversions.length > 1 || copies > 1)
        problems.push(`${o.key}: ${conversions.length} conversion edge(s), ${copies} converted object(s)`);
      for (const e of conversions) {
        const copyItems = await registryItems(e.to.slice(0, e.to.lastIndexOf('#')));
        if (copyItems.length !== 1) problems.push(`${e.to}: ${copyItems.length} registry items`);
      }
      if (o.step === 'training') {
        const raw = outputs.find((r) => r.run === o.run && r.step === 'raw')!;
        const declared = up.filter((e) => e.kind === 'declared-input');
        // Both registered by Register (not only by a failure record): the edge must exist, once.
        const linkable = raw.item?.['pipeline'] !== undefined && o.item?.['pipeline'] !== undefined;
        const want = [lineageNode(raw.uri, raw.version)];
        const have = declared.map((e) => e.from);
        if (linkable ? have.join() !== want.join() : have.length > 1)
          problems.push(
            `${o.key}: declared inputs ${JSON.stringify(have)}, expected ${JSON.stringify(want)}`,
          );
      }
    }

    // Assess
    expect(problems).toEqual([]);
    passedTests++;
  });

  it('raises one alert per failed or errored version and none for a passed one', () => {
    // Prepare
    const alerted = (o: Output) =>
      o.item?.['status'] === 'failed' || o.item?.['status'] === 'error' ? 1 : 0;

    // Act
    const counts = outputs.map((o) => {
      const alerts = stack.alerts.filter((a) => (JSON.parse(a.message) as { uri?: string }).uri === o.uri);
      return `${o.key}: ${alerted(o)} → ${alerts.length}`;
    });

    // Assess
    expect(counts).toEqual(outputs.map((o) => `${o.key}: ${alerted(o)} → ${alerted(o)}`));
    passedTests++;
  });

  it('injected every kind of fault, and the state machine retried', () => {
    // Act
    const proxied = [s3Proxy.stats(), dynamoProxy.stats()];
    const retries = [...invocations.values()].reduce((sum, n) => sum + n - 1, 0);

    // Assess
    for (const kind of FAULT_KINDS)
      expect(proxied[0]!.faults[kind] + proxied[1]!.faults[kind]).toBeGreaterThan(0);
    for (const fault of HANDLER_FAULTS) expect(injected.get(fault)).toBeGreaterThan(0);
    expect(retries).toBeGreaterThan(0);
    passedTests++;
  });

  afterAll(() => {
    if (passedTests < 4) return;
    recordFigures({ id: 'injected-faults', title: 'Injected faults', body: figure() });
  });
});

function faultRows(name: string, stats: FaultStats): unknown[][] {
  return [[name, stats.requests, stats.passed, ...FAULT_KINDS.map((k) => stats.faults[k])]];
}

function figure(): string {
  const s3Stats = s3Proxy.stats();
  const dynamoStats = dynamoProxy.stats();
  const calls = [...invocations.values()];
  const sfRetries = calls.reduce((sum, n) => sum + n - 1, 0);
  const outcomes = new Map<string, number>();
  for (const o of outputs)
    bump(outcomes, `${o.expected} data → ${outcomeOf(o)} (${String(o.item?.['status'])})`);
  const reasons = new Map<string, number>();
  for (const o of outputs.filter((x) => outcomeOf(x).startsWith('processing failure')))
    bump(reasons, String(o.item?.['failureReason']));
  const failing = (s: FaultStats) => s.requests - s.passed - s.faults.slow;
  const operations = [
    ...Object.entries(s3Stats.operations).map(([op, c]) => [`S3 ${op}`, c.requests, c.faults]),
    ...Object.entries(dynamoStats.operations).map(([op, c]) => [`DynamoDB ${op}`, c.requests, c.faults]),
  ].sort((a, b) => Number(b[1]) - Number(a[1]));
  const surfacedTotal = [...surfaced.values()].reduce((a, b) => a + b, 0);
  const surfacedTransient = [...surfaced]
    .filter(([k]) => k.endsWith('TransientDependencyError'))
    .reduce((a, [, n]) => a + n, 0);
  return `${outputs.length} outputs (${RUNS} pipeline runs × raw orders + training data converted to Parquet, a third of each failing its contract) through the embedded stack, with a seeded fault-injecting proxy in front of S3 and DynamoDB failing ${FAULT_RATE * 100}% of calls and ${FAULT_RATE * 100}% of handler invocations throwing a retried error (before running, or after running with the answer lost). ${stack.executions.length} executions in ${seconds.toFixed(1)} s, all ended: ${stack.executions.filter((e) => e.status === 'SUCCEEDED').length} SUCCEEDED, ${stack.executions.filter((e) => e.status === 'FAILED').length} FAILED.

**Outcomes** (every object: one registry entry, a final status)

${markdownTable(['outcome', 'objects'], [...outcomes].sort())}
${reasons.size > 0 ? `\nProcessing failures recorded (status error, alerted), by reason: ${[...reasons].map(([r, n]) => `${r} ×${n}`).join(', ')}.\n` : ''}
**Proxied requests and injected faults**

${markdownTable(['upstream', 'requests', 'passed', ...FAULT_KINDS], [...faultRows('S3', s3Stats), ...faultRows('DynamoDB', dynamoStats)])}

Requests that failed at the proxy (all faults but slow): S3 ${failing(s3Stats)}, DynamoDB ${failing(dynamoStats)}. Each is retried by the SDK unless it was the last attempt; ${surfacedTotal} errors came out of the real handlers (${[...surfaced].map(([k, n]) => `${k} ×${n}`).join(', ') || 'none'}), so, the ${surfacedTransient} TransientDependencyErrors (dependency calls whose SDK retries ran out) aside, the SDKs absorbed about ${failing(s3Stats) + failing(dynamoStats) - surfacedTransient} failed requests by retrying (an estimate: the state machine's own DynamoDB tasks are not counted apart).

**Handler faults and Step Functions retries**

${markdownTable(['injected handler fault', 'count'], [...injected])}

${calls.reduce((a, b) => a + b, 0)} handler invocations for ${calls.length} (execution, function) steps: ${sfRetries} Step Functions retries of Lambda tasks.

<details><summary>Requests per operation (requests / faults)</summary>

${markdownTable(['operation', 'requests', 'faults'], operations)}

</details>`;
}
