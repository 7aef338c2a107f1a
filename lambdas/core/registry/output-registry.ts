/**
 * The output-path registry: one item per object version that arrived, keyed so that a second
 * delivery of the same version finds the first (idempotent conditional put) and so that the
 * logical output (pipeline/step/output) and the pipeline run are queryable. Layout:
 * lib/shared/registry-table-layout.ts.
 */
import { ConditionalCheckFailedException, DynamoDBServiceException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransientDependencyError } from '../errors';

export type TestStatus = 'pending' | 'passed' | 'warned' | 'failed' | 'untracked';
export type DataType = 'pipeline' | 'synthetic' | 'converted';

export interface RegistryEntry {
  readonly pk: string;
  readonly sk: string;
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  readonly etag: string;
  readonly size: number;
  readonly status: TestStatus;
  readonly dataType: DataType;
  readonly registeredAt: string;
  readonly eventTime: string;
  readonly pipeline?: string;
  readonly step?: string;
  readonly output?: string;
  readonly runId?: string;
  readonly jobType?: string;
  readonly format?: string;
  readonly contractKey?: string;
  readonly note?: string;
  readonly reportUri?: string;
  readonly failureReason?: string;
  readonly failureCause?: string;
  readonly failedRules?: ReadonlySet<string>;
  readonly rowCount?: number;
  readonly updatedAt?: string;
  readonly gsi1pk?: string;
  readonly gsi1sk?: string;
  readonly gsi2pk?: string;
  readonly gsi2sk?: string;
}

export function objectPk(uri: string): string {
  return `OBJ#${uri}`;
}

export function versionSk(versionId: string | null, etag: string): string {
  return `VER#${versionId ?? `etag:${etag}`}`;
}

export function outputIndexKey(pipeline: string, step: string, output: string): string {
  return `OUT#${pipeline}#${step}#${output}`;
}

export function runIndexKey(pipeline: string, runId: string): string {
  return `RUN#${pipeline}#${runId}`;
}

export function mapDynamoError(error: unknown, what: string): never {
  if (error instanceof DynamoDBServiceException) {
    const status = error.$metadata.httpStatusCode ?? 0;
    if (
      status >= 500 ||
      error.$retryable ||
      [
        'ProvisionedThroughputExceededException',
        'ThrottlingException',
        'RequestLimitExceeded',
        'InternalServerError',
      ].includes(error.name)
    ) {
      throw new TransientDependencyError(
        `${what}: DynamoDB answered ${error.name} (HTTP ${status}); retry later`,
      );
    }
  } else if (
    error instanceof Error &&
    /ECONNRESET|ECONNREFUSED|ETIMEDOUT|socket hang up|EPIPE/.test(
      `${error.message} ${(error as { code?: string }).code ?? ''}`,
    )
  ) {
    throw new TransientDependencyError(`${what}: DynamoDB endpoint unreachable (${error.message})`);
  }
  throw error;
}

export class OutputRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /**
   * Writes the entry unless this object version is already registered. Returns the stored entry
   * and whether this call created it; a duplicate delivery gets `created: false` and changes nothing.
   */
  async register(entry: RegistryEntry): Promise<{ created: boolean; entry: RegistryEntry }> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: entry,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, entry };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) {
        const existing = await this.get(entry.pk, entry.sk);
        return { created: false, entry: existing ?? entry };
      }
      return mapDynamoError(error, `register ${entry.uri}`);
    }
  }

  async get(pk: string, sk: string): Promise<RegistryEntry | undefined> {
    try {
      const out = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
      );
      return out.Item as RegistryEntry | undefined;
    } catch (error) {
      return mapDynamoError(error, `read registry item ${pk}`);
    }
  }

  /** Newest registered version of a logical output, optionally within one pipeline run. */
  async latest(
    pipeline: string,
    step: string,
    output: string,
    runId?: string,
  ): Promise<RegistryEntry | undefined> {
    try {
      if (runId !== undefined) {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :run AND begins_with(gsi2sk, :prefix)',
            ExpressionAttributeValues: {
              ':run': runIndexKey(pipeline, runId),
              ':prefix': `${step}#${output}#`,
            },
          }),
        );
        const items = (out.Items ?? []) as RegistryEntry[];
        items.sort((a, b) => b.registeredAt.localeCompare(a.registeredAt));
        if (items[0]) return items[0];
      }
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :out',
          ExpressionAttributeValues: { ':out': outputIndexKey(pipeline, step, output) },
          ScanIndexForward: false,
          Limit: 1,
        }),
      );
      return out.Items?.[0] as RegistryEntry | undefined;
    } catch (error) {
      return mapDynamoError(error, `find latest ${pipeline}/${step}/${output}`);
    }
  }

  /** Every registered version of an object key, newest first. */
  async versionsOf(uri: string): Promise<RegistryEntry[]> {
    try {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': objectPk(uri) },
        }),
      );
      const items = (out.Items ?? []) as RegistryEntry[];
      return items.sort((a, b) => b.registeredAt.localeCompare(a.registeredAt));
    } catch (error) {
      return mapDynamoError(error, `list versions of ${uri}`);
    }
  }
}
