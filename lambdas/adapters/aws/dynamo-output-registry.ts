/**
 * The output registry (lambdas/core/registry/output-registry.ts) in DynamoDB: one item per object
 * version that arrived, keyed so that a second delivery of the same version finds the first
 * (idempotent conditional put), and indexed so that a logical output (pipeline/step/output) and a
 * pipeline run are queryable. Layout:
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
import {
  awaitsFirstTest,
  formatOutputName,
  isExpectationEntry,
  type OutputName,
  objectPk,
  outputIndexKey,
  pipelinePk,
  runIndexKey,
  type DataType,
  type OutputRegistry,
  type Page,
  type PageRequest,
  type Publication,
  type RecordedEdge,
  type RegistryEntry,
  type StatusDetails,
  type TransitionResult,
  decodeCursor,
  encodeCursor,
  ConcurrentUpdateError,
  NotRegisteredError,
  StatusTransitionError,
  canTransition,
  type TestStatus,
} from '../../core/registry';
import { isConditionFailed, mapDynamoError } from './dynamo-errors';

const OUTPUT_INDEX_KEYS = ['pk', 'sk', 'gsi1pk', 'gsi1sk'] as const;
const RUN_INDEX_KEYS = ['pk', 'sk', 'gsi2pk', 'gsi2sk'] as const;
const MAX_PAGE = 1000;
const FILTERED_BATCH = 200;

/**
 * The state machine records a null quarantine URI as the text `null` (States.Format cannot write a
 * typed null); the read model leaves such values out.
 */
function toEntry(item: Record<string, unknown>): RegistryEntry {
  const { consumerEdges: rawEdges, ...fields } = item;
  // Recorded consumer edges are checked member by member; none readable, no attribute.
  const edges = rawEdges === undefined ? [] : edgesOfItem(rawEdges);
  const read = edges.length > 0 ? { ...fields, consumerEdges: edges } : fields;
  const quarantine = read['quarantineUri'];
  if (quarantine !== undefined && !(typeof quarantine === 'string' && quarantine.startsWith('s3://'))) {
    const { quarantineUri: _dropped, ...rest } = read;
    return rest as unknown as RegistryEntry;
  }
  return read as unknown as RegistryEntry;
}

/** The item attribute of recorded consumer edges: a list of maps, one per consumer. */
export function edgesToItem(edges: readonly RecordedEdge[]): Record<string, unknown>[] {
  return edges.map((e) => ({
    consumer: e.consumer,
    level: e.level,
    accepts: e.accepts,
    breaks: e.breaks,
    onBreak: e.onBreak,
    reason: e.reason,
  }));
}

/**
 * Consumer edges read back from an item: a list of maps with the fields edgesToItem writes; a
 * member of another shape (an item written by hand, a future field layout) is left out rather than
 * shown half-read.
 */
