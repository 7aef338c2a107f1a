/**
 * The output-path registry: one item per object version that arrived, keyed so that a second
 * delivery of the same version finds the first (idempotent conditional put), and indexed so that a
 * logical output (pipeline/step/output) and a pipeline run are queryable. Layout:
 * lib/config/registry-table-layout.ts; the README's "Registry and lineage" section draws it.
 *
 * Access patterns and the key that serves each:
 * - one version of an object:            GetItem   pk = OBJ#<uri>, sk = VER#<versionId | etag:ETAG>
 * - every version of an object key:      Query     pk = OBJ#<uri>
 * - versions of a logical output, newest first, paginated:
 *                                         Query gsi1 gsi1pk = OUT#p#s#o, descending (gsi1sk starts with registeredAt)
 * - every output of a pipeline run:      Query gsi2 gsi2pk = RUN#p#runId (begins_with step#output# narrows it)
 * - the logical outputs of a pipeline:   Query     pk = PIPE#p (one marker item per logical output)
 *
 * Status writes move forward only (status-transitions.ts). Without transactions (the embedded
 * DynamoDB has none) every read-modify-write is an optimistic compare-and-set on the item's
 * `status` and `revision` (incremented by every status write, the state machine's included), so two
 * writers can never both succeed from the same state and no update is silently lost.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { LineageStore } from '../lineage/lineage-store';
import { isConditionFailed, mapDynamoError } from './dynamo-errors';
import { formatOutputName, type OutputName } from './output-name';
import { decodeCursor, encodeCursor } from './registry-cursor';
import { ConcurrentUpdateError, NotRegisteredError, StatusTransitionError } from './registry-errors';
import { canTransition, type TestStatus } from './status-transitions';

export { mapDynamoError } from './dynamo-errors';
export type { TestStatus } from './status-transitions';

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
  /** A partitioned output: `key` is its folder, `marker` the URI of the marker that completed it. */
  readonly partitioned?: boolean;
  readonly marker?: string;
  readonly reportUri?: string;
  readonly quarantineUri?: string;
  /** The validation summary line of a tested version. */
  readonly summary?: string;
  readonly failureReason?: string;
  readonly failureCause?: string;
  /** The error of an earlier test of this version, kept when a re-test re-opened it. */
  readonly previousError?: string;
  /** When the version was removed from S3 (status `deleted`), and how (S3's deletion-type). */
  readonly deletedAt?: string;
  readonly deletionType?: string;
  readonly failedRules?: ReadonlySet<string>;
  readonly rowCount?: number;
  readonly updatedAt?: string;
  /** Count of status writes; the compare-and-set token of read-modify-write updates. */
  readonly revision?: number;
  /**
   * Who wrote the entry: the registering execution when the caller names it, else a token unique to
   * the register call. A conditional put that finds an entry with its own writer is its own write,
   * retried after the answer was lost, not a duplicate delivery.
   */
  readonly registeredBy?: string;
  readonly gsi1pk?: string;
  readonly gsi1sk?: string;
  readonly gsi2pk?: string;
  readonly gsi2sk?: string;
}

/** What a status write may record beside the status. */
export interface StatusDetails {
  readonly reportUri?: string;
  readonly quarantineUri?: string;
  readonly summary?: string;
  readonly failedRules?: readonly string[];
  readonly failureReason?: string;
  readonly failureCause?: string;
  readonly rowCount?: number;
  readonly deletedAt?: string;
  readonly deletionType?: string;
}

export interface TransitionResult {
  /** False when the version already had this status (a repeat changes nothing). */
  readonly changed: boolean;
  readonly entry: RegistryEntry;
}

export interface PageRequest {
  /** Items per page (1-1000, default 50). */
  readonly limit?: number;
  /** The `cursor` of the previous page, unchanged. */
  readonly cursor?: string;
  /** Only versions with one of these statuses. */
  readonly status?: TestStatus | readonly TestStatus[];
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Present when more items may follow: pass it back to get the next page. */
  readonly cursor?: string;
}

export function objectPk(uri: string): string {
  return `OBJ#${uri}`;
}

export function versionSk(versionId: string | null, etag: string): string {
  return `VER#${versionId ?? `etag:${etag}`}`;
}

