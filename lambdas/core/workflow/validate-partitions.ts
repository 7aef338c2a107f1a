/**
 * The partitioned branch's two validation steps. A partitioned output is a folder of part files
 * (Spark, Glue) completed by a `_SUCCESS` marker; the marker's execution runs a Distributed Map
 * whose items are the folder's data parts, as the plan step wrote them to a manifest
 * (plan-parts.ts):
 *
 * - `validatePart` (one Map item): validates one part against the output's contract and stores its
 *   mergeable ValidationState, with what it found about the part, as a JSON envelope under the
 *   dataset's report key. Data problems in a part (unreadable, wrong format, changed since listed)
 *   are recorded in the envelope, not thrown: they are findings about the output, and a thrown
 *   error would be retried and then counted against the map's tolerated failures. Dependency
 *   errors are thrown, so Step Functions retries them.
 * - `mergeParts` (after the Map): merges the envelopes in key order (the order the parts
 *   concatenate to) into the report of one pass over the whole dataset, with the parts that could
 *   not be read or validated named in it, and stores it where a single object's report would be.
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import { logicalName, type OutputContract } from '../contracts/output-contract';
import { ContractError, IncompleteTestError, PrtError } from '../errors';
import { byteOrder, isDataPart } from '../registry/dataset-parts';
import type { OutputRegistry } from '../registry/output-registry';
import { ObjectNotFoundError, parseS3Uri, readText, s3Uri, type ObjectStore } from '../storage/object-store';
import type { ReaderLimits } from '../formats/table-io';
import { judgedAgainstHistory } from './judge-history';
import { loadRuleReferences, runPartialValidation } from '../validation/run-validation';
import { ValidationState, type ValidationStateJson } from '../validation/validate-records';
import type { ValidationReport, ValidationStatus } from '../validation/validation-report';
import { folderKey, versionToken } from './artifact-keys';
import { boundResult } from './bounded-result';
import { inspectOutput } from './inspect-output';
import { readManifestKeys } from './plan-parts';
import { COMPLETION_MARKER } from './register-output';
import {
  consumersOfContract,
  judgedByConsumers,
  recordConsumerEdges,
  registryResolver,
  storeReport,
  type StoredReport,
} from './validate-output';
import type { ObjectRange } from './validate-ranges';
import { partitionValuesOf } from '../validation/partition-values';
import {
  convertPart,
  publishConvertedFolder,
  type PartConversion,
  type PartConversionFound,
} from './convert-parts';
import type { ObjectRef, RegisteredOutput, ValidateResult } from './workflow-types';

export { isDataPart } from '../registry/dataset-parts';

/** One part of the dataset's folder, as the plan's manifest (in S3 ListObjectsV2's item shape) lists it. */
export interface PartItem {
  readonly Key: string;
  readonly Size: number;
  /** Quoted, as ListObjectsV2 returns it; some tools spell it ETag. */
  readonly Etag?: string;
  readonly ETag?: string;
  /** Set on the items of one object's ranges (validate-ranges.ts), never on a folder's parts. */
  readonly Range?: ObjectRange;
}

export interface ValidatePartInput {
  readonly part: PartItem;
  /** The dataset: its folder as `key`, its version fixed by the marker. */
  readonly dataset: ObjectRef;
  readonly output: RegisteredOutput;
}

export interface ValidatePartResult {
  readonly key: string;
  readonly rows: number;
  /** Markers, hidden files and folders are not parts. */
  readonly skipped: boolean;
}

export interface MergePartsInput {
  readonly dataset: ObjectRef;
  readonly output: RegisteredOutput;
  /** The map's ToleratedFailurePercentage: parts left unvalidated within it make the output warned, not failed. */
  readonly toleratedFailurePercentage: number;
  /**
   * Where the plan step wrote the parts the map was given (plan-parts.ts); absent before it
   * existed. Its kind is `ranges` when the items were the ranges of one object (validate-ranges.ts).
   */
  readonly manifest?: { readonly key: string; readonly kind?: 'parts' | 'ranges' };
}

