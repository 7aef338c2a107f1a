/**
 * The consumer edges a validation graded, on the registry entry of the tested version: written as a
 * list of maps by one conditional UpdateItem that leaves the status and its revision alone, and read
 * back into the entry (a member of another shape is left out, not shown half-read).
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  DynamoOutputRegistry,
  edgesOfItem,
  edgesToItem,
} from '../../../../lambdas/adapters/aws/dynamo-output-registry';
import { objectPk, versionSk, type RecordedEdge } from '../../../../lambdas/core/registry/output-registry';
import { NotRegisteredError } from '../../../../lambdas/core/registry/registry-errors';

const ddbMock = mockClient(DynamoDBDocumentClient);
const TABLE = 'prt-registry';
const URI = 's3://landing/pipelines/sales/r1/a/out/part-0.parquet';
const REF = { pk: objectPk(URI), sk: versionSk('v1', 'e1') };
const NOW = new Date('2024-06-01T10:00:00.000Z');

const BROKEN: RecordedEdge = {
  consumer: 'sales/b/features',
  level: 'incompatible',
  accepts: 'convertible',
  breaks: true,
  onBreak: 'fail',
  reason: 'v: int64 read as int32: 1 of 2 int64 values do not fit int32 (e.g. 5000000000)',
};
const HELD: RecordedEdge = {
  consumer: 'sales/c/report',
  level: 'compatible',
  accepts: 'compatible',
  breaks: false,
  onBreak: 'warn',
  reason: 'extra: not read (string)',
};

describe('consumer edges in the DynamoDB registry', () => {
  let registry: DynamoOutputRegistry;

  beforeEach(() => {
    ddbMock.reset();
    registry = new DynamoOutputRegistry(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
      TABLE,
      () => NOW,
    );
  });

  afterEach(() => {
    ddbMock.reset();
  });

  it('writes the edges on the existing entry with one UpdateItem that leaves status and revision alone', async () => {
    // Arrange
    ddbMock.on(UpdateCommand).resolves({});

    // Act
    await registry.recordConsumerEdges(REF, [BROKEN, HELD]);

    // Assess
    const calls = ddbMock.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    expect(calls).toEqual([
      {
        TableName: TABLE,
        Key: REF,
        UpdateExpression: 'SET consumerEdges = :edges, updatedAt = :now',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: { ':edges': [{ ...BROKEN }, { ...HELD }], ':now': NOW.toISOString() },
      },
    ]);
  });

  it('names the version when it is not registered', async () => {
    // Arrange
    ddbMock
      .on(UpdateCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'failed', $metadata: { httpStatusCode: 400 } }),
      );

    // Act
    const error = await registry.recordConsumerEdges(REF, [BROKEN]).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(NotRegisteredError);
    expect((error as Error).message).toBe(`${URI} (VER#v1) is not registered; no consumer edges recorded`);
  });

  it('reads the edges back into the entry', async () => {
    // Arrange
    ddbMock.on(GetCommand).resolves({
      Item: { ...REF, uri: URI, status: 'failed', consumerEdges: edgesToItem([BROKEN, HELD]) },
    });

    // Act
    const entry = await registry.get(REF.pk, REF.sk);

    // Assess
    expect(entry?.consumerEdges).toEqual([BROKEN, HELD]);
    expect(entry?.status).toBe('failed');
  });

  it('leaves out a member of another shape, and the attribute when none is readable', () => {
    // Act
    const mixed = edgesOfItem([
      { ...BROKEN },
      { consumer: 'x', level: 3 },
      'text',
      null,
      { ...HELD, onBreak: 'maybe' },
    ]);
    const none = edgesOfItem('not a list');

    // Assess
    expect(mixed).toEqual([BROKEN]);
    expect(none).toEqual([]);
  });
});
