/**
 * Arrivals carried end to end: S3 → the arrival rule → the output-testing state machine → the
 * handlers → DynamoDB and S3, observed only through real SDK clients and the Step Functions view
 * of each execution. Runs against the embedded stack by default and against any deployed stack
 * with PRT_TEST_TARGET=stack (see embedded-stack-harness.ts); run ids are unique per run, so a
 * long-lived stack can run the suite again.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BufferSink } from '../../lambdas/core/formats/byte-io';
import { createParquetWriter } from '../../lambdas/core/formats/parquet-writer';
import type { TypedRow } from '../../lambdas/core/formats/table-io';
import { type LineageStore, lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import type { RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { skipWithout, startHarness, type Harness } from './embedded-stack-harness';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
const RAW_HEADER = 'order_id,customer_id,amount,ordered_at';

let h: Harness;
let lineage: LineageStore;

/** A key of the training_data output of one (unique) run. */
function trainingDataKey(run: string, file = 'part-00000.csv'): string {
  return `pipelines/sales/${h.runId(run)}/preprocessing/training_data/${file}`;
}

/** The key inside the artifacts bucket of an s3:// URI the registry or a report holds. */
function artifactKey(uri: string): string {
  return uri.replace(`s3://${h.resources.artifactsBucket}/`, '');
}

async function readArtifact(uri: string): Promise<string> {
  const object = await h.s3.send(
    new GetObjectCommand({ Bucket: h.resources.artifactsBucket, Key: artifactKey(uri) }),
  );
  return object.Body!.transformToString();
}

beforeAll(async () => {
  h = await startHarness();
  lineage = new DynamoLineageStore(h.db, h.resources.registryTable);
});

afterAll(async () => {
  await h.close();
});

describe('an output that meets its contract', () => {
  it('ends PASSED with a registry entry, a report, a converted copy and lineage edges', async () => {
    // Prepare: the upstream step's output lands first, as in a pipeline run.
    const run = h.runId('run-10');
    const rawKey = `pipelines/sales/${run}/ingestion/raw_orders/orders.csv`;
    const key = trainingDataKey('run-10');
    await h.upload(rawKey, `${RAW_HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`);
    await h.waitForStatus(rawKey);

    // Act
    await h.upload(key, `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,,2026-11-01T01:00:00Z\n`);
    const entry = await h.waitForStatus(key);

    // Assess: the execution and the registry entry.
    const [execution] = await h.executionsFor(key);
    expect(execution?.status).toBe('SUCCEEDED');
    expect(execution?.path).toEqual(
      expect.arrayContaining([
        'Register',
        'Inspect',
        'Validate',
        'Convert',
        'Lineage',
        'RecordResult',
        'Tested',
      ]),
    );
    expect(entry).toMatchObject({
      status: 'passed',
      pipeline: 'sales',
      step: 'preprocessing',
      output: 'training_data',
      runId: run,
      dataType: 'pipeline',
      rowCount: 2,
    });

    // Assess: the report is where the registry says.
    const report = JSON.parse(await readArtifact(entry.reportUri!)) as {
      status: string;
      rowCount: number;
      quarantineUri: string | null;
    };
    expect(report).toMatchObject({ status: 'passed', rowCount: 2, quarantineUri: null });

    // Assess: lineage links the raw_orders version of the same run and the converted copy.
    const node = lineageNode(entry.uri, entry.sk.slice(4));
    const upstream = await lineage.upstream(node);
    expect(upstream).toHaveLength(1);
    expect(upstream[0]).toMatchObject({
      kind: 'declared-input',
      fromOutput: 'sales/ingestion/raw_orders',
      toOutput: 'sales/preprocessing/training_data',
    });
    const downstream = await lineage.downstream(node);
    expect(downstream).toHaveLength(1);
    expect(downstream[0]).toMatchObject({
      kind: 'conversion',
      toOutput: 'sales/preprocessing/training_data@parquet',
    });
    const converted = await h.registry.latest('sales', 'preprocessing', 'training_data@parquet', run);
    expect(converted).toMatchObject({
      dataType: 'converted',
      format: 'parquet',
      status: 'passed',
      runId: run,
    });
    const parquet = await h.s3.send(new GetObjectCommand({ Bucket: converted!.bucket, Key: converted!.key }));
    const bytes = await parquet.Body!.transformToByteArray();
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
  });
});

