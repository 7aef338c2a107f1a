import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TransientDependencyError } from '../../../../lambdas/core/errors';
import {
  objectPk,
  outputIndexKey,
  pipelinePk,
  runIndexKey,
  runSortKey,
  versionSk,
  versionTokenOf,
  type RegistryEntry,
} from '../../../../lambdas/core/registry/output-registry';
import { DynamoOutputRegistry } from '../../../../lambdas/adapters/aws/dynamo-output-registry';
import {
  ConcurrentUpdateError,
  InvalidCursorError,
  NotRegisteredError,
  StatusTransitionError,
} from '../../../../lambdas/core/registry/registry-errors';

const ddbMock = mockClient(DynamoDBDocumentClient);
const TABLE = 'prt-registry';
const URI = 's3://landing-bucket/pipelines/sales/r1/preprocessing/training_data/part-0.csv';

function entry(overrides: Partial<RegistryEntry> = {}): RegistryEntry {
  return {
    pk: objectPk(URI),
    sk: versionSk('v1', 'etag1'),
    uri: URI,
    bucket: 'landing-bucket',
    key: 'pipelines/sales/r1/preprocessing/training_data/part-0.csv',
    versionId: 'v1',
    etag: 'etag1',
    size: 42,
    status: 'pending',
    dataType: 'pipeline',
    registeredAt: '2024-06-01T10:20:31.000Z',
    eventTime: '2024-06-01T10:20:30Z',
    pipeline: 'sales',
    step: 'preprocessing',
    output: 'training_data',
    runId: 'r1',
    gsi1pk: outputIndexKey('sales', 'preprocessing', 'training_data'),
    gsi1sk: `2024-06-01T10:20:31.000Z#${URI}#VER#v1`,
    gsi2pk: runIndexKey('sales', 'r1'),
    gsi2sk: `preprocessing#training_data#${URI}#VER#v1`,
    ...overrides,
  };
}

const conditionFailed = () =>
  new ConditionalCheckFailedException({
    message: 'The conditional request failed',
    $metadata: { httpStatusCode: 400 },
  });
const throttled = () =>
  new ProvisionedThroughputExceededException({
    message: 'Rate exceeded',
    $metadata: { httpStatusCode: 400 },
  });

describe('registry keys', () => {
  it('builds the keys of the registry table layout', () => {
    // Prepare
    const uri = 's3://b/k.csv';

    // Act
    const keys = [
      objectPk(uri),
      versionSk('v1', 'e'),
      versionSk(null, 'e'),
      outputIndexKey('p', 's', 'o'),
      runIndexKey('p', 'r'),
    ];

    // Assess
    expect(keys).toEqual(['OBJ#s3://b/k.csv', 'VER#v1', 'VER#etag:e', 'OUT#p#s#o', 'RUN#p#r']);
  });
});

