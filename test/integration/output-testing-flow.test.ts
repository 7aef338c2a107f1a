/**
 * One arrival carried end to end on the embedded stack: S3 server → event pattern → the deployed
 * ASL definition → the real handlers → DynamoDB and S3 — observed only through real SDK clients.
 */
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineageStore, lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { OutputRegistry, type RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { BufferSink } from '../../lambdas/core/formats/byte-io';
import { createParquetWriter } from '../../lambdas/core/formats/parquet-writer';
import type { TypedRow } from '../../lambdas/core/formats/table-io';
import { startHarness, type Harness } from './embedded-stack-harness';

const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';
const RAW_HEADER = 'order_id,customer_id,amount,ordered_at';

let h: Harness;
let registry: OutputRegistry;
let lineage: LineageStore;

async function entryFor(key: string): Promise<RegistryEntry | undefined> {
  const [entry] = await registry.versionsOf(`s3://${h.stack.resources.outputsBucket}/${key}`);
  return entry;
}

function executionFor(key: string) {
  return h.stack.executions.filter((e) => e.input.detail.object.key === key);
}

beforeAll(async () => {
  h = await startHarness();
  registry = new OutputRegistry(h.db, h.stack.resources.registryTable);
  lineage = new LineageStore(h.db, h.stack.resources.registryTable);
});

afterAll(async () => {
  await h.close();
});

describe('an output that meets its contract', () => {
  const rawKey = 'pipelines/sales/run-10/ingestion/raw_orders/orders.csv';
  const key = 'pipelines/sales/run-10/preprocessing/training_data/part-00000.csv';

  it('ends PASSED with a registry entry, a report, a converted copy and lineage edges', async () => {
    // Prepare: the upstream step's output lands first, as in a pipeline run.
    await h.upload(rawKey, `${RAW_HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`);
    await h.stack.idle();

    // Act
    await h.upload(key, `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\no-2,2,,2026-11-01T01:00:00Z\n`);
    await h.stack.idle();

    // Assess: the execution and the registry entry.
    const [execution] = executionFor(key);
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
    const entry = await entryFor(key);
    expect(entry).toMatchObject({
      status: 'passed',
      pipeline: 'sales',
      step: 'preprocessing',
      output: 'training_data',
      runId: 'run-10',
      dataType: 'pipeline',
      rowCount: 2,
    });

    // Assess: the report is where the registry says.
    const reportKey = entry!.reportUri!.replace(`s3://${h.stack.resources.artifactsBucket}/`, '');
    const report = JSON.parse(
      await (
        await h.s3.send(new GetObjectCommand({ Bucket: h.stack.resources.artifactsBucket, Key: reportKey }))
      ).Body!.transformToString(),
    ) as { status: string; rowCount: number; quarantineUri: string | null };
    expect(report).toMatchObject({ status: 'passed', rowCount: 2, quarantineUri: null });

    // Assess: lineage links the raw_orders version of the same run and the converted copy.
    const node = lineageNode(entry!.uri, entry!.sk.slice(4));
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
    const converted = await registry.latest('sales', 'preprocessing', 'training_data@parquet');
    expect(converted).toMatchObject({ dataType: 'converted', format: 'parquet', status: 'passed' });
    const parquet = await h.s3.send(new GetObjectCommand({ Bucket: converted!.bucket, Key: converted!.key }));
    const bytes = await parquet.Body!.transformToByteArray();
    expect(Buffer.from(bytes.subarray(0, 4)).toString()).toBe('PAR1');
  });
});

describe('an output that breaks its contract', () => {
  const key = 'pipelines/sales/run-11/preprocessing/training_data/part-00000.csv';

  it('ends FAILED with the failure recorded, the failing rows quarantined and an alert published', async () => {
    // Prepare
    const alertsBefore = h.stack.alerts.length;

    // Act
    await h.upload(
      key,
      `${HEADER}\no-1,,10.5,2026-11-01T00:00:00Z\no-2,2,-4,2026-11-01T01:00:00Z\no-3,3,7,2026-11-01T02:00:00Z\n`,
    );
    await h.stack.idle();

    // Assess
    const [execution] = executionFor(key);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('ValidationFailed');
    expect(execution?.path).toEqual(
      expect.arrayContaining(['RecordValidationFailure', 'AlertValidationFailure']),
    );
    const entry = await entryFor(key);
    expect(entry?.status).toBe('failed');
    expect([...(entry?.failedRules ?? [])].sort()).toEqual([
      'amount_positive',
      'customer_id_present',
      'schema_compatibility',
    ]);
    expect(entry?.failureReason).toContain('customer_id_present');
    const alerts = h.stack.alerts.slice(alertsBefore);
    expect(alerts).toHaveLength(1);
    expect(JSON.parse(alerts[0]!.message)).toMatchObject({ kind: 'validation-failed', uri: entry!.uri });

    const report = JSON.parse(
      await (
        await h.s3.send(
          new GetObjectCommand({
            Bucket: h.stack.resources.artifactsBucket,
            Key: entry!.reportUri!.split('/').slice(3).join('/'),
          }),
        )
      ).Body!.transformToString(),
    ) as { quarantineUri: string };
    const quarantine = await (
      await h.s3.send(
        new GetObjectCommand({
          Bucket: h.stack.resources.artifactsBucket,
          Key: report.quarantineUri.split('/').slice(3).join('/'),
        }),
      )
    ).Body!.transformToString();
    const rows = quarantine
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: number; broke: string[] });
    expect(rows.map((r) => r.row)).toEqual([1, 2]);
    expect(rows[1]!.broke).toEqual(['amount_positive']);
  });
});