export interface PartitionDeps {
  readonly store: ObjectStore;
  readonly catalog: ContractCatalog;
  readonly artifactsBucket: string;
  readonly reportsPrefix: string;
  readonly quarantinePrefix: string;
  readonly now: () => Date;
  readonly registry?: Pick<OutputRegistry, 'latest' | 'versions' | 'recordConsumerEdges'>;
  readonly renderHtml?: (report: StoredDatasetReport) => string;
  /** Envelopes read at once by the merge. */
  readonly readConcurrency?: number;
  /** How long the merge waits for a folder still changing after its marker (see PartsSettle). */
  readonly settle?: Partial<PartsSettle>;
  /** Waits between listings of a settling folder (tests pass one that returns at once). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Bounds each part (and any reference) is read within; each absent limit is its reader's default. */
  readonly readerLimits?: ReaderLimits;
  /** The results dataset's prefix (see ValidateDeps). */
  readonly resultsPrefix?: string;
  /** Where parts are converted to when the contract has `convert_to` (convert-parts.ts). */
  readonly convertedPrefix?: string;
}

/**
 * `aws s3 sync` uploads `_SUCCESS` alongside the parts, not last, so the Map may list a folder
 * still being written. A folder is still changing when a part is newer than its marker, a part
 * changed between the Map's listing and its read, or a part appeared since. The merge then lists
 * the folder again every `pollMs` until two listings agree, for at most `windowMs`, validates
 * again the parts that changed (at most `maxRevalidatedParts`, inside the merge's own Lambda
 * timeout of 300 s) and merges; a folder that does not settle fails with rule `parts_settled`.
 */
export interface PartsSettle {
  readonly windowMs: number;
  readonly pollMs: number;
  readonly maxRevalidatedParts: number;
}

export const DEFAULT_PARTS_SETTLE: PartsSettle = {
  windowMs: 60_000,
  pollMs: 5_000,
  maxRevalidatedParts: 100,
};

/** The envelope error of a part that changed between the folder's listing and its read. */
const PART_CHANGED = 'PartChangedError';

/** What one part's validation left for the merge. */
export interface PartEnvelope {
  readonly schemaVersion: 1;
  readonly part: string;
  readonly etag: string;
  readonly size: number;
  readonly format: { readonly detected: string; readonly compression: string; readonly matches: boolean };
  readonly rows: number;
  readonly quarantinedRows: number;
  /** Why the part could not be validated (a finding about the data), or null. */
  readonly error: { readonly name: string; readonly message: string } | null;
  readonly state: ValidationStateJson | null;
  /** The part converted to the contract's `convert_to`, with its proof; absent without one. */
  readonly conversion?: PartConversion;
}

/** Per-part lists in the report stop here; the counts stay exact. */
const LISTED_PARTS = 100;

function partsFolder(prefix: string, dataset: ObjectRef): string {
  return `${prefix}${dataset.bucket}/${folderKey(dataset.key)}/${versionToken(dataset)}.parts/`;
}

export function envelopeKey(
  deps: Pick<PartitionDeps, 'reportsPrefix'>,
  dataset: ObjectRef,
  part: string,
): string {
  return `${partsFolder(deps.reportsPrefix, dataset)}${part.slice(dataset.key.length)}.json`;
}

/**
 * Data findings are recorded: the part is unreadable, not what it claims, changed or gone since it
 * was listed. Anything else (throttling, a dependency down) is thrown for the map to retry.
 */
function isDataFinding(error: unknown): error is Error {
  return (
    error instanceof ObjectNotFoundError ||
    (error instanceof PrtError &&
      ['FormatError', 'IntegrityError', 'ContractError', 'PartitionPathError'].includes(error.name))
  );
}