describe('DynamoOutputRegistry', () => {
  let registry: DynamoOutputRegistry;

  beforeEach(() => {
    ddbMock.reset();
    registry = new DynamoOutputRegistry(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
      TABLE,
    );
  });

  afterEach(() => {
    ddbMock.reset();
  });

  describe('register', () => {
    it('writes the entry with a conditional put and reports it created', async () => {
      // Prepare
      ddbMock.on(PutCommand).resolves({});
      const item = entry();

      // Act
      const result = await registry.register(item);

      // Assess: the entry goes out with a writer token of its own call.
      const written = { ...item, registeredBy: expect.stringMatching(/^[0-9a-f-]{36}$/) as unknown };
      expect(result).toEqual({ created: true, entry: written });
      expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
        TableName: TABLE,
        Item: written,
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    });

    it('keeps the writer the caller names (the registering execution)', async () => {
      // Prepare
      ddbMock.on(PutCommand).resolves({});
      const item = entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:e1' });

      // Act
      const result = await registry.register(item);

      // Assess
      expect(result).toEqual({ created: true, entry: item });
      expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item).toEqual(item);
    });

    it('reports created when the entry it finds is its own write, retried after the answer was lost', async () => {
      // Prepare: the put succeeded, the connection dropped before the answer, and the SDK's retry of
      // the same request finds the item the first attempt wrote.
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock
        .on(GetCommand)
        .callsFake(() => ({ Item: ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item }));

      // Act
      const result = await registry.register(entry());

      // Assess
      expect(result.created).toBe(true);
      expect(result.entry).toEqual(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item);
    });

    it('reports a duplicate when the entry it finds was written by another delivery', async () => {
      // Prepare
      const other = entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:first' });
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: other });

      // Act
      const result = await registry.register(
        entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:second' }),
      );

      // Assess
      expect(result).toEqual({ created: false, entry: other });
    });

    it('re-opens a version whose test ended in error for the new execution, keeping the error', async () => {
      // Prepare
      const errored = entry({
        status: 'error',
        registeredBy: 'arn:aws:states:us-east-1:1:execution:m:first',
        failureReason: 'TimeoutError',
        failureCause: 'Task timed out',
      });
      const reopened = {
        ...errored,
        status: 'pending',
        registeredBy: 'arn:aws:states:us-east-1:1:execution:m:retest',
      };
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: errored });
      ddbMock.on(UpdateCommand).resolves({ Attributes: reopened });

      // Act
      const result = await registry.register(
        entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:retest' }),
      );

      // Assess
      expect(result).toEqual({ created: true, entry: reopened });
      const update = ddbMock.commandCalls(UpdateCommand).at(-1)!.args[0].input;
      expect(update.ConditionExpression).toBe('#status = :error AND registeredBy = :was');
      expect(update.ExpressionAttributeValues).toMatchObject({
        ':pending': 'pending',
        ':by': 'arn:aws:states:us-east-1:1:execution:m:retest',
        ':was': 'arn:aws:states:us-east-1:1:execution:m:first',
        ':previous': 'TimeoutError: Task timed out',
      });
    });

    it('ends as a duplicate when another execution re-opened the errored version first', async () => {
      // Prepare
      const errored = entry({
        status: 'error',
        registeredBy: 'arn:aws:states:us-east-1:1:execution:m:first',
      });
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: errored });
      ddbMock.on(UpdateCommand, { Key: { pk: errored.pk, sk: errored.sk } }).rejects(conditionFailed());

      // Act
      const result = await registry.register(
        entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:late' }),
      );

      // Assess
      expect(result.created).toBe(false);
    });

    it('never re-opens a version with a verdict (failed stays failed)', async () => {
      // Prepare
      const failed = entry({
        status: 'failed',
        registeredBy: 'arn:aws:states:us-east-1:1:execution:m:first',
      });
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: failed });

      // Act
      const result = await registry.register(
        entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:second' }),
      );

      // Assess
      expect(result).toEqual({ created: false, entry: failed });
      expect(
        ddbMock.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.['sk'] === failed.sk),
      ).toEqual([]);
    });

    it('takes over the entry prt generate registered, and tests it: still synthetic, with its note', async () => {
      // Prepare: the generator registered the object first.
      const generated = entry({
        dataType: 'synthetic',
        registeredBy: 'generated:7c1e',
        note: 'synthetic data for sales/preprocessing/training_data: 500 rows, seed 3',
      });
      const arrival = entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:arrival' });
      ddbMock.on(PutCommand, { ConditionExpression: 'attribute_not_exists(pk)' }).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: generated });
      ddbMock
        .on(PutCommand, {
          ConditionExpression: '#status = :pending AND dataType = :synthetic AND registeredBy = :was',
        })
        .resolves({});
      ddbMock.on(UpdateCommand).resolves({});

      // Act
      const result = await registry.register(arrival);

      // Assess
      expect(result).toEqual({
        created: true,
        entry: { ...arrival, dataType: 'synthetic', note: generated.note },
      });
      const claim = ddbMock.commandCalls(PutCommand).at(-1)!.args[0].input;
      expect(claim.ExpressionAttributeValues).toEqual({
        ':pending': 'pending',
        ':synthetic': 'synthetic',
        ':was': 'generated:7c1e',
      });
    });

    it('ends as a duplicate when another delivery took over the generated entry first', async () => {
      // Prepare
      const generated = entry({ dataType: 'synthetic', registeredBy: 'generated:7c1e' });
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: generated });
      ddbMock.on(UpdateCommand).resolves({});

      // Act
      const result = await registry.register(
        entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:late' }),
      );

      // Assess
      expect(result).toEqual({ created: false, entry: generated });
    });

    it('never takes over a synthetic entry an execution already holds', async () => {
      // Prepare: the entry was taken over by a first delivery (its writer is that execution).
      const held = entry({
        dataType: 'synthetic',
        registeredBy: 'arn:aws:states:us-east-1:1:execution:m:arrival',
      });
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: held });
      ddbMock.on(UpdateCommand).resolves({});

      // Act
      const result = await registry.register(
        entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:duplicate' }),
      );

      // Assess
      expect(result).toEqual({ created: false, entry: held });
      expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
    });

    it('marks the entry synthetic when the arrival registered the generated object first', async () => {
      // Prepare
      const arrived = entry({ registeredBy: 'arn:aws:states:us-east-1:1:execution:m:arrival' });
      const note = 'synthetic data for sales/preprocessing/training_data: 500 rows, seed 3';
      const marked = { ...arrived, dataType: 'synthetic', note };
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: arrived });
      ddbMock.on(UpdateCommand, { Key: { pk: arrived.pk, sk: arrived.sk } }).resolves({ Attributes: marked });

      // Act
      const result = await registry.register(
        entry({ dataType: 'synthetic', registeredBy: 'generated:7c1e', note }),
      );

      // Assess: the arrival's execution keeps the test; the entry says what the data is.
      expect(result).toEqual({ created: false, entry: marked });
      const update = ddbMock.commandCalls(UpdateCommand).at(-1)!.args[0].input;
      expect(update.ConditionExpression).toBe('dataType = :pipeline');
      expect(update.UpdateExpression).toBe('SET dataType = :synthetic, note = :note');
    });

    it('notes the logical output under its pipeline with an idempotent upsert, before the entry', async () => {
      // Prepare
      ddbMock.on(PutCommand).resolves({});
      ddbMock.on(UpdateCommand).resolves({});

      // Act
      await registry.register(entry());

      // Assess
      const update = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(update).toMatchObject({
        TableName: TABLE,
        Key: { pk: 'PIPE#sales', sk: 'OUT#preprocessing#training_data' },
        UpdateExpression:
          'SET #pipeline = :pipeline, #step = :step, #output = :output, dataType = if_not_exists(dataType, :dataType), firstRegisteredAt = if_not_exists(firstRegisteredAt, :at)',
        ExpressionAttributeValues: {
          ':pipeline': 'sales',
          ':step': 'preprocessing',
          ':output': 'training_data',
          ':dataType': 'pipeline',
        },
      });
      expect(ddbMock.calls().map((c) => c.args[0].constructor.name)).toEqual(['UpdateCommand', 'PutCommand']);
    });

    it('notes nothing for an untracked entry', async () => {
      // Prepare
      ddbMock.on(PutCommand).resolves({});
      const { pipeline: _p, step: _s, output: _o, ...untracked } = entry({ status: 'untracked' });

      // Act
      await registry.register(untracked);

      // Assess
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it('returns the existing entry with created false when the version is already registered', async () => {
      // Prepare
      const existing = entry({ status: 'passed', registeredAt: '2024-06-01T09:00:00.000Z' });
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({ Item: existing });

      // Act
      const result = await registry.register(entry());

      // Assess
      expect(result).toEqual({ created: false, entry: existing });
      expect(ddbMock.commandCalls(GetCommand)[0]?.args[0].input).toEqual({
        TableName: TABLE,
        Key: { pk: objectPk(URI), sk: 'VER#v1' },
        ConsistentRead: true,
      });
    });

    it('falls back to the entry it tried to write when the existing one cannot be read back', async () => {
      // Prepare
      const item = entry();
      ddbMock.on(PutCommand).rejects(conditionFailed());
      ddbMock.on(GetCommand).resolves({});

      // Act
      const result = await registry.register(item);

      // Assess
      expect(result).toEqual({ created: false, entry: item });
    });

    it('maps throttling to TransientDependencyError naming the object', async () => {
      // Prepare
      ddbMock.on(PutCommand).rejects(throttled());

      // Act
      const act = registry.register(entry());

      // Assess
      await expect(act).rejects.toBeInstanceOf(TransientDependencyError);
      await expect(act).rejects.toThrow(
        `register ${URI}: DynamoDB answered ProvisionedThroughputExceededException (HTTP 400); retry later`,
      );
    });

    it.each([
      ['ThrottlingException', 400],
      ['RequestLimitExceeded', 400],
      ['InternalServerError', 500],
      ['ServiceUnavailable', 503],
    ])('maps %s (HTTP %d) to TransientDependencyError', async (name, httpStatusCode) => {
      // Prepare
      ddbMock.on(PutCommand).rejects(
        new DynamoDBServiceException({
          name,
          $fault: httpStatusCode >= 500 ? 'server' : 'client',
          $metadata: { httpStatusCode },
        }),
      );

      // Act
      const act = registry.register(entry());

      // Assess
      await expect(act).rejects.toBeInstanceOf(TransientDependencyError);
    });

    it('maps an unreachable endpoint to TransientDependencyError', async () => {
      // Prepare
      ddbMock
        .on(PutCommand)
        .rejects(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED' }));

      // Act
      const act = registry.register(entry());

      // Assess
      await expect(act).rejects.toThrow(TransientDependencyError);
    });

    it('rethrows other DynamoDB errors as they are', async () => {
      // Prepare
      const missingTable = new ResourceNotFoundException({
        message: 'Requested resource not found',
        $metadata: { httpStatusCode: 400 },
      });
      ddbMock.on(PutCommand).rejects(missingTable);

      // Act
      const act = registry.register(entry());

      // Assess
      await expect(act).rejects.toBe(missingTable);
    });
  });

  describe('get', () => {
    it('reads the item consistently by its key', async () => {
      // Prepare
      const item = entry();
      ddbMock.on(GetCommand, { Key: { pk: item.pk, sk: item.sk } }).resolves({ Item: item });

      // Act
      const found = await registry.get(item.pk, item.sk);

      // Assess
      expect(found).toEqual(item);
    });

    it('returns undefined for a missing item', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({});

      // Act
      const found = await registry.get('OBJ#s3://b/none', 'VER#x');

      // Assess
      expect(found).toBeUndefined();
    });

    it('maps throttling to TransientDependencyError', async () => {
      // Prepare
      ddbMock.on(GetCommand).rejects(throttled());

      // Act
      const act = registry.get('OBJ#s3://b/k', 'VER#x');

      // Assess
      await expect(act).rejects.toThrow(TransientDependencyError);
    });
  });

  describe('latest', () => {
    it('queries the run index (gsi2) when a run id is given and returns the newest version of that run', async () => {
      // Prepare
      const older = entry({ registeredAt: '2024-06-01T10:00:00.000Z', sk: 'VER#v1' });
      const newer = entry({ registeredAt: '2024-06-01T11:00:00.000Z', sk: 'VER#v2' });
      ddbMock.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [older, newer] });

      // Act
      const found = await registry.latest('sales', 'ingestion', 'raw_orders', 'r1');

      // Assess
      expect(found).toEqual(newer);
      const calls = ddbMock.commandCalls(QueryCommand);
      expect(calls).toHaveLength(1);
      expect(calls[0]?.args[0].input).toEqual({
        TableName: TABLE,
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :run AND begins_with(gsi2sk, :prefix)',
        ExpressionAttributeValues: { ':run': 'RUN#sales#r1', ':prefix': 'ingestion#raw_orders#' },
      });
    });

    it('falls back to the newest version of the output (gsi1, newest first) when the run has none', async () => {
      // Prepare
      const newest = entry({ runId: 'r0' });
      ddbMock.on(QueryCommand, { IndexName: 'gsi2' }).resolves({ Items: [] });
      ddbMock.on(QueryCommand, { IndexName: 'gsi1' }).resolves({ Items: [newest] });

      // Act
      const found = await registry.latest('sales', 'ingestion', 'raw_orders', 'r1');

      // Assess
      expect(found).toEqual(newest);
      const inputs = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(inputs.map((i) => i.IndexName)).toEqual(['gsi2', 'gsi1']);
      expect(inputs[1]).toEqual({
        TableName: TABLE,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': 'OUT#sales#ingestion#raw_orders' },
        ScanIndexForward: false,
        Limit: 1,
      });
    });

    it('skips a deleted version: its bytes are gone, so the one before it is the latest', async () => {
      // Prepare
      const deleted = entry({ sk: versionSk('v2', 'etag2'), status: 'deleted' });
      const before = entry();
      ddbMock
        .on(QueryCommand, { IndexName: 'gsi1' })
        .resolvesOnce({
          Items: [deleted],
          LastEvaluatedKey: { pk: deleted.pk, sk: deleted.sk, gsi1pk: 'x', gsi1sk: 'y' },
        })
        .resolvesOnce({ Items: [before] });

      // Act
      const found = await registry.latest('sales', 'preprocessing', 'training_data');

      // Assess
      expect(found).toEqual(before);
      expect(ddbMock.commandCalls(QueryCommand)).toHaveLength(2);
    });

    it('queries only gsi1 when no run id is given', async () => {
      // Prepare
      ddbMock.on(QueryCommand).resolves({ Items: [entry()] });

      // Act
      await registry.latest('sales', 'ingestion', 'raw_orders');

      // Assess
      expect(ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input.IndexName)).toEqual(['gsi1']);
    });

    it('returns undefined when the output was never registered', async () => {
      // Prepare
      ddbMock.on(QueryCommand).resolves({ Items: [] });

      // Act
      const found = await registry.latest('sales', 'ingestion', 'raw_orders', 'r1');

      // Assess
      expect(found).toBeUndefined();
    });

    it('maps throttling to TransientDependencyError naming the output', async () => {
      // Prepare
      ddbMock.on(QueryCommand).rejects(throttled());

      // Act
      const act = registry.latest('sales', 'ingestion', 'raw_orders', 'r1');

      // Assess
      await expect(act).rejects.toThrow(/^find sales\/ingestion\/raw_orders in run r1: DynamoDB answered/);
    });
  });

  describe('versionsOf', () => {
    it('lists every version of a key, newest first', async () => {
      // Prepare
      const a = entry({ sk: 'VER#a', registeredAt: '2024-06-01T10:00:00.000Z' });
      const b = entry({ sk: 'VER#b', registeredAt: '2024-06-03T10:00:00.000Z' });
      const c = entry({ sk: 'VER#c', registeredAt: '2024-06-02T10:00:00.000Z' });
      ddbMock.on(QueryCommand).resolves({ Items: [a, b, c] });

      // Act
      const versions = await registry.versionsOf(URI);

      // Assess
      expect(versions.map((v) => v.sk)).toEqual(['VER#b', 'VER#c', 'VER#a']);
      expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ver)',
        ExpressionAttributeValues: { ':pk': objectPk(URI), ':ver': 'VER#' },
      });
    });
  });

  describe('find', () => {
    it('reads one version by version id', async () => {
      // Prepare
      const item = entry();
      ddbMock.on(GetCommand, { Key: { pk: objectPk(URI), sk: 'VER#v1' } }).resolves({ Item: item });

      // Act
      const found = await registry.find(URI, 'v1');

      // Assess
      expect(found).toEqual(item);
    });

    it('falls back to the ETag form for a bare ETag of an unversioned object', async () => {
      // Prepare
      const item = entry({ versionId: null, sk: 'VER#etag:0cc175b9c0f1b6a831c399e269772661' });
      ddbMock.on(GetCommand).resolves({});
      ddbMock.on(GetCommand, { Key: { pk: objectPk(URI), sk: item.sk } }).resolves({ Item: item });

      // Act
      const found = await registry.find(URI, '"0cc175b9c0f1b6a831c399e269772661"');

      // Assess
      expect(found).toEqual(item);
      expect(ddbMock.commandCalls(GetCommand).map((c): unknown => c.args[0].input.Key?.['sk'])).toEqual([
        'VER#"0cc175b9c0f1b6a831c399e269772661"',
        'VER#etag:0cc175b9c0f1b6a831c399e269772661',
      ]);
    });

    it('returns the newest registered version when no version is named', async () => {
      // Prepare
      const old = entry({ sk: 'VER#a', registeredAt: '2024-06-01T10:00:00.000Z' });
      const recent = entry({ sk: 'VER#b', registeredAt: '2024-06-02T10:00:00.000Z' });
      ddbMock.on(QueryCommand).resolves({ Items: [old, recent] });

      // Act
      const found = await registry.find(URI);

      // Assess
      expect(found?.sk).toBe('VER#b');
    });

    it('drops a quarantine URI the state machine recorded as the text null', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({ Item: { ...entry({ status: 'passed' }), quarantineUri: 'null' } });

      // Act
      const found = await registry.find(URI, 'v1');

      // Assess
      expect(found).not.toHaveProperty('quarantineUri');
      expect(found?.status).toBe('passed');
    });
  });

  describe('versions', () => {
    const NAME = { pipeline: 'sales', step: 'preprocessing', output: 'training_data' };
    const item = (n: number) =>
      entry({
        sk: `VER#v${n}`,
        registeredAt: `2024-06-01T10:00:${String(60 - n).padStart(2, '0')}.000Z`,
        gsi1sk: `2024-06-01T10:00:${String(60 - n).padStart(2, '0')}.000Z#${URI}#VER#v${n}`,
        status: n % 3 === 0 ? 'failed' : 'passed',
      });

    it('queries gsi1 newest first and returns a cursor that continues after the page', async () => {
      // Prepare
      ddbMock
        .on(QueryCommand)
        .resolvesOnce({
          Items: [item(1), item(2)],
          LastEvaluatedKey: { pk: 'k', sk: 's', gsi1pk: 'g', gsi1sk: 'h' },
        })
        .resolvesOnce({ Items: [item(3)] });

      // Act
      const first = await registry.versions(NAME, { limit: 2 });
      const second = await registry.versions(NAME, { limit: 2, cursor: first.cursor! });

      // Assess
      expect(first.items.map(versionTokenOf)).toEqual(['v1', 'v2']);
      expect(second.items.map(versionTokenOf)).toEqual(['v3']);
      expect(second.cursor).toBeUndefined();
      const inputs = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(inputs[0]).toEqual({
        TableName: TABLE,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': outputIndexKey('sales', 'preprocessing', 'training_data') },
        ScanIndexForward: false,
        Limit: 2,
      });
      expect(inputs[1]?.ExclusiveStartKey).toEqual({ pk: 'k', sk: 's', gsi1pk: 'g', gsi1sk: 'h' });
    });

    it('reads on through filtered pages until the page is full, and resumes after the last item returned', async () => {
      // Prepare: DynamoDB filters after its own limit, so pages come back short.
      const failed = [item(3), item(6), item(9)];
      ddbMock
        .on(QueryCommand)
        .resolvesOnce({
          Items: [failed[0]!],
          LastEvaluatedKey: { pk: 'a', sk: 'a', gsi1pk: 'a', gsi1sk: 'a' },
        })
        .resolvesOnce({ Items: [failed[1]!, failed[2]!] });

      // Act
      const page = await registry.versions(NAME, { limit: 2, status: 'failed' });

      // Assess
      expect(page.items.map(versionTokenOf)).toEqual(['v3', 'v6']);
      expect(page.cursor).toBeDefined();
      const inputs = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(inputs).toHaveLength(2);
      expect(inputs[0]).toMatchObject({
        FilterExpression: '#status IN (:status0)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status0': 'failed' },
        Limit: 200,
      });
      // The cursor continues right after v6, the last item handed out, not after the page DynamoDB read.
      ddbMock.reset();
      ddbMock.on(QueryCommand).resolves({ Items: [failed[2]!] });
      const next = await registry.versions(NAME, { limit: 2, status: 'failed', cursor: page.cursor! });
      expect(next.items.map(versionTokenOf)).toEqual(['v9']);
      expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input.ExclusiveStartKey).toEqual({
        pk: failed[1]!.pk,
        sk: 'VER#v6',
        gsi1pk: failed[1]!.gsi1pk,
        gsi1sk: failed[1]!.gsi1sk,
      });
    });

    it('refuses a cursor from a different status filter', async () => {
      // Prepare
      ddbMock.on(QueryCommand).resolves({
        Items: [item(1), item(2)],
        LastEvaluatedKey: { pk: 'k', sk: 's', gsi1pk: 'g', gsi1sk: 'h' },
      });
      const { cursor } = await registry.versions(NAME, { limit: 2 });

      // Act
      const act = registry.versions(NAME, { limit: 2, cursor: cursor!, status: 'failed' });

      // Assess
      await expect(act).rejects.toBeInstanceOf(InvalidCursorError);
    });
  });

  describe('run listings', () => {
    it('lists the objects of a run by step and output, narrowed by begins_with', async () => {
      // Prepare
      ddbMock.on(QueryCommand).resolves({ Items: [entry()] });

      // Act
      const all = await registry.runOutputs('sales', 'r1');
      const oneOutput = await registry.runOutputs('sales', 'r1', { step: 'ingestion', output: 'raw_orders' });

      // Assess
      expect(all.items).toHaveLength(1);
      expect(oneOutput.items).toHaveLength(1);
      const inputs = ddbMock.commandCalls(QueryCommand).map((c) => c.args[0].input);
      expect(inputs[0]).toMatchObject({
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :run',
        ExpressionAttributeValues: { ':run': 'RUN#sales#r1' },
      });
      expect(inputs[1]).toMatchObject({
        KeyConditionExpression: 'gsi2pk = :run AND begins_with(gsi2sk, :prefix)',
        ExpressionAttributeValues: { ':run': 'RUN#sales#r1', ':prefix': 'ingestion#raw_orders#' },
      });
    });

    it('reads every page of an output in a run', async () => {
      // Prepare
      ddbMock
        .on(QueryCommand)
        .resolvesOnce({
          Items: [entry({ sk: 'VER#a' })],
          LastEvaluatedKey: { pk: 'p', sk: 'a', gsi2pk: 'g', gsi2sk: 'a' },
        })
        .resolvesOnce({ Items: [entry({ sk: 'VER#b' })] });

      // Act
      const all = await registry.runObjects(
        { pipeline: 'sales', step: 'ingestion', output: 'raw_orders' },
        'r1',
      );

      // Assess
      expect(all.map((e) => e.sk)).toEqual(['VER#a', 'VER#b']);
      expect(ddbMock.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
        pk: 'p',
        sk: 'a',
        gsi2pk: 'g',
        gsi2sk: 'a',
      });
    });

    it('builds the run sort key from step, output, URI and version', () => {
      // Act
      const key = runSortKey('ingestion', 'raw_orders', 's3://b/k.csv', 'VER#v1');

      // Assess
      expect(key).toBe('ingestion#raw_orders#s3://b/k.csv#VER#v1');
    });
  });

  describe('logicalOutputs', () => {
    it('lists the logical outputs a pipeline has registered, sorted', async () => {
      // Prepare
      ddbMock.on(QueryCommand).resolves({
        Items: [
          {
            pk: pipelinePk('sales'),
            sk: 'OUT#preprocessing#training_data',
            step: 'preprocessing',
            output: 'training_data',
          },
          {
            pk: pipelinePk('sales'),
            sk: 'OUT#ingestion#raw_orders',
            step: 'ingestion',
            output: 'raw_orders',
          },
        ],
      });

      // Act
      const names = await registry.logicalOutputs('sales');

      // Assess
      expect(names).toEqual([
        { pipeline: 'sales', step: 'ingestion', output: 'raw_orders' },
        { pipeline: 'sales', step: 'preprocessing', output: 'training_data' },
      ]);
      expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toMatchObject({
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :out)',
        ExpressionAttributeValues: { ':pk': 'PIPE#sales', ':out': 'OUT#' },
      });
    });
  });

  describe('transition', () => {
    const REF = { pk: objectPk(URI), sk: 'VER#v1' };

    it('moves pending forward with a compare-and-set on status and revision, recording the details', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({ Item: entry() });
      ddbMock.on(UpdateCommand).resolves({ Attributes: entry({ status: 'failed', revision: 1 }) });

      // Act
      const result = await registry.transition(REF, 'failed', {
        reportUri: 's3://art/reports/x.json',
        failedRules: ['amount_positive'],
        rowCount: 3,
      });

      // Assess
      expect(result.changed).toBe(true);
      expect(result.entry).toMatchObject({ status: 'failed', revision: 1 });
      const input = ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input;
      expect(input).toMatchObject({
        Key: REF,
        UpdateExpression:
          'SET #status = :to, updatedAt = :now, reportUri = :reportUri, failedRules = :failedRules, rowCount = :rowCount ADD revision :one',
        ConditionExpression: '#status = :from AND attribute_not_exists(revision)',
        ExpressionAttributeValues: {
          ':to': 'failed',
          ':from': 'pending',
          ':one': 1,
          ':failedRules': new Set(['amount_positive']),
          ':rowCount': 3,
        },
      });
    });

    it('compares the revision it read when the item has one', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({ Item: entry({ revision: 4 }) });
      ddbMock.on(UpdateCommand).resolves({ Attributes: entry({ status: 'passed', revision: 5 }) });

      // Act
      await registry.transition(REF, 'passed');

      // Assess
      expect(ddbMock.commandCalls(UpdateCommand)[0]?.args[0].input).toMatchObject({
        ConditionExpression: '#status = :from AND revision = :revision',
        ExpressionAttributeValues: { ':revision': 4 },
      });
    });

    it('changes nothing when the version already has the status', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({ Item: entry({ status: 'passed' }) });

      // Act
      const result = await registry.transition(REF, 'passed', { reportUri: 's3://elsewhere' });

      // Assess
      expect(result).toEqual({ changed: false, entry: entry({ status: 'passed' }) });
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it.each([
      ['failed', 'passed'],
      ['passed', 'pending'],
      ['untracked', 'failed'],
      ['warned', 'passed'],
    ] as const)('refuses %s -> %s with StatusTransitionError', async (from, to) => {
      // Prepare
      ddbMock.on(GetCommand).resolves({ Item: entry({ status: from }) });

      // Act
      const act = registry.transition(REF, to);

      // Assess
      await expect(act).rejects.toBeInstanceOf(StatusTransitionError);
      await expect(act).rejects.toThrow(`${URI} is ${from}; it cannot become ${to}`);
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(0);
    });

    it("re-reads after losing a race and reports the winner's final status", async () => {
      // Prepare: another writer moved it to failed between our read and our write.
      ddbMock
        .on(GetCommand)
        .resolvesOnce({ Item: entry() })
        .resolvesOnce({ Item: entry({ status: 'failed', revision: 1 }) });
      ddbMock.on(UpdateCommand).rejects(conditionFailed());

      // Act
      const act = registry.transition(REF, 'passed');

      // Assess
      await expect(act).rejects.toBeInstanceOf(StatusTransitionError);
      expect(ddbMock.commandCalls(GetCommand)).toHaveLength(2);
    });

    it('retries a lost race that still allows the move, then succeeds', async () => {
      // Prepare: a concurrent write bumped the revision but left the status pending.
      ddbMock
        .on(GetCommand)
        .resolvesOnce({ Item: entry() })
        .resolvesOnce({ Item: entry({ revision: 1 }) });
      ddbMock
        .on(UpdateCommand)
        .rejectsOnce(conditionFailed())
        .resolves({ Attributes: entry({ status: 'warned', revision: 2 }) });

      // Act
      const result = await registry.transition(REF, 'warned');

      // Assess
      expect(result).toMatchObject({ changed: true, entry: { status: 'warned', revision: 2 } });
      expect(ddbMock.commandCalls(UpdateCommand)[1]?.args[0].input.ExpressionAttributeValues).toMatchObject({
        ':revision': 1,
      });
    });

    it('gives up with ConcurrentUpdateError when the item keeps changing', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({ Item: entry() });
      ddbMock.on(UpdateCommand).rejects(conditionFailed());

      // Act
      const act = registry.transition(REF, 'passed', {}, 3);

      // Assess
      await expect(act).rejects.toBeInstanceOf(ConcurrentUpdateError);
      expect(ddbMock.commandCalls(UpdateCommand)).toHaveLength(3);
    });

    it('refuses a version that is not registered', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({});

      // Act
      const act = registry.transition(REF, 'passed');

      // Assess
      await expect(act).rejects.toBeInstanceOf(NotRegisteredError);
    });

    it('maps throttling of the write to TransientDependencyError', async () => {
      // Prepare
      ddbMock.on(GetCommand).resolves({ Item: entry() });
      ddbMock.on(UpdateCommand).rejects(throttled());

      // Act
      const act = registry.transition(REF, 'passed');

      // Assess
      await expect(act).rejects.toThrow(
        `set status of ${URI} to passed: DynamoDB answered ProvisionedThroughputExceededException`,
      );
    });
  });
});
