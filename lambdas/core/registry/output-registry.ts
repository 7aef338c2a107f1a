/**
 * The output-path registry, as the core sees it: one entry per object version that arrived, keyed
 * so that a second delivery of the same version finds the first (idempotent registration), and
 * indexed so that a logical output (pipeline/step/output) and a pipeline run are queryable. The
 * DynamoDB implementation is lambdas/adapters/aws/dynamo-output-registry.ts; its table layout is
 * lib/config/registry-table-layout.ts, and the README's "Registry and lineage" section draws it.
 *
 * The key helpers below are the layout's vocabulary, shared by whoever writes or reads entries:
 * - one version of an object:            pk = OBJ#<uri>, sk = VER#<versionId | etag:ETAG>
 * - versions of a logical output:        gsi1pk = OUT#p#s#o (gsi1sk starts with registeredAt)
 * - every output of a pipeline run:      gsi2pk = RUN#p#runId, gsi2sk = step#output#uri#VER#version
 * - the logical outputs of a pipeline:   pk = PIPE#p (one marker item per logical output)
 *
 * Status writes move forward only (status-transitions.ts).
 */
import type { OutputName } from './output-name';
import type { TestStatus } from './status-transitions';

export type { TestStatus } from './status-transitions';

/**
 * `canary`: an output the synthetic canary generated under its own prefix (lambdas/core/canary). It
 * is tested like any arrival but has no output or run index keys, so it is never a pipeline's
 * latest version and no listing of the pipeline shows it; it is found by its URI.
 */
export type DataType = 'pipeline' | 'synthetic' | 'converted' | 'canary';

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
  /** The version graded for each step that reads it, as its validation recorded it. */
  readonly consumerEdges?: readonly RecordedEdge[];
  /** A gated output's version: where it was published, or why it was not (write-audit-publish). */
  readonly publication?: Publication;
  readonly rowCount?: number;
  /**
   * An expected window's entry (status `missing`, then `late`; lambdas/core/expectations): the
   * expectation as written, the window a version was due in, and the version that came after it.
   */
  readonly expectation?: string;
  readonly windowStart?: string;
  readonly expectedBy?: string;
  readonly arrivedAt?: string;
  readonly arrivalUri?: string;
  readonly arrivalVersion?: string;
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

/**
 * One consumer's grade of a tested version, as the registry keeps it: who reads it, the level the
 * version graded for that reader, the least level the reader accepts, whether the edge broke (and
 * what the reader declared a break does) and why, in words.
 */
export interface RecordedEdge {
  /** Logical name of the consuming step's output (`pipeline/step/output`). */
  readonly consumer: string;
  readonly level: string;
  readonly accepts: string;
  readonly breaks: boolean;
  readonly onBreak: 'fail' | 'warn';
  /** The changes that set the level (`v: int64 read as int32: 1 of 2 values do not fit int32`). */
  readonly reason: string;
}

/**
 * What the Publish step did with a gated output's tested version: copied it to the published path
 * (`uri`, and the copy's version token), or withheld it in staging, saying why.
 */
export type Publication =
  | { readonly state: 'published'; readonly uri: string; readonly version: string; readonly at: string }
  | { readonly state: 'withheld'; readonly reason: string; readonly at: string };

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
  /** A missing window closed as late: when and which version came. */
  readonly arrivedAt?: string;
  readonly arrivalUri?: string;
  readonly arrivalVersion?: string;
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

/**
 * The writer token `prt generate` gives the entries of what it writes to S3: such an entry is a
 * version no execution has taken yet, which the object's arrival takes over and tests.
 */
export const GENERATED_WRITER = 'generated:';

/** A synthetic entry as the generator left it: pending, and no execution has taken it. */
export function awaitsFirstTest(entry: Pick<RegistryEntry, 'dataType' | 'status' | 'registeredBy'>): boolean {
  return (
    entry.dataType === 'synthetic' &&
    entry.status === 'pending' &&
    entry.registeredBy?.startsWith(GENERATED_WRITER) === true
  );
}

/** Partition of an output's expected windows: `EXP#pipeline/step/output` (no object behind it). */
export function expectationPk(pipeline: string, step: string, output: string): string {
  return `EXP#${pipeline}/${step}/${output}`;
}

/**
 * Whether an entry is an expected window's (missing or late) rather than an object version: it is
 * listed with the output's versions, but it is nobody's latest and no data to read.
 */
export function isExpectationEntry(entry: Pick<RegistryEntry, 'pk'>): boolean {
  return entry.pk.startsWith('EXP#');
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

export interface OutputRegistry {
  /**
   * Writes the entry unless this object version is already registered. Returns the stored entry
   * and whether this call created it; a duplicate delivery gets `created: false` and changes
   * nothing. A tracked entry also notes its logical output under its pipeline. A version whose
   * test ended in `error` is re-opened (back to pending) for the new execution, which then counts
   * as its writer.
   */
  register(entry: RegistryEntry): Promise<{ created: boolean; entry: RegistryEntry }>;
  get(pk: string, sk: string): Promise<RegistryEntry | undefined>;
  /**
   * An object version by URI: `version` is a version id, `etag:<etag>` (unversioned buckets) or a
   * bare ETag; without it, the newest registered version of the key.
   */
  find(uri: string, version?: string): Promise<RegistryEntry | undefined>;
  /** Every registered version of an object key, newest first. */
  versionsOf(uri: string): Promise<RegistryEntry[]>;
  /**
   * Newest registered version of a logical output, preferring one of the given pipeline run. A
   * deleted version is nobody's latest.
   */
  latest(pipeline: string, step: string, output: string, runId?: string): Promise<RegistryEntry | undefined>;
  /** Versions of a logical output, newest registration first, one page at a time. */
  versions(name: OutputName, request?: PageRequest): Promise<Page<RegistryEntry>>;
  /** Every object registered in a pipeline run (optionally of one step or output), by step/output/key. */
  runOutputs(
    pipeline: string,
    runId: string,
    request?: PageRequest & { readonly step?: string; readonly output?: string },
  ): Promise<Page<RegistryEntry>>;
  /** Every version registered for a logical output in one run (all pages). */
  runObjects(name: OutputName, runId: string): Promise<RegistryEntry[]>;
  /** The logical outputs a pipeline has registered, sorted by step and output. */
  logicalOutputs(pipeline: string): Promise<OutputName[]>;
  /**
   * Moves a version's status forward (status-transitions.ts; the state machine records test results
   * itself, so this serves what happens to a version afterwards, such as its deletion) and records
   * the details with it. Writing the status the version already has changes nothing; a move
   * status-transitions.ts forbids is a StatusTransitionError, an unknown version NotRegisteredError.
   */
  transition(
    ref: Pick<RegistryEntry, 'pk' | 'sk'>,
    to: TestStatus,
    details?: StatusDetails,
  ): Promise<TransitionResult>;
  /**
   * Records a tested version's consumer edges (replacing those of an earlier test of it), so
   * lineage shows them as graded when the version landed. An unknown version is NotRegisteredError.
   */
  recordConsumerEdges(ref: Pick<RegistryEntry, 'pk' | 'sk'>, edges: readonly RecordedEdge[]): Promise<void>;
  /**
   * Records on a gated output's version where it was published (or why it was not), leaving its
   * status to the state machine. Writing it again replaces it; an unknown version is NotRegisteredError.
   */
  recordPublication(ref: Pick<RegistryEntry, 'pk' | 'sk'>, publication: Publication): Promise<void>;
}