describe('an output that breaks its contract', () => {
  let failed: RegistryEntry;

  it('ends FAILED with the failure recorded and the failing rows quarantined', async () => {
    // Act
    const key = trainingDataKey('run-11');
    await h.upload(
      key,
      `${HEADER}\no-1,,10.5,2026-11-01T00:00:00Z\no-2,2,-4,2026-11-01T01:00:00Z\no-3,3,7,2026-11-01T02:00:00Z\n`,
    );
    failed = await h.waitForStatus(key);

    // Assess
    const [execution] = await h.executionsFor(key);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('ValidationFailed');
    expect(execution?.path).toEqual(
      expect.arrayContaining(['RecordValidationFailure', 'AlertValidationFailure']),
    );
    expect(failed.status).toBe('failed');
    // The nulls also break the step that reads this output (its contract needs customer_id).
    expect([...(failed.failedRules ?? [])].sort()).toEqual([
      'amount_positive',
      'consumer:sales/features/order_features=convertible',
      'customer_id_present',
      'schema_compatibility',
    ]);
    expect(failed.failureReason).toContain('customer_id_present');

    const report = JSON.parse(await readArtifact(failed.reportUri!)) as { quarantineUri: string };
    const rows = (await readArtifact(report.quarantineUri))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: number; broke: string[] });
    expect(rows.map((r) => r.row)).toEqual([1, 2]);
    expect(rows[1]!.broke).toEqual(['amount_positive']);
  });

  it('publishes one alert naming the output and the failed validation', async (ctx) => {
    // Prepare
    expect(failed).toBeDefined();
    skipWithout(h, ctx, 'alerts');

    // Act
    const alerts = await h.alertsFor(failed.uri);

    // Assess
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.message).toMatchObject({ kind: 'validation-failed', uri: failed.uri });
  });
});

describe('objects the rule or the machine should not test', () => {
  it('starts nothing for an object outside the watched prefixes', async () => {
    // Act
    const key = `scratch/${h.runId('notes')}.csv`;
    const uploaded = await h.upload(key, 'a,b\n1,2\n');
    await h.settle();

    // Assess
    expect(await h.executionsFor(key)).toEqual([]);
    expect(await h.registry.find(uploaded.uri)).toBeUndefined();
  });

  it('drops temporary files and markers before any Lambda runs', async () => {
    // Act
    const prefix = `pipelines/sales/${h.runId('run-12')}/preprocessing`;
    const keys = [`${prefix}/training_data/_temporary/0/part-0.csv`, `${prefix}/training_data_$folder$`];
    for (const key of keys) await h.upload(key, key.endsWith('$') ? '' : 'x\n');

    // Assess
    for (const key of keys) {
      const [execution] = await h.waitForExecutions(key);
      expect(execution?.path).toEqual(['FilterNoise', 'IgnoredNoise']);
      expect(await h.registry.find(`s3://${h.resources.outputsBucket}/${key}`)).toBeUndefined();
    }
  });

  it('records a key no contract claims as untracked', async () => {
    // Act
    const key = `pipelines/marketing/${h.runId('run-1')}/clicks.csv`;
    await h.upload(key, 'a\n1\n');
    const entry = await h.waitForStatus(key);

    // Assess
    const [execution] = await h.executionsFor(key);
    expect(execution?.path.at(-1)).toBe('Untracked');
    expect(entry).toMatchObject({ status: 'untracked', note: 'no contract claims this key' });
  });
});

describe('failures inside a step', () => {
  it('records a typed error and alerts when the object cannot be read', async () => {
    // Prepare: bytes that are not UTF-8 text, under a CSV contract.
    const key = trainingDataKey('run-13');

    // Act
    await h.upload(
      key,
      Buffer.from([0x6f, 0x72, 0x64, 0x65, 0x72, 0x2c, 0x61, 0x0a, 0xff, 0xfe, 0x2c, 0x0a]),
    );
    const entry = await h.waitForStatus(key);

    // Assess
    const [execution] = await h.executionsFor(key);
    expect(execution?.status).toBe('FAILED');
    // Unreadable as its format: the data broke its contract (failed), recorded and alerted as such.
    expect(execution?.error).toBe('ObjectUnreadable');
    expect(execution?.path).toEqual(expect.arrayContaining(['DataUnreadable', 'RecordError', 'AlertError']));
    expect(entry).toMatchObject({ status: 'failed', failureReason: 'FormatError' });
    expect(entry.failureCause).toContain('not valid UTF-8');
  });
});