export async function validatePart(
  input: ValidatePartInput,
  deps: PartitionDeps,
): Promise<ValidatePartResult> {
  const { part, dataset, output } = input;
  if (!isDataPart(dataset.key, part.Key)) return { key: part.Key, rows: 0, skipped: true };
  const contract = await deps.catalog.get(output.contractKey);
  const etag = (part.Etag ?? part.ETag ?? '').replace(/"/g, '');
  const ref: ObjectRef = {
    ...dataset,
    key: part.Key,
    etag,
    size: part.Size,
    versionId: null,
    uri: s3Uri(dataset.bucket, part.Key),
  };
  const quarantineKey = `${partsFolder(deps.quarantinePrefix, dataset)}${part.Key.slice(dataset.key.length)}.jsonl`;
  let envelope: PartEnvelope;
  let format: PartEnvelope['format'] = { detected: 'unknown', compression: 'none', matches: false };
  try {
    // The Map listed the part; if it changed since, the folder is still being written (the merge
    // settles it) — not an object "overwritten since its arrival event": parts have no event.
    const head = await deps.store.head(dataset.bucket, part.Key);
    if (head.size !== part.Size || (etag !== '' && head.etag !== etag)) {
      envelope = finding(part.Key, etag, part.Size, format, {
        name: PART_CHANGED,
        message: `${ref.uri} changed after the folder was listed: listed ${part.Size} bytes, ETag ${etag}; now ${head.size} bytes, ETag ${head.etag}`,
      });
      await writeEnvelope(deps, dataset, part.Key, envelope);
      return { key: part.Key, rows: 0, skipped: false };
    }
    const inspection = await inspectOutput({ object: ref, output }, deps);
    format = {
      detected: inspection.format,
      compression: inspection.compression,
      matches: inspection.formatMatches,
    };
    if (!inspection.formatMatches) {
      envelope = finding(part.Key, etag, part.Size, format, {
        name: 'FormatError',
        message: `expected ${contract.format}, found ${inspection.format}${inspection.compression === 'gzip' ? ' (gzip)' : ''}`,
      });
    } else {
      // Before any byte is read: a part whose folders do not give its partition columns is refused.
      const values = partitionValuesOf(contract, dataset.key, part.Key);
      const run = await runPartialValidation(contract, deps.store.source(dataset.bucket, part.Key), {
        ...(values.length > 0 ? { partition: { key: part.Key, values } } : {}),
        openSource: () => {
          throw new Error('parts never load reference samples');
        },
        resolveOutput: registryResolver(deps, output),
        quarantineSink: () => deps.store.sink(deps.artifactsBucket, quarantineKey, 'application/x-ndjson'),
        now: deps.now,
        ...(deps.readerLimits ? { readerLimits: deps.readerLimits } : {}),
      });
      envelope = {
        schemaVersion: 1,
        part: part.Key,
        etag,
        size: part.Size,
        format,
        rows: run.state.rowCount,
        quarantinedRows: run.quarantinedRows,
        error: null,
        state: run.state.toJSON(),
        // Converted in the same child: the merge publishes the converted folder only when every
        // part's proof passed and the folder did not fail its contract.
        ...(contract.convertTo
          ? { conversion: await convertPart(contract, dataset, { key: part.Key, etag }, deps) }
          : {}),
      };
    }
  } catch (error) {
    if (!isDataFinding(error)) throw error;
    envelope = finding(part.Key, etag, part.Size, format, {
      name: error.name,
      message: error.message,
    });
  }
  await writeEnvelope(deps, dataset, part.Key, envelope);
  return { key: part.Key, rows: envelope.rows, skipped: false };
}

async function writeEnvelope(
  deps: PartitionDeps,
  dataset: ObjectRef,
  part: string,
  envelope: PartEnvelope,
): Promise<void> {
  await deps.store.write(
    deps.artifactsBucket,
    envelopeKey(deps, dataset, part),
    JSON.stringify(envelope),
    'application/json',
  );
}

function finding(
  part: string,
  etag: string,
  size: number,
  format: PartEnvelope['format'],
  error: { name: string; message: string },
): PartEnvelope {
  return { schemaVersion: 1, part, etag, size, format, rows: 0, quarantinedRows: 0, error, state: null };
}

async function readEnvelope(deps: PartitionDeps, key: string): Promise<PartEnvelope | undefined> {
  try {
    return JSON.parse(await readText(deps.store, deps.artifactsBucket, key)) as PartEnvelope;
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/** Runs `work` over `items` with at most `limit` in flight, keeping the results in order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

export interface PartsSummary {
  readonly total: number;
  readonly validated: number;
  readonly bytes: number;
  readonly unreadable: number;
  readonly notValidated: number;
  /** The first parts that could not be read, with the reason. */
  readonly unreadableParts: readonly { readonly part: string; readonly error: string }[];
  /** The first parts whose validation failed after its retries (no envelope). */
  readonly notValidatedParts: readonly string[];
}

/**
 * A partitioned output's report. Its `object` is the folder: the folder's URI, the version Register
 * gave it (the marker's version id or event sequencer), the parts' total size and the marker's URI.
 * It has no ETag: the only one at hand is the marker's, the MD5 of an empty object, which is the
 * same for every folder and identifies none.
 */
export interface StoredDatasetReport extends Omit<StoredReport, 'object'> {
  readonly object: {
    readonly uri: string;
    readonly version: string;
    readonly size: number;
    readonly marker: string;
  };
  readonly parts: PartsSummary;
}

/** One data part as the merge lists it. */
interface ListedPart {
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  readonly lastModified?: Date;
}

async function listParts(deps: PartitionDeps, dataset: ObjectRef): Promise<ListedPart[]> {
  const parts: ListedPart[] = [];
  for await (const o of deps.store.list(dataset.bucket, dataset.key))
    if (isDataPart(dataset.key, o.key)) parts.push(o);
  return parts.sort((a, b) => byteOrder(a.key, b.key));
}

/** One merge over the envelopes of `parts`, and the parts whose envelope is not of the part listed. */
interface MergePass {
  readonly merged: ValidationState;
  readonly unreadable: { part: string; error: string }[];
  readonly notValidated: string[];
  readonly formats: Set<string>;
  readonly validated: number;
  readonly quarantined: number;
  readonly bytes: number;
  /** Parts that changed or appeared after the Map listed the folder, with why (full keys). */
  readonly stale: { part: ListedPart; why: string }[];
  /** Each validated part's conversion, in key order (contracts with `convert_to` only). */
  readonly conversions: PartConversionFound[];
}

async function mergePass(
  contract: OutputContract,
  dataset: ObjectRef,
  parts: readonly ListedPart[],
  markerTime: number,
  planned: ReadonlySet<string> | undefined,
  deps: PartitionDeps,
): Promise<MergePass> {
  const references = await loadRuleReferences(
    contract,
    {
      openSource: (l) => sourceOf(deps, l),
      ...(deps.readerLimits ? { readerLimits: deps.readerLimits } : {}),
    },
    {
      sets: false,
    },
  );
  const merged = new ValidationState(contract, {
    referenceSamples: references.referenceSamples,
    now: deps.now,
  });
  const pass: Omit<MergePass, 'validated' | 'quarantined' | 'bytes'> & {
    validated: number;
    quarantined: number;
    bytes: number;
  } = {
    merged,
    unreadable: [],
    notValidated: [],
    formats: new Set<string>(),
    validated: 0,
    quarantined: 0,
    bytes: 0,
    stale: [],
    conversions: [],
  };
  // Envelopes are read a window at a time and merged in key order, so memory holds one window.
  const window = (deps.readConcurrency ?? 16) * 4;
  for (let start = 0; start < parts.length; start += window) {
    const slice = parts.slice(start, start + window);
    const envelopes = await mapLimited(slice, deps.readConcurrency ?? 16, (k) =>
      readEnvelope(deps, envelopeKey(deps, dataset, k.key)),
    );
    envelopes.forEach((envelope, i) => {
      const part = slice[i]!;
      const { key, size } = part;
      pass.bytes += size;
      if (!envelope) {
        // A part the Map was not given (not in the plan's manifest), or one newer than the marker,
        // is new, not one whose validation failed.
        if (planned !== undefined && !planned.has(key))
          pass.stale.push({ part, why: 'appeared after the folder was planned' });
        else if (newerThan(part, markerTime))
          pass.stale.push({ part, why: 'written after the marker, after the folder was listed' });
        else pass.notValidated.push(key);
        return;
      }
      if (envelope.size !== size || (envelope.etag !== '' && envelope.etag !== part.etag)) {
        pass.stale.push({ part, why: 'changed after it was validated' });
        return;
      }
      if (envelope.error?.name === PART_CHANGED || envelope.error?.name === 'ObjectNotFoundError') {
        pass.stale.push({ part, why: envelope.error.message });
        return;
      }
      pass.formats.add(
        `${envelope.format.detected}${envelope.format.compression === 'gzip' ? ' (gzip)' : ''}`,
      );
      if (envelope.error || !envelope.state) {
        pass.unreadable.push({
          part: key,
          error: `${envelope.error?.name ?? 'Error'}: ${envelope.error?.message ?? 'no state'}`,
        });
        return;
      }
      pass.validated++;
      pass.quarantined += envelope.quarantinedRows;
      if (contract.convertTo) pass.conversions.push({ part: key, conversion: envelope.conversion ?? null });
      merged.merge(ValidationState.fromJSON(contract, envelope.state));
    });
  }
  return pass;
}

/**
 * Written in a later second than the marker's event: S3 lists LastModified and EventBridge stamps
 * events to the second, so a part of the same second cannot be told apart and counts as older.
 */
function newerThan(part: ListedPart, markerTime: number): boolean {
  if (part.lastModified === undefined || Number.isNaN(markerTime)) return false;
  return Math.floor(part.lastModified.getTime() / 1000) > Math.floor(markerTime / 1000);
}

function sameListing(a: readonly ListedPart[], b: readonly ListedPart[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => p.key === b[i]!.key && p.size === b[i]!.size && p.etag === b[i]!.etag)
  );
}

/** The first part that differs between two listings, by its full key. */
function firstDifference(dataset: ObjectRef, a: readonly ListedPart[], b: readonly ListedPart[]): string {
  const before = new Map(a.map((p) => [p.key, p]));
  for (const p of b) {
    const was = before.get(p.key);
    if (!was) return `${s3Uri(dataset.bucket, p.key)} appeared`;
    if (was.size !== p.size || was.etag !== p.etag)
      return `${s3Uri(dataset.bucket, p.key)} went from ${was.size} to ${p.size} bytes`;
    before.delete(p.key);
  }
  const gone = before.keys().next();
  return gone.done ? 'the listing changed' : `${s3Uri(dataset.bucket, gone.value)} was deleted`;
}

type SettleOutcome =
  | { readonly settled: true; readonly parts: ListedPart[]; readonly listings: number }
  | { readonly settled: false; readonly why: string; readonly listings: number };

/** Lists the folder every pollMs until two listings agree, at most windowMs / pollMs times. */
async function waitToSettle(
  deps: PartitionDeps,
  dataset: ObjectRef,
  first: ListedPart[],
  settle: PartsSettle,
): Promise<SettleOutcome> {
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  // A window of 0 does not wait: a folder changing after its marker fails at once.
  const poll = Math.min(settle.pollMs, settle.windowMs);
  const polls = poll > 0 ? Math.ceil(settle.windowMs / poll) : 0;
  let previous = first;
  let why = 'no time to settle (window 0)';
  for (let i = 1; i <= polls; i++) {
    await sleep(poll);
    const current = await listParts(deps, dataset);
    if (sameListing(previous, current)) return { settled: true, parts: current, listings: i + 1 };
    why = firstDifference(dataset, previous, current);
    previous = current;
  }
  return { settled: false, why, listings: polls + 1 };
}

export async function mergeParts(input: MergePartsInput, deps: PartitionDeps): Promise<ValidateResult> {
  const { dataset, output } = input;
  const contract = await deps.catalog.get(output.contractKey);
  const settle: PartsSettle = { ...DEFAULT_PARTS_SETTLE, ...deps.settle };
  // The marker's event time: parts written after it were still arriving when the marker did.
  const markerTime = Date.parse(dataset.eventTime);
  // The parts the Map was given: the merge's own listing may hold parts that appeared since.
  const planned = input.manifest ? await readManifestKeys(deps, input.manifest.key) : undefined;
  let parts = await listParts(deps, dataset);
  let pass = await mergePass(contract, dataset, parts, markerTime, planned, deps);
  const newer = parts.filter((p) => newerThan(p, markerTime));
  let notSettled: string | undefined;
  let settledNote: string | undefined;
  if (pass.stale.length > 0 || newer.length > 0) {
    const first = pass.stale[0] ?? { part: newer[0]!, why: 'written after the marker' };
    const signal = `${s3Uri(dataset.bucket, first.part.key)}: ${first.why}`;
    const outcome = await waitToSettle(deps, dataset, parts, settle);
    if (!outcome.settled) {
      notSettled = `the folder was still changing ${settle.windowMs / 1000} s after its marker (settle window; ${outcome.listings} listings): ${outcome.why}; first sign ${signal}`;
    } else {
      parts = outcome.parts;
      pass = await mergePass(contract, dataset, parts, markerTime, planned, deps);
      const stale = pass.stale;
      if (stale.length > settle.maxRevalidatedParts) {
        notSettled = `${stale.length} parts changed after the folder was listed, more than the ${settle.maxRevalidatedParts} the merge validates again itself; first ${s3Uri(dataset.bucket, stale[0]!.part.key)} (${stale[0]!.why})`;
      } else {
        for (const { part } of stale) {
          await validatePart(
            { part: { Key: part.key, Size: part.size, ETag: part.etag }, dataset, output },
            deps,
          );
        }
        if (stale.length > 0) pass = await mergePass(contract, dataset, parts, markerTime, planned, deps);
        if (pass.stale.length > 0) {
          notSettled = `a part changed again while the merge validated it: ${s3Uri(dataset.bucket, pass.stale[0]!.part.key)} (${pass.stale[0]!.why})`;
        } else {
          settledNote = `folder still changing after its marker (first sign ${signal}); it settled after ${outcome.listings} listings and ${stale.length} part${stale.length === 1 ? ' was' : 's were'} validated again`;
        }
      }
    }
  }
  const { merged, unreadable, notValidated, formats, validated, quarantined, bytes, conversions } = pass;

  let report: ValidationReport =
    notSettled !== undefined
      ? {
          ...merged.finish(),
          status: 'failed',
          failedRules: ['parts_settled'],
          summary: `FAILED: ${notSettled}. Publish the marker last: aws s3 sync the parts, then aws s3 cp the _SUCCESS marker`,
        }
      : withPartFindings(
          merged.finish(),
          contract,
          parts.length,
          unreadable,
          notValidated,
          input.toleratedFailurePercentage,
        );
  if (settledNote !== undefined) report = { ...report, summary: `${report.summary}; ${settledNote}` };
  report = await judgedAgainstHistory(deps, { object: dataset, output }, report, contract);
  // Judged by its readers as one object is, once some part showed its columns.
  if (validated > 0) {
    report = judgedByConsumers(report, contract, await consumersOfContract(contract, deps.catalog));
    await recordConsumerEdges(deps, dataset, report);
  }
  const quarantineUri =
    quarantined > 0 ? s3Uri(deps.artifactsBucket, partsFolder(deps.quarantinePrefix, dataset)) : null;
  const reportKey = `${deps.reportsPrefix}${dataset.bucket}/${folderKey(dataset.key)}/${versionToken(dataset)}.json`;
  const stored: StoredDatasetReport = {
    ...report,
    object: {
      uri: dataset.uri,
      version: versionToken(dataset),
      size: bytes,
      marker: `${dataset.uri}${COMPLETION_MARKER}`,
    },
    format: {
      expected: contract.format,
      detected: formats.size === 0 ? 'none' : [...formats].join(', '),
      compression: contract.compression ?? 'detected per part',
      matches: unreadable.every((u) => !u.error.startsWith('FormatError: expected')),
    },
    quarantineUri,
    validatedAt: deps.now().toISOString(),
    parts: {
      total: parts.length,
      validated,
      bytes,
      unreadable: unreadable.length,
      notValidated: notValidated.length,
      unreadableParts: unreadable.slice(0, LISTED_PARTS),
      notValidatedParts: notValidated.slice(0, LISTED_PARTS),
    },
  };
  const untested = (notValidated.length / Math.max(1, parts.length)) * 100;
  const incomplete =
    notSettled === undefined && notValidated.length > 0 && untested > input.toleratedFailurePercentage
      ? `${notValidated.length} of ${parts.length} parts of ${dataset.uri} could not be validated after their retries (beyond the tolerated ${input.toleratedFailurePercentage}%)`
      : undefined;
  // The same store as one object's: report, HTML page and results dataset rows (error when incomplete).
  const result = await storeReport(
    deps,
    { object: dataset, output },
    reportKey,
    stored,
    incomplete !== undefined ? { error: incomplete } : {},
  );
  if (incomplete !== undefined) {
    throw new IncompleteTestError(`${incomplete}; the partial report is ${result.reportUri}`);
  }
  // The converted folder is published only for a folder that did not fail, as one object is
  // converted only after it passed; a part left without a proof fails the conversion here.
  const conversion =
    contract.convertTo && notSettled === undefined && report.status !== 'failed'
      ? await publishConvertedFolder(
          contract,
          dataset,
          [...conversions, ...notValidated.map((part) => ({ part, conversion: null }))],
          deps,
        )
      : undefined;
  return conversion ? boundResult({ ...result, conversion }) : result;
}

function sourceOf(deps: PartitionDeps, location: string) {
  let ref: { bucket: string; key: string };
  try {
    ref = parseS3Uri(location);
  } catch {
    throw new ContractError(`reference '${location}' must be an s3:// URI in the deployed workflow`);
  }
  return deps.store.source(ref.bucket, ref.key);
}

/**
 * The parts' own findings, as rules of the report: an unreadable part fails the output (its rows
 * are unknown); parts whose validation failed after its retries warn within the tolerated
 * percentage (beyond it mergeParts ends the test in error); a folder without parts fails (the
 * marker promised data).
 */
function withPartFindings(
  report: ValidationReport,
  contract: OutputContract,
  total: number,
  unreadable: readonly { part: string; error: string }[],
  notValidated: readonly string[],
  toleratedPercentage: number,
): ValidationReport {
  const extra: string[] = [];
  const failed: string[] = [];
  let status: ValidationStatus = report.status;
  let incomplete = false;
  const worsen = (to: ValidationStatus) => {
    if (to === 'failed' || (to === 'warned' && status === 'passed')) status = to;
  };
  if (total === 0) {
    // Nothing was read, so the column and rule findings of an empty state would only repeat this.
    return {
      ...report,
      status: 'failed',
      failedRules: ['parts_present'],
      summary: `FAILED: no part files in the folder; ${logicalName(contract)} expects ${contract.format} parts before its ${'_SUCCESS'} marker`,
    };
  }
  // A part whose folders do not give the declared partition columns is reported on its own rule:
  // its bytes may be fine, its place in the folder is not.
  const misplaced = unreadable.filter((u) => u.error.startsWith('PartitionPathError:'));
  const broken = unreadable.filter((u) => !u.error.startsWith('PartitionPathError:'));
  if (misplaced.length > 0) {
    failed.push('partition_folders');
    extra.push(
      `${misplaced.length} of ${total} parts with folders that do not give the partition columns (${(contract.partitionBy ?? []).join(', ')}), first ${misplaced[0]!.error.replace(/^PartitionPathError: /, '')}`,
    );
    worsen('failed');
  }
  if (broken.length > 0) {
    failed.push('parts_readable');
    const first = broken[0]!;
    // The full key: every `date=*/part-0.parquet` has the same file name.
    extra.push(`${broken.length} of ${total} parts unreadable, first ${first.part}: ${first.error}`);
    worsen('failed');
  }
  if (notValidated.length > 0) {
    failed.push('parts_validated');
    const within = (notValidated.length / total) * 100 <= toleratedPercentage;
    extra.push(
      `${notValidated.length} of ${total} parts not validated (their validation failed after its retries; ${within ? 'within' : 'beyond'} the tolerated ${toleratedPercentage}%)`,
    );
    // Beyond the tolerance the folder was not tested: mergeParts writes this report, then ends the
    // test in error (IncompleteTestError), since a part that could not be validated says nothing
    // about its data. Within it, the rest of the folder's verdict stands, with a warning.
    if (within) worsen('warned');
    else incomplete = true;
  }
  if (extra.length === 0) return report;
  const summaryHead = `${incomplete ? 'INCOMPLETE' : status.toUpperCase()}: ${report.rowCount} rows in ${total} parts`;
  const rest = report.summary.replace(/^[A-Z]+: \d+ rows;? ?/, '');
  return {
    ...report,
    status,
    failedRules: [...report.failedRules, ...failed],
    summary: [summaryHead, ...extra, ...(rest ? [rest] : [])].join('; '),
  };
}
