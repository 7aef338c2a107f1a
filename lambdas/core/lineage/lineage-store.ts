/**
 * Lineage edges between concrete object versions ("which output fed which step"), stored in the
 * registry table. An edge's key is derived from its two ends, so recording it twice (a duplicate
 * event, a retried step) leaves one edge.
 */
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mapDynamoError } from '../registry/output-registry';

export type EdgeKind = 'declared-input' | 'conversion';

export interface LineageEdge {
  /** `s3://bucket/key#version` of the upstream version. */
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** Logical names at both ends, when known. */
  readonly fromOutput?: string;
  readonly toOutput?: string;
  readonly recordedAt: string;
}

export function lineageNode(uri: string, versionToken: string): string {
  return `${uri}#${versionToken}`;
}

export class LineageStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async record(edge: LineageEdge): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: `EDGE#${edge.to}`,
            sk: `UP#${edge.from}`,
            gsi1pk: `EDGE#${edge.from}`,
            gsi1sk: `DOWN#${edge.to}`,
            ...edge,
          },
          // The first record wins; a repeat is a no-op rather than a rewrite of recordedAt.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return;
      mapDynamoError(error, `record lineage ${edge.from} -> ${edge.to}`);
    }
  }

  async upstream(node: string): Promise<LineageEdge[]> {
    return this.query('pk = :n AND begins_with(sk, :up)', { ':n': `EDGE#${node}`, ':up': 'UP#' });
  }

  async downstream(node: string): Promise<LineageEdge[]> {
    return this.query(
      'gsi1pk = :n AND begins_with(gsi1sk, :down)',
      { ':n': `EDGE#${node}`, ':down': 'DOWN#' },
      'gsi1',
    );
  }

  private async query(
    condition: string,
    values: Record<string, string>,
    index?: string,
  ): Promise<LineageEdge[]> {
    try {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          ...(index ? { IndexName: index } : {}),
          KeyConditionExpression: condition,
          ExpressionAttributeValues: values,
        }),
      );
      return (out.Items ?? []).map((i) => ({
        from: i['from'] as string,
        to: i['to'] as string,
        kind: i['kind'] as EdgeKind,
        recordedAt: i['recordedAt'] as string,
        ...(i['fromOutput'] ? { fromOutput: i['fromOutput'] as string } : {}),
        ...(i['toOutput'] ? { toOutput: i['toOutput'] as string } : {}),
      }));
    } catch (error) {
      return mapDynamoError(error, 'query lineage');
    }
  }
}