describe('objects the rule or the machine should not test', () => {
  it('starts nothing for an object outside the watched prefixes', async () => {
    // Prepare
    const before = h.stack.executions.length;

    // Act
    await h.upload('scratch/notes.csv', 'a,b\n1,2\n');
    await h.stack.idle();

    // Assess
    expect(h.stack.executions.length).toBe(before);
    expect(h.stack.ignoredEvents.map((e) => e.detail.object.key)).toContain('scratch/notes.csv');
    expect(await entryFor('scratch/notes.csv')).toBeUndefined();
  });

  it('drops temporary files and markers before any Lambda runs', async () => {
    // Act
    await h.upload('pipelines/sales/run-12/preprocessing/training_data/_temporary/0/part-0.csv', 'x\n');
    await h.upload('pipelines/sales/run-12/preprocessing/training_data_$folder$', '');
    await h.stack.idle();

    // Assess
    for (const key of [
      'pipelines/sales/run-12/preprocessing/training_data/_temporary/0/part-0.csv',
      'pipelines/sales/run-12/preprocessing/training_data_$folder$',
    ]) {
      const [execution] = executionFor(key);
      expect(execution?.path).toEqual(['FilterNoise', 'IgnoredNoise']);
      expect(await entryFor(key)).toBeUndefined();
    }
  });

  it('records a key no contract claims as untracked', async () => {
    // Act
    const key = 'pipelines/marketing/run-1/clicks.csv';
    await h.upload(key, 'a\n1\n');
    await h.stack.idle();

    // Assess
    expect(executionFor(key)[0]?.path.at(-1)).toBe('Untracked');
    expect(await entryFor(key)).toMatchObject({ status: 'untracked', note: 'no contract claims this key' });
  });
});

describe('failures inside a step', () => {
  it('records a typed error and alerts when the object cannot be read', async () => {
    // Prepare: bytes that are not UTF-8 text, under a CSV contract.
    const key = 'pipelines/sales/run-13/preprocessing/training_data/part-00000.csv';

    // Act
    await h.upload(
      key,
      Buffer.from([0x6f, 0x72, 0x64, 0x65, 0x72, 0x2c, 0x61, 0x0a, 0xff, 0xfe, 0x2c, 0x0a]),
    );
    await h.stack.idle();

    // Assess
    const [execution] = executionFor(key);
    expect(execution?.status).toBe('FAILED');
    expect(execution?.error).toBe('ProcessingFailed');
    expect(execution?.path).toEqual(expect.arrayContaining(['RecordError', 'AlertError']));
    const entry = await entryFor(key);
    expect(entry).toMatchObject({ status: 'failed', failureReason: 'FormatError' });
    expect(entry?.failureCause).toContain('not valid UTF-8');
  });
});

describe('duplicate deliveries', () => {
  it('keep one registry entry and one report when the same event arrives again', async () => {
    // Prepare
    const key = 'pipelines/sales/run-14/preprocessing/training_data/part-00000.csv';
    await h.upload(key, `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`);
    await h.stack.idle();
    const [first] = executionFor(key);

    // Act: EventBridge delivers at least once; deliver the very same event twice more.
    await Promise.all([h.stack.deliver(first!.input), h.stack.deliver(first!.input)]);
    await h.stack.idle();

    // Assess
    const runs = executionFor(key);
    expect(runs).toHaveLength(3);
    expect(runs.slice(1).map((e) => e.path.at(-1))).toEqual(['AlreadyRegistered', 'AlreadyRegistered']);
    const items = await h.db.send(
      new QueryCommand({
        TableName: h.stack.resources.registryTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': `OBJ#s3://${h.stack.resources.outputsBucket}/${key}` },
      }),
    );
    expect(items.Items).toHaveLength(1);
    expect(items.Items?.[0]?.['status']).toBe('passed');
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
    await h.upload('pipelines/sales/run-20/features/order_features/part-0.parquet', good);
    await h.upload('pipelines/sales/run-21/features/order_features/part-0.parquet', bad);
    await h.stack.idle();

    // Assess
    expect(await entryFor('pipelines/sales/run-20/features/order_features/part-0.parquet')).toMatchObject({ status: 'passed', rowCount: 2 });
    const failed = await entryFor('pipelines/sales/run-21/features/order_features/part-0.parquet');
    expect(failed?.status).toBe('failed');
    expect([...(failed?.failedRules ?? [])].sort()).toEqual([
      'basket_positive',
      'channel.allowed',
      'customer_id.range',
      'items.range',
      'order_id.unique',
    ]);
  });

  it('fails a CSV whose contract expects Parquet, naming both formats', async () => {
    // Act
    const key = 'pipelines/sales/run-22/features/order_features/part-0.parquet';
    await h.upload(key, 'order_id,customer_id\no-1,1\n');
    await h.stack.idle();

    // Assess
    const entry = await entryFor(key);
    expect(entry?.status).toBe('failed');
    expect(entry?.failureReason).toContain('expected parquet, found csv');
  });
});
