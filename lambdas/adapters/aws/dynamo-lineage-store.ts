/**
 * The lineage store (lambdas/core/lineage/lineage-store.ts) in the registry table: edges between
 * concrete object versions. An edge's key is derived from its two ends, so recording it twice (a
 * duplicate event, a retried step, registration and the Lineage step both seeing it) leaves one edge:
 *
 *   pk = EDGE#<child node>   sk = UP#<parent node>       upstream of a node:   Query pk
 *   gsi1pk = EDGE#<parent>   gsi1sk = DOWN#<child node>  downstream of a node: Query gsi1
 *
 * A node is `s3://bucket/key#<version token>` (a version id, or `etag:<etag>` in an unversioned bucket).
 */
import {
  PutCommand,
  QueryCommand,
  type DynamoDBDocumentClient,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { LineageEdge, LineageStore } from '../../core/lineage';
import { isConditionFailed, mapDynamoError } from './dynamo-errors';

const OPTIONAL_FIELDS = ['fromOutput', 'toOutput', 'runId', 'dataType', 'jobType'] as const;

function toEdge(item: Record<string, unknown>): LineageEdge {
  const edge: Record<string, unknown> = {
    from: item['from'],
    to: item['to'],
    kind: item['kind'],
    recordedAt: item['recordedAt'],
  };
  for (const field of OPTIONAL_FIELDS) {
    if (typeof item[field] === 'string' && item[field] !== '') edge[field] = item[field];
  }
  return edge as unknown as LineageEdge;
}

export class DynamoLineageStore implements LineageStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Records the edge once; returns false when it was already there (the first record wins). */
  async record(edge: LineageEdge): Promise<boolean> {
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
          // A repeat is a no-op rather than a rewrite of recordedAt.
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailed(error)) return false;
      return mapDynamoError(error, `record lineage ${edge.from} -> ${edge.to}`);
    }
  }

  /** Edges into a node (its parents). */
  async upstream(node: string): Promise<LineageEdge[]> {
    return this.query('pk = :n AND begins_with(sk, :up)', { ':n': `EDGE#${node}`, ':up': 'UP#' });
  }

  /** Edges out of a node (its children). */
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
    const edges: LineageEdge[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const out: QueryCommandOutput | undefined = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            ...(index ? { IndexName: index } : {}),
            KeyConditionExpression: condition,
            ExpressionAttributeValues: values,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        edges.push(...(out?.Items ?? []).map(toEdge));
        start = out?.LastEvaluatedKey;
      } while (start);
    } catch (error) {
      return mapDynamoError(error, 'query lineage');
    }
    return edges;
  }
}
