/** Pending relative expectations in the registry table: keys, the due partition of gsi1, idempotent adds. */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  DUE_PARTITION,
  DynamoExpectationLedger,
} from '../../../../lambdas/adapters/aws/dynamo-expectation-ledger';
import type { PendingExpectation } from '../../../../lambdas/core/expectations';

const ddbMock = mockClient(DynamoDBDocumentClient);
const TABLE = 'prt-registry';
const PENDING: PendingExpectation = {
  output: 'sales/features/order_features',
  runId: 'r7',
  index: 0,
  expectation: 'after ingestion/raw_orders within 2h',
  inputArrivedAt: '2026-12-07T01:00:00.000Z',
  dueAt: '2026-12-07T03:00:00.000Z',
  inputUri: 's3://outputs/raw/r7/orders.csv',
};

function ledger(): DynamoExpectationLedger {
  return new DynamoExpectationLedger(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
    TABLE,
  );
}

afterEach(() => ddbMock.reset());

describe('DynamoExpectationLedger', () => {
  it('writes a wait under its output and run, indexed by its due time, only if none exists', async () => {
    // Arrange
    ddbMock.on(PutCommand).resolves({});

    // Act
    const { created } = await ledger().add(PENDING);

    // Assess
    expect(created).toBe(true);
    const input = ddbMock.commandCalls(PutCommand)[0]!.args[0].input;
    expect(input.Item).toMatchObject({
      pk: 'EXPECT#sales/features/order_features',
      sk: 'RUN#r7#0',
      gsi1pk: DUE_PARTITION,
      gsi1sk: '2026-12-07T03:00:00.000Z#sales/features/order_features#r7#0',
    });
    expect(input.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('reports a repeated wait as not created', async () => {
    // Arrange
    ddbMock
      .on(PutCommand)
      .rejects(
        new ConditionalCheckFailedException({ message: 'exists', $metadata: { httpStatusCode: 400 } }),
      );

    // Act / Assess
    expect(await ledger().add(PENDING)).toEqual({ created: false });
  });

  it('reads the due partition up to now, at most the limit', async () => {
    // Arrange
    ddbMock.on(QueryCommand).resolves({ Items: [{ ...PENDING, pk: 'x', sk: 'y' }] });

    // Act
    const due = await ledger().due(new Date('2026-12-07T03:05:00Z'), 100);

    // Assess
    expect(due).toEqual([PENDING]);
    const input = ddbMock.commandCalls(QueryCommand)[0]!.args[0].input;
    expect(input.IndexName).toBe('gsi1');
    expect(input.ExpressionAttributeValues).toEqual({
      ':due': DUE_PARTITION,
      ':now': '2026-12-07T03:05:00.000Z~',
    });
    expect(input.Limit).toBe(100);
  });

  it('removes a wait by its output, run and index', async () => {
    // Arrange
    ddbMock.on(DeleteCommand).resolves({});

    // Act
    await ledger().remove(PENDING);

    // Assess
    expect(ddbMock.commandCalls(DeleteCommand)[0]!.args[0].input.Key).toEqual({
      pk: 'EXPECT#sales/features/order_features',
      sk: 'RUN#r7#0',
    });
  });
});
