import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  ProvisionedThroughputExceededException,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TransientDependencyError } from '../../../../lambdas/core/errors';
import {
  lineageNode,
  parseLineageNode,
  type LineageEdge,
} from '../../../../lambdas/core/lineage/lineage-store';
import { DynamoLineageStore } from '../../../../lambdas/adapters/aws/dynamo-lineage-store';

const ddbMock = mockClient(DynamoDBDocumentClient);
const TABLE = 'prt-registry';
const RAW = lineageNode('s3://landing/pipelines/sales/r1/ingestion/raw_orders/part-0.csv', 'v1');
const TRAINING = lineageNode(
  's3://landing/pipelines/sales/r1/preprocessing/training_data/part-0.csv',
  'etag:abc',
);

const edge: LineageEdge = {
  from: RAW,
  to: TRAINING,
  kind: 'declared-input',
  fromOutput: 'sales/ingestion/raw_orders',
  toOutput: 'sales/preprocessing/training_data',
  recordedAt: '2024-06-01T10:20:31.000Z',
};

describe('lineageNode', () => {
  it('joins a URI and a version token with #', () => {
    // Prepare
    const uri = 's3://b/k.csv';

    // Act
    const node = lineageNode(uri, 'etag:abc');

    // Assess
    expect(node).toBe('s3://b/k.csv#etag:abc');
  });

  it('splits a node at its last #, so keys may contain # themselves', () => {
    // Act
    const parts = parseLineageNode(lineageNode('s3://b/odd#name/k.csv', 'v1'));

    // Assess
    expect(parts).toEqual({ uri: 's3://b/odd#name/k.csv', version: 'v1' });
  });
});