export function edgesOfItem(value: unknown): RecordedEdge[] {
  if (!Array.isArray(value)) return [];
  const out: RecordedEdge[] = [];
  for (const raw of value as unknown[]) {
    if (typeof raw !== 'object' || raw === null) continue;
    const m = raw as Record<string, unknown>;
    const { consumer, level, accepts, breaks, onBreak, reason } = m;
    if (
      typeof consumer === 'string' &&
      typeof level === 'string' &&
      typeof accepts === 'string' &&
      typeof breaks === 'boolean' &&
      (onBreak === 'fail' || onBreak === 'warn') &&
      typeof reason === 'string'
    )
      out.push({ consumer, level, accepts, breaks, onBreak, reason });
  }
  return out;
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

export class DynamoOutputRegistry implements OutputRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Writes the entry unless this object version is already registered. Returns the stored entry
   * and whether this call created it; a duplicate delivery gets `created: false` and changes
   * nothing. A tracked entry also notes its logical output under its pipeline (an idempotent
   * upsert, repeated on duplicates so an interrupted first delivery is completed by the next).
   */
  async register(entry: RegistryEntry): Promise<{ created: boolean; entry: RegistryEntry }> {
    // A canary output is no output of the pipeline's: it is not noted among its logical outputs.
    if (
      entry.dataType !== 'canary' &&
      entry.pipeline !== undefined &&
      entry.step !== undefined &&
      entry.output !== undefined
    ) {
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
        if (existing && awaitsFirstTest(existing) && entry.dataType === 'pipeline') {
          const claimed = await this.claimSynthetic(existing, item);
          if (claimed) return { created: true, entry: claimed };
        }
        if (existing?.dataType === 'pipeline' && awaitsFirstTest(item))
          return { created: false, entry: await this.markSynthetic(existing, item) };
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

  /**
   * `prt generate` registers what it writes to S3 as synthetic and pending; the object's arrival
   * then finds that entry. It is a version never tested, not a duplicate delivery: the arrival's
   * execution takes it over (its entry, still marked synthetic with the generator's note) and tests
   * it like any arrival. The condition names the generator's writer token, so of two deliveries of
   * the event only one takes it; the other ends as a duplicate.
   */
  private async claimSynthetic(
    existing: RegistryEntry,
    item: RegistryEntry,
  ): Promise<RegistryEntry | undefined> {
    const claimed: RegistryEntry = {
      ...item,
      dataType: 'synthetic',
      ...(existing.note !== undefined ? { note: existing.note } : {}),
    };
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: claimed,
          ConditionExpression: '#status = :pending AND dataType = :synthetic AND registeredBy = :was',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':pending': 'pending',
            ':synthetic': 'synthetic',
            ':was': existing.registeredBy,
          },
        }),
      );
      return claimed;
    } catch (error) {
      if (isConditionFailed(error)) return undefined;
      return mapDynamoError(error, `take over the synthetic entry of ${existing.uri} for its test`);
    }
  }

  /**
   * The other order of the same meeting: the object's arrival registered it before the generator
   * did. Its execution tests it; the entry is only marked synthetic, with the generator's note.
   */
  private async markSynthetic(existing: RegistryEntry, item: RegistryEntry): Promise<RegistryEntry> {
    try {
      const out = await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: existing.pk, sk: existing.sk },
          UpdateExpression: 'SET dataType = :synthetic' + (item.note !== undefined ? ', note = :note' : ''),
          ConditionExpression: 'dataType = :pipeline',
          ExpressionAttributeValues: {
            ':synthetic': 'synthetic',
            ':pipeline': 'pipeline',
            ...(item.note !== undefined ? { ':note': item.note } : {}),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toEntry(out.Attributes ?? {});
    } catch (error) {
      if (isConditionFailed(error)) return existing;
      return mapDynamoError(error, `mark ${existing.uri} as synthetic`);
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
        .filter((e) => e.status !== 'deleted' && !isExpectationEntry(e))
        .sort(byNewest);
      if (newest) return newest;
    }
    // One version a page: the newest is almost always live, and a deleted one only costs a page.
    let cursor: string | undefined;
    do {
      const page = await this.versions(name, { limit: 1, ...(cursor ? { cursor } : {}) });
      // Nor is an expected window's entry (missing or late): no object stands behind it.
      const live = page.items.find((e) => e.status !== 'deleted' && !isExpectationEntry(e));
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

  async recordConsumerEdges(
    ref: Pick<RegistryEntry, 'pk' | 'sk'>,
    edges: readonly RecordedEdge[],
  ): Promise<void> {
    const uri = ref.pk.replace(/^OBJ#/, '');
    try {
      // The status and its revision stay the state machine's: this write touches the edges only.
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: ref.pk, sk: ref.sk },
          UpdateExpression: 'SET consumerEdges = :edges, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':edges': edgesToItem(edges), ':now': this.now().toISOString() },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error))
        throw new NotRegisteredError(`${uri} (${ref.sk}) is not registered; no consumer edges recorded`);
      return mapDynamoError(error, `record the consumer edges of ${uri}`);
    }
  }

  async recordPublication(ref: Pick<RegistryEntry, 'pk' | 'sk'>, publication: Publication): Promise<void> {
    const uri = ref.pk.replace(/^OBJ#/, '');
    try {
      // The status and its revision stay the state machine's: this write touches the publication only.
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: ref.pk, sk: ref.sk },
          UpdateExpression: 'SET publication = :publication, updatedAt = :now',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':publication': { ...publication }, ':now': this.now().toISOString() },
        }),
      );
    } catch (error) {
      if (isConditionFailed(error))
        throw new NotRegisteredError(`${uri} (${ref.sk}) is not registered; its publication is not recorded`);
      return mapDynamoError(error, `record the publication of ${uri}`);
    }
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