/** The version token of an entry (`<versionId>` or `etag:<etag>`), as lineage nodes and artifacts use it. */
export function versionTokenOf(entry: Pick<RegistryEntry, 'sk'>): string {
  return entry.sk.replace(/^VER#/, '');
}

export function outputIndexKey(pipeline: string, step: string, output: string): string {
  return `OUT#${pipeline}#${step}#${output}`;
}

export function runIndexKey(pipeline: string, runId: string): string {
  return `RUN#${pipeline}#${runId}`;
}

/** Partition of the marker items that list a pipeline's logical outputs. */
export function pipelinePk(pipeline: string): string {
  return `PIPE#${pipeline}`;
}

/** The run index sort key: step#output#uri#VER#version. */
export function runSortKey(step: string, output: string, uri: string, sk: string): string {
  return `${step}#${output}#${uri}#${sk}`;
}

const OUTPUT_INDEX_KEYS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
const RUN_INDEX_KEYS = ['pk', 'sk', 'gsi2pk', 'gsi2sk'] as const;
const MAX_PAGE = 1000;
const FILTERED_BATCH = 200;

/**
 * The state machine records a null quarantine URI as the text `null` (States.Format cannot write a
 * typed null); the read model leaves such values out.
 */
function toEntry(item: Record<string, unknown>): RegistryEntry {
  const quarantine = item['quarantineUri'];
  if (quarantine !== undefined && !(typeof quarantine === 'string' && quarantine.startsWith('s3://'))) {
    const { quarantineUri: _dropped, ...rest } = item;
    return rest as unknown as RegistryEntry;
  }
  return item as unknown as RegistryEntry;
}

function itemsOf(out: QueryCommandOutput | undefined): Record<string, unknown>[] {
  return out?.Items ?? [];
}

function statusList(status: PageRequest['status']): readonly TestStatus[] {
  if (status === undefined) return [];
  return typeof status === 'string' ? [status] : status;
}

function byNewest(a: RegistryEntry, b: RegistryEntry): number {
  return b.registeredAt.localeCompare(a.registeredAt) || b.sk.localeCompare(a.sk);
}

export class OutputRegistry {
  constructor(
    protected readonly db: DynamoDBDocumentClient,
    protected readonly tableName: string,
    protected readonly now: () => Date = () => new Date(),
  ) {}

  /** The lineage edges stored in the same table, through the same client. */
  lineageStore(): LineageStore {
    return new LineageStore(this.db, this.tableName);
  }

  /**
   * Writes the entry unless this object version is already registered. Returns the stored entry
   * and whether this call created it; a duplicate delivery gets `created: false` and changes
   * nothing. A tracked entry also notes its logical output under its pipeline (an idempotent
   * upsert, repeated on duplicates so an interrupted first delivery is completed by the next).
   */
  async register(entry: RegistryEntry): Promise<{ created: boolean; entry: RegistryEntry }> {
    if (entry.pipeline !== undefined && entry.step !== undefined && entry.output !== undefined) {
      await this.noteLogicalOutput(
        { pipeline: entry.pipeline, step: entry.step, output: entry.output },
        entry.dataType,
        entry.registeredAt,
      );
    }
    // The SDK retries a put whose answer was lost (a dropped connection) and the retry finds the
    // entry the first attempt wrote: the writer token tells that apart from another delivery's entry,
    // which would otherwise end this execution as a duplicate and leave the version pending for good.
    const item: RegistryEntry = { ...entry, registeredBy: entry.registeredBy ?? randomUUID() };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { created: true, entry: item };
    } catch (error) {
      if (isConditionFailed(error)) {
        const existing = await this.get(entry.pk, entry.sk);
        if (existing && existing.registeredBy === item.registeredBy)
          return { created: true, entry: existing };
        if (existing?.status === 'error') {
          const reopened = await this.reopenErrored(existing, item);
          if (reopened) return { created: true, entry: reopened };
        }
        return { created: false, entry: existing ?? entry };
      }
      return mapDynamoError(error, `register ${entry.uri}`);
    }
  }

  /**
   * A version whose test ended in `error` was never judged: a new execution for it (a re-test, or a
   * later delivery of its event) takes it back to pending and tests it, as its writer. The condition
   * names the writer that recorded the error, so of two executions re-opening at once only one wins;
   * the other sees a pending entry it did not write and ends as a duplicate. The last error is kept
   * as `previousError` so the history of the version stays readable.
   */
  private async reopenErrored(
    existing: RegistryEntry,
    item: RegistryEntry,
  ): Promise<RegistryEntry | undefined> {
    const previous = [existing.failureReason, existing.failureCause]
      .filter((x) => x !== undefined)
      .join(': ');
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: existing.pk, sk: existing.sk },
          UpdateExpression:
            'SET #status = :pending, registeredBy = :by, updatedAt = :now, previousError = :previous REMOVE failureReason, failureCause ADD revision :one',
          ConditionExpression:
            '#status = :error AND ' +
            (existing.registeredBy === undefined
              ? 'attribute_not_exists(registeredBy)'
              : 'registeredBy = :was'),
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':error': 'error',
            ':by': item.registeredBy,
            ':now': this.now().toISOString(),
            ':previous': previous.slice(0, 2_000) || 'error',
            ':one': 1,
            ...(existing.registeredBy === undefined ? {} : { ':was': existing.registeredBy }),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toEntry(out.Attributes ?? {});
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      return mapDynamoError(error, `re-open ${existing.uri} for a new test`);
    }
  }

  private async noteLogicalOutput(name: OutputName, dataType: DataType, at: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: pipelinePk(name.pipeline), sk: `OUT#${name.step}#${name.output}` },
          UpdateExpression:
            'SET #pipeline = :pipeline, #step = :step, #output = :output, dataType = if_not_exists(dataType, :dataType), firstRegisteredAt = if_not_exists(firstRegisteredAt, :at)',
          ExpressionAttributeNames: { '#pipeline': 'pipeline', '#step': 'step', '#output': 'output' },
          ExpressionAttributeValues: {
            ':pipeline': name.pipeline,
            ':step': name.step,
            ':output': name.output,
            ':dataType': dataType,
            ':at': at,
          },
        }),
      );
    } catch (error) {
      mapDynamoError(error, `note logical output ${formatOutputName(name)}`);
    }
  }

  async get(pk: string, sk: string): Promise<RegistryEntry | undefined> {
    try {
      const out = await this.db.send(
        new GetCommand({ TableName: this.tableName, Key: { pk, sk }, ConsistentRead: true }),
      );
      return out?.Item ? toEntry(out.Item) : undefined;
    } catch (error) {
      return mapDynamoError(error, `read registry item ${pk}`);
    }
  }

  /**
   * An object version by URI: `version` is a version id, `etag:<etag>` (unversioned buckets) or a
   * bare ETag; without it, the newest registered version of the key.
   */
  async find(uri: string, version?: string): Promise<RegistryEntry | undefined> {
    if (version === undefined) return (await this.versionsOf(uri))[0];
    const token = version.replace(/^VER#/, '');
    const found = await this.get(objectPk(uri), `VER#${token}`);
    if (found || token.startsWith('etag:')) return found;
    return this.get(objectPk(uri), `VER#etag:${token.replace(/"/g, '')}`);
  }

  /** Every registered version of an object key, newest first. */
  async versionsOf(uri: string): Promise<RegistryEntry[]> {
    const items = await this.queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :ver)',
        ExpressionAttributeValues: { ':pk': objectPk(uri), ':ver': 'VER#' },
      },
      `list versions of ${uri}`,
    );
    return items.sort(byNewest);
  }

  /** Newest registered version of a logical output, preferring one of the given pipeline run. */
  async latest(
    pipeline: string,
    step: string,
    output: string,
    runId?: string,
  ): Promise<RegistryEntry | undefined> {
    const name = { pipeline, step, output };
    // A deleted version is kept (lineage points at it) but is nobody's latest: its bytes are gone.
    if (runId !== undefined) {
      const [newest] = (await this.runObjects(name, runId))
        .filter((e) => e.status !== 'deleted')
        .sort(byNewest);
      if (newest) return newest;
    }
    // One version a page: the newest is almost always live, and a deleted one only costs a page.
    let cursor: string | undefined;
    do {
      const page = await this.versions(name, { limit: 1, ...(cursor ? { cursor } : {}) });
      const live = page.items.find((e) => e.status !== 'deleted');
      if (live) return live;
      cursor = page.cursor;
    } while (cursor);
    return undefined;
  }

  /** Versions of a logical output, newest registration first, one page at a time. */
  async versions(name: OutputName, request: PageRequest = {}): Promise<Page<RegistryEntry>> {
    const pk = outputIndexKey(name.pipeline, name.step, name.output);
    return this.page(
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ScanIndexForward: false,
      },
      OUTPUT_INDEX_KEYS,
      `gsi1|${pk}`,
      request,
      `list versions of ${formatOutputName(name)}`,
    );
  }

  /** Every object registered in a pipeline run (optionally of one step or output), by step/output/key. */
  async runOutputs(
    pipeline: string,
    runId: string,
    request: PageRequest & { readonly step?: string; readonly output?: string } = {},
  ): Promise<Page<RegistryEntry>> {
    const pk = runIndexKey(pipeline, runId);
    const prefix =
      request.step === undefined
        ? ''
        : request.output === undefined
          ? `${request.step}#`
          : `${request.step}#${request.output}#`;
    return this.page(
      {
        IndexName: 'gsi2',
        KeyConditionExpression: prefix ? 'gsi2pk = :run AND begins_with(gsi2sk, :prefix)' : 'gsi2pk = :run',
        ExpressionAttributeValues: { ':run': pk, ...(prefix ? { ':prefix': prefix } : {}) },
      },
      RUN_INDEX_KEYS,
      `gsi2|${pk}|${prefix}`,
      request,
      `list outputs of run ${pipeline}/${runId}`,
    );
  }

  /** Every version registered for a logical output in one run (all pages). */
  async runObjects(name: OutputName, runId: string): Promise<RegistryEntry[]> {
    return this.queryAll(
      {
        IndexName: 'gsi2',
        KeyConditionExpression: 'gsi2pk = :run AND begins_with(gsi2sk, :prefix)',
        ExpressionAttributeValues: {
          ':run': runIndexKey(name.pipeline, runId),
          ':prefix': `${name.step}#${name.output}#`,
        },
      },
      `find ${formatOutputName(name)} in run ${runId}`,
    );
  }

  /** The logical outputs a pipeline has registered, sorted by step and output. */
  async logicalOutputs(pipeline: string): Promise<OutputName[]> {
    const items = await this.queryAll(
      {
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :out)',
        ExpressionAttributeValues: { ':pk': pipelinePk(pipeline), ':out': 'OUT#' },
      },
      `list outputs of pipeline ${pipeline}`,
    );
    return items
      .map((i) => ({ pipeline, step: String(i.step), output: String(i.output) }))
      .sort((a, b) => formatOutputName(a).localeCompare(formatOutputName(b)));
  }

  /**
   * Moves a version's status forward (status-transitions.ts; the state machine records test results
   * itself, so this serves what happens to a version afterwards, such as its deletion) and records
   * the details with it. Writing the status the version already has changes nothing. A compare-and-set
   * on `status` and `revision` makes concurrent writers safe: exactly one leaves `pending`; the
   * others re-read and either find their status already there or fail with StatusTransitionError.
   */
  async transition(
    ref: Pick<RegistryEntry, 'pk' | 'sk'>,
    to: TestStatus,
    details: StatusDetails = {},
    maxAttempts = 8,
  ): Promise<TransitionResult> {
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const current = await this.get(ref.pk, ref.sk);
      const uri = current?.uri ?? ref.pk.replace(/^OBJ#/, '');
      if (!current) throw new NotRegisteredError(`${uri} (${ref.sk}) is not registered; nothing to update`);
      if (current.status === to) return { changed: false, entry: current };
      if (!canTransition(current.status, to)) throw new StatusTransitionError(uri, current.status, to);

      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = {
        ':to': to,
        ':from': current.status,
        ':now': this.now().toISOString(),
        ':one': 1,
      };
      const sets = ['#status = :to', 'updatedAt = :now'];
      for (const [field, value] of Object.entries(details) as [keyof StatusDetails, unknown][]) {
        if (value === undefined) continue;
        if (field === 'failedRules') {
          const rules = value as readonly string[];
          if (rules.length === 0) continue;
          values[':failedRules'] = new Set(rules);
        } else values[`:${field}`] = value;
        sets.push(`${field} = :${field}`);
      }
      let condition = '#status = :from AND ';
      if (current.revision === undefined) condition += 'attribute_not_exists(revision)';
      else {
        condition += 'revision = :revision';
        values[':revision'] = current.revision;
      }
      try {
        const out = await this.db.send(
          new UpdateCommand({
            TableName: this.tableName,
            Key: { pk: ref.pk, sk: ref.sk },
            UpdateExpression: `SET ${sets.join(', ')} ADD revision :one`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return { changed: true, entry: toEntry(out.Attributes ?? {}) };
      } catch (error) {
        if (isConditionFailed(error)) continue;
        return mapDynamoError(error, `set status of ${uri} to ${to}`);
      }
    }
    throw new ConcurrentUpdateError(
      `${ref.pk.replace(/^OBJ#/, '')} (${ref.sk}) kept changing during ${maxAttempts} attempts to set its status to ${to}; retry later`,
    );
  }

  private async queryAll(
    query: Omit<QueryCommandInput, 'TableName'>,
    what: string,
  ): Promise<RegistryEntry[]> {
    const items: RegistryEntry[] = [];
    let start: Record<string, unknown> | undefined;
    try {
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            ...query,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        items.push(...itemsOf(out).map(toEntry));
        start = out?.LastEvaluatedKey;
      } while (start);
    } catch (error) {
      return mapDynamoError(error, what);
    }
    return items;
  }

  /**
   * One page of a query. A status filter is applied by DynamoDB after its own page limit, so the
   * loop reads on until the page is full; the cursor is then the key of the last item returned
   * (valid as ExclusiveStartKey on the index), never a position inside a filtered-out stretch.
   */
  private async page(
    query: Omit<QueryCommandInput, 'TableName'>,
    keyNames: readonly string[],
    scope: string,
    request: PageRequest,
    what: string,
  ): Promise<Page<RegistryEntry>> {
    const limit = Math.max(1, Math.min(MAX_PAGE, Math.trunc(request.limit ?? 50)));
    const statuses = statusList(request.status);
    const fullScope = `${scope}|${[...statuses].sort().join(',')}`;
    let start: Record<string, unknown> | undefined = request.cursor
      ? decodeCursor(request.cursor, fullScope)
      : undefined;
    const filter =
      statuses.length > 0
        ? {
            FilterExpression: `#status IN (${statuses.map((_s, i) => `:status${i}`).join(', ')})`,
            ExpressionAttributeNames: { ...query.ExpressionAttributeNames, '#status': 'status' },
            ExpressionAttributeValues: {
              ...query.ExpressionAttributeValues,
              ...Object.fromEntries(statuses.map((s, i) => [`:status${i}`, s])),
            },
          }
        : {};
    const collected: Record<string, unknown>[] = [];
    const keyOf = (item: Record<string, unknown>): Record<string, string> =>
      Object.fromEntries(keyNames.map((k) => [k, String(item[k])]));
    try {
      for (;;) {
        const want = limit - collected.length;
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.tableName,
            ...query,
            ...filter,
            Limit: statuses.length > 0 ? Math.max(want, FILTERED_BATCH) : want,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        );
        const items = itemsOf(out);
        for (let i = 0; i < items.length; i++) {
          if (collected.length === limit) {
            return {
              items: collected.map(toEntry),
              cursor: encodeCursor(keyOf(collected.at(-1)!), fullScope),
            };
          }
          collected.push(items[i]!);
        }
        const next = out?.LastEvaluatedKey;
        if (!next) return { items: collected.map(toEntry) };
        if (collected.length === limit) {
          return { items: collected.map(toEntry), cursor: encodeCursor(keyOf(next), fullScope) };
        }
        start = next;
      }
    } catch (error) {
      return mapDynamoError(error, what);
    }
  }
}