describe('DynamoLineageStore', () => {
  let lineage: DynamoLineageStore;

  beforeEach(() => {
    ddbMock.reset();
    lineage = new DynamoLineageStore(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
      TABLE,
    );
  });

  afterEach(() => {
    ddbMock.reset();
  });

  describe('record', () => {
    it('puts the edge keyed by both ends, once', async () => {
      // Prepare
      ddbMock.on(PutCommand).resolves({});

      // Act
      const recorded = await lineage.record(edge);

      // Assess
      expect(recorded).toBe(true);
      expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input).toEqual({
        TableName: TABLE,
        Item: {
          pk: `EDGE#${TRAINING}`,
          sk: `UP#${RAW}`,
          gsi1pk: `EDGE#${RAW}`,
          gsi1sk: `DOWN#${TRAINING}`,
          ...edge,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      });
    });

    it('treats an edge that already exists as recorded (idempotent)', async () => {
      // Prepare
      ddbMock
        .on(PutCommand)
        .rejects(
          new ConditionalCheckFailedException({ message: 'exists', $metadata: { httpStatusCode: 400 } }),
        );

      // Act
      const act = lineage.record(edge);

      // Assess
      await expect(act).resolves.toBe(false);
      expect(ddbMock.commandCalls(PutCommand)).toHaveLength(1);
    });

    it('maps throttling to TransientDependencyError naming both ends', async () => {
      // Prepare
      ddbMock.on(PutCommand).rejects(
        new ProvisionedThroughputExceededException({
          message: 'slow down',
          $metadata: { httpStatusCode: 400 },
        }),
      );

      // Act
      const act = lineage.record(edge);

      // Assess
      await expect(act).rejects.toBeInstanceOf(TransientDependencyError);
      await expect(act).rejects.toThrow(`record lineage ${RAW} -> ${TRAINING}: DynamoDB answered`);
    });

    it('rethrows errors it does not know', async () => {
      // Prepare
      const bug = new TypeError('boom');
      ddbMock.on(PutCommand).rejects(bug);

      // Act
      const act = lineage.record(edge);

      // Assess
      await expect(act).rejects.toBe(bug);
    });
  });

  describe('upstream and downstream', () => {
    const stored = {
      pk: `EDGE#${TRAINING}`,
      sk: `UP#${RAW}`,
      gsi1pk: `EDGE#${RAW}`,
      gsi1sk: `DOWN#${TRAINING}`,
      ...edge,
    };

    it('finds the parents of a node by its partition key', async () => {
      // Prepare
      ddbMock.on(QueryCommand).resolves({ Items: [stored] });

      // Act
      const parents = await lineage.upstream(TRAINING);

      // Assess
      expect(parents).toEqual([edge]);
      expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
        TableName: TABLE,
        KeyConditionExpression: 'pk = :n AND begins_with(sk, :up)',
        ExpressionAttributeValues: { ':n': `EDGE#${TRAINING}`, ':up': 'UP#' },
      });
    });

    it('finds the children of a node through gsi1', async () => {
      // Prepare
      ddbMock.on(QueryCommand).resolves({ Items: [stored] });

      // Act
      const children = await lineage.downstream(RAW);

      // Assess
      expect(children).toEqual([edge]);
      expect(ddbMock.commandCalls(QueryCommand)[0]?.args[0].input).toEqual({
        TableName: TABLE,
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :n AND begins_with(gsi1sk, :down)',
        ExpressionAttributeValues: { ':n': `EDGE#${RAW}`, ':down': 'DOWN#' },
      });
    });

    it('leaves out logical names the edge does not have', async () => {
      // Prepare
      ddbMock
        .on(QueryCommand)
        .resolves({ Items: [{ from: RAW, to: TRAINING, kind: 'conversion', recordedAt: edge.recordedAt }] });

      // Act
      const parents = await lineage.upstream(TRAINING);

      // Assess
      expect(parents).toEqual([{ from: RAW, to: TRAINING, kind: 'conversion', recordedAt: edge.recordedAt }]);
    });

    it('returns no edges when the query finds none', async () => {
      // Prepare
      ddbMock.on(QueryCommand).resolves({});

      // Act
      const parents = await lineage.upstream(TRAINING);

      // Assess
      expect(parents).toEqual([]);
    });

    it('maps throttling to TransientDependencyError', async () => {
      // Prepare
      ddbMock.on(QueryCommand).rejects(
        new ProvisionedThroughputExceededException({
          message: 'slow down',
          $metadata: { httpStatusCode: 400 },
        }),
      );

      // Act
      const act = lineage.downstream(RAW);

      // Assess
      await expect(act).rejects.toThrow(TransientDependencyError);
    });
  });

  describe('edge details and paging', () => {
    it('keeps run, data type and job type on the edge and returns them', async () => {
      // Prepare
      const detailed: LineageEdge = { ...edge, runId: 'r1', dataType: 'pipeline', jobType: 'glue' };
      ddbMock.on(PutCommand).resolves({});
      ddbMock.on(QueryCommand).resolves({
        Items: [
          {
            pk: `EDGE#${TRAINING}`,
            sk: `UP#${RAW}`,
            gsi1pk: `EDGE#${RAW}`,
            gsi1sk: `DOWN#${TRAINING}`,
            ...detailed,
          },
        ],
      });

      // Act
      await lineage.record(detailed);
      const [read] = await lineage.upstream(TRAINING);

      // Assess
      expect(ddbMock.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
        runId: 'r1',
        dataType: 'pipeline',
        jobType: 'glue',
      });
      expect(read).toEqual(detailed);
    });

    it('reads every page of a node with many edges', async () => {
      // Prepare
      const other = { ...edge, from: lineageNode('s3://landing/x.csv', 'v2') };
      ddbMock
        .on(QueryCommand)
        .resolvesOnce({ Items: [edge], LastEvaluatedKey: { pk: `EDGE#${TRAINING}`, sk: `UP#${RAW}` } })
        .resolvesOnce({ Items: [other] });

      // Act
      const parents = await lineage.upstream(TRAINING);

      // Assess
      expect(parents.map((p) => p.from)).toEqual([RAW, other.from]);
      expect(ddbMock.commandCalls(QueryCommand)[1]?.args[0].input.ExclusiveStartKey).toEqual({
        pk: `EDGE#${TRAINING}`,
        sk: `UP#${RAW}`,
      });
    });
  });
});