describe('duplicate deliveries', () => {
  it('keep one registry entry and one report when the same event arrives again', async () => {
    // Prepare
    const key = trainingDataKey('run-14');
    const uploaded = await h.upload(key, `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`);
    await h.waitForStatus(key);
    const [first] = await h.executionsFor(key);

    // Act: EventBridge delivers at least once; deliver the very same event twice more.
    await Promise.all([h.redeliver(first!.input), h.redeliver(first!.input)]);
    const runs = await h.waitForExecutions(key, 3);

    // Assess
    expect(runs).toHaveLength(3);
    expect(runs.slice(1).map((e) => e.path.at(-1))).toEqual(['AlreadyRegistered', 'AlreadyRegistered']);
    const items = await h.db.send(
      new QueryCommand({
        TableName: h.resources.registryTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `OBJ#${uploaded.uri}` },
      }),
    );
    expect(items.Items).toHaveLength(1);
    expect(items.Items?.[0]?.['status']).toBe('passed');
  });
});

describe('object versions', () => {
  it('registers each version of an overwritten key under its S3 version id', async (ctx) => {
    // Prepare
    const key = trainingDataKey('run-15');
    const first = await h.upload(key, `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`);
    // Without versioning the object has no version id, so the case cannot be checked here.
    expect(first.versionId === undefined).toBe(!h.capabilities.objectVersions);
    skipWithout(h, ctx, 'objectVersions');
    const firstEntry = await h.waitForStatus(key);

    // Act: a re-run overwrites the key.
    const second = await h.upload(
      key,
      `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,3.5,2026-11-01T00:00:00Z\n`,
    );
    const secondEntry = await h.waitForStatus(key);

    // Assess
    expect([firstEntry.sk, secondEntry.sk]).toEqual([`VER#${first.versionId}`, `VER#${second.versionId}`]);
    expect([firstEntry.rowCount, secondEntry.rowCount]).toEqual([1, 2]);
    expect((await h.registry.versionsOf(first.uri)).map((v) => v.versionId).sort()).toEqual(
      [first.versionId, second.versionId].sort(),
    );
  });
});

describe('outputs in other formats', () => {
  const schema = [
    { name: 'order_id', type: 'string', nullable: false },
    { name: 'customer_id', type: 'int64', nullable: false },
    { name: 'basket_value', type: 'decimal', nullable: false, precision: 12, scale: 2 },
    { name: 'items', type: 'int32', nullable: false },
    { name: 'channel', type: 'string', nullable: true },
    { name: 'ordered_at', type: 'timestamp', nullable: false, unit: 'us' },
  ] as const;

  async function parquetOf(rows: TypedRow[]): Promise<Uint8Array> {
    const sink = new BufferSink();
    const writer = createParquetWriter(sink, { schema });
    await writer.write(rows);
    await writer.close();
    return sink.bytes();
  }

  const featuresKey = (run: string) =>
    `pipelines/sales/${h.runId(run)}/features/order_features/part-0.parquet`;

  it('validates a Parquet output against its contract, including column constraints', async () => {
    // Prepare
    const good = await parquetOf([
      ['o-1', 17, 12050n, 3, 'web', 1_793_000_000_000_000n],
      ['o-2', 42, 999n, 1, null, 1_793_000_000_000_001n],
    ]);
    const bad = await parquetOf([
      ['o-1', 17, 12050n, 3, 'fax', 1_793_000_000_000_000n],
      ['o-1', 20000, 0n, 0, 'web', 1_793_000_000_000_000n],
    ]);

    // Act
    await h.upload(featuresKey('run-20'), good);
    await h.upload(featuresKey('run-21'), bad);
    const passed = await h.waitForStatus(featuresKey('run-20'));
    const failed = await h.waitForStatus(featuresKey('run-21'));

    // Assess
    expect(passed).toMatchObject({ status: 'passed', rowCount: 2 });
    expect(failed.status).toBe('failed');
    expect([...(failed.failedRules ?? [])].sort()).toEqual([
      'basket_positive',
      'channel.allowed',
      'customer_id.range',
      'items.range',
      'order_id.unique',
    ]);
  });

  it('fails a CSV whose contract expects Parquet, naming both formats', async () => {
    // Act
    const key = featuresKey('run-22');
    await h.upload(key, 'order_id,customer_id\no-1,1\n');
    const entry = await h.waitForStatus(key);

    // Assess
    expect(entry.status).toBe('failed');
    expect(entry.failureReason).toContain('expected parquet, found csv');
  });
});
