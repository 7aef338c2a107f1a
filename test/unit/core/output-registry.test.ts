import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  DynamoDBServiceException,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TransientDependencyError } from '../../../lambdas/core/errors';
import {
  OutputRegistry,
  objectPk,
  outputIndexKey,
  runIndexKey,
  versionSk,
  type RegistryEntry,
} from '../../../lambdas/core/registry/output-registry';

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

describe('OutputRegistry', () => {
  let registry: OutputRegistry;

  beforeEach(() => {
    ddbMock.reset();
    registry = new OutputRegistry(
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

      // Assess
      expect(result).toEqual({ created: true, entry: item });
      expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
        TableName: TABLE,
        Item: item,
        ConditionExpression: 'attribute_not_exists(pk)',
      });
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
        KeyConditionExpression: 'gsi1pk = :out',
        ExpressionAttributeValues: { ':out': 'OUT#sales#ingestion#raw_orders' },
        ScanIndexForward: false,
        Limit: 1,
      });
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
      await expect(act).rejects.toThrow(/^find latest sales\/ingestion\/raw_orders: DynamoDB answered/);
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
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': objectPk(URI) },
      });
    });
  });
});
