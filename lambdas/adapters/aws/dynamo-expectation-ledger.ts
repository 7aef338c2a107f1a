/**
 * Pending relative expectations (lambdas/core/expectations/expectation-ledger.ts) in the registry
 * table, beside the entries they may turn into:
 *
 * - one pending wait:   pk = EXPECT#pipeline/step/output, sk = RUN#<runId>#<index>
 * - due ones, by time:  gsi1pk = EXPECT#DUE, gsi1sk = <dueAt>#<output>#<runId>#<index>
 *
 * The due index is one partition of gsi1 (the output index's, which it shares): a sweep reads it
 * in time order up to now, at most `limit` items. Pending waits are few (one per run of an output
 * that declares `after:`) and short-lived (removed when checked or when the version arrives), so
 * one partition stays far below DynamoDB's per-partition throughput.
 */
import { DeleteCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExpectationLedger, PendingExpectation } from '../../core/expectations';
import { isConditionFailed, mapDynamoError } from './dynamo-errors';

export const DUE_PARTITION = 'EXPECT#DUE';

function keyOf(ref: Pick<PendingExpectation, 'output' | 'runId' | 'index'>): { pk: string; sk: string } {
  return { pk: `EXPECT#${ref.output}`, sk: `RUN#${ref.runId}#${ref.index}` };
}

function pendingOf(item: Record<string, unknown>): PendingExpectation | undefined {
  const { output, runId, index, expectation, inputArrivedAt, dueAt, inputUri } = item;
  if (
    typeof output !== 'string' ||
    typeof runId !== 'string' ||
    typeof index !== 'number' ||
    typeof expectation !== 'string' ||
    typeof inputArrivedAt !== 'string' ||
    typeof dueAt !== 'string' ||
    typeof inputUri !== 'string'
  )
    return undefined;
  return { output, runId, index, expectation, inputArrivedAt, dueAt, inputUri };
}

export class DynamoExpectationLedger implements ExpectationLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async add(pending: PendingExpectation): Promise<{ readonly created: boolean }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...keyOf(pending),
            ...pending,
            gsi1pk: DUE_PARTITION,
            gsi1sk: `${pending.dueAt}#${pending.output}#${pending.runId}#${pending.index}`,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true };
    } catch (error) {
      if (isConditionFailed(error)) return { created: false };
      return mapDynamoError(error, `record the wait of ${pending.output} run ${pending.runId}`);
    }
  }

  async due(now: Date, limit: number): Promise<PendingExpectation[]> {
    const out: PendingExpectation[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const page = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi1',
            // `~` sorts after every character of an output name, so every item due at `now` is in.
            KeyConditionExpression: 'gsi1pk = :due AND gsi1sk <= :now',
            ExpressionAttributeValues: { ':due': DUE_PARTITION, ':now': `${now.toISOString()}~` },
            Limit: limit - out.length,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        for (const item of page.Items ?? []) {
          const pending = pendingOf(item);
          if (pending) out.push(pending);
        }
        start = page.LastEvaluatedKey;
      } while (start && out.length < limit);
    } catch (error) {
      return mapDynamoError(error, 'list the due expectations');
    }
    return out;
  }

  async remove(ref: Pick<PendingExpectation, 'output' | 'runId' | 'index'>): Promise<void> {
    try {
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keyOf(ref) }));
    } catch (error) {
      mapDynamoError(error, `remove the wait of ${ref.output} run ${ref.runId}`);
    }
  }
}
