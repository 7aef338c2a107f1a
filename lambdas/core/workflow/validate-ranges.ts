/**
 * One large object validated range by range, in the same Distributed Map as the parts of a
 * partitioned output (decision 0012). Above the environment's `splitObjectsAboveBytes`, an
 * uncompressed CSV, JSON Lines or Arrow object or a Parquet object takes the partitioned branch's three
 * steps, with ranges of the one object for items:
 *
 * - `planRanges` (the plan step): plans the object's ranges (CSV: byte ranges whose boundaries are
 *   record starts, quote-aware, planCsvRanges; JSON Lines: byte ranges starting after a line feed,
 *   planJsonLinesRanges; Parquet: runs of row groups from the footer, planParquetRanges; an Arrow
 *   IPC file: runs of record batches from its footer, planArrowRanges) of about `splitAboveBytes` each, and writes them to the manifest the map's
 *   ItemReader reads. Every item names the object as a part item would (Key, Size, Etag) and adds
 *   the `Range` to read.
 * - `validateRange` (one map item): validates its range into a mergeable state, spools its failing
 *   rows (numbered from 1 within the range) and stores both under the object's report key. Data
 *   problems (malformed rows, the object changed or ran out of time) are recorded, not thrown: a
 *   thrown error would only fail the map, without its reason.
 * - `mergeRanges` (after the map): merges the states in range order into the report of one pass,
 *   copies the ranges' failing rows into ONE quarantine object, renumbered by the rows of the
 *   ranges before theirs so they carry the object's own row numbers, and stores the report where a
 *   single object's report goes. A range that recorded a problem ends the test as one pass would
 *   have: with the same typed error (a FormatError reads as unreadable data), naming the range.
 *
 * A contract that checks uniqueness is planned as one range: a key repeated in two ranges is
 * counted exactly by the merge, but neither range flags its row, so the quarantine would not be
 * one pass's (the CLI's parallel validation makes the same choice).
 */
import type { ContractCatalog } from '../contracts/contract-catalog';
import type { OutputContract } from '../contracts/output-contract';
import {
  ContractError,
  FormatError,
  IncompleteTestError,
  IntegrityError,
  PrtError,
  TimeBudgetExceeded,
} from '../errors';
import type { ByteSource } from '../formats/byte-io';
import { planArrowRanges } from '../formats/arrow-ranges';
import { planCsvRanges } from '../formats/csv-ranges';
import { planJsonLinesRanges } from '../formats/jsonl-ranges';
import { planParquetRanges } from '../formats/parquet-ranges';
import type { ReaderLimits } from '../formats/table-io';
import type { OutputRegistry } from '../registry/output-registry';
import { validateArrowRange } from '../ranged-validation/validate-arrow-range';
import { validateCsvRange } from '../ranged-validation/validate-csv-range';
import { validateJsonLinesRange } from '../ranged-validation/validate-jsonl-range';
import { validateParquetRange } from '../ranged-validation/validate-parquet-range';
import { ObjectNotFoundError, parseS3Uri, readText, s3Uri, type ObjectStore } from '../storage/object-store';
import { FailedRowLines } from '../validation/failed-row-lines';
import { withExtensionFinding } from '../validation/format-findings';
import { judgedAgainstHistory } from './judge-history';
import { loadRuleReferences } from '../validation/run-validation';
import { readStoredTypes } from '../validation/stored-types';
import { ValidationState, type ValidationStateJson } from '../validation/validate-records';
import type { FailedRow, ValidationReport } from '../validation/validation-report';
import { artifactKey, folderKey, versionToken } from './artifact-keys';
import { inspectOutput } from './inspect-output';
import { manifestKey } from './plan-parts';
import {
  consumersOfContract,
  judgedByConsumers,
  recordConsumerEdges,
  registryResolver,
  storeReport,
  type StoredReport,
} from './validate-output';
import type { ObjectRef, RegisteredOutput, ValidateResult } from './workflow-types';

/** What one map item reads of the object. */
export type ObjectRange =
  | {
      readonly kind: 'csv';
      readonly index: number;
      readonly count: number;
      /** The header record is bytes [0, headerEnd), prepended to every range. */
      readonly headerEnd: number;
      /** Bytes [start, end): whole records. */
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly kind: 'parquet';
      readonly index: number;
      readonly count: number;
      /** Row groups [start, end). */
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly kind: 'jsonl';
      readonly index: number;
      readonly count: number;
      /** Bytes [start, end): whole lines. */
      readonly start: number;
      readonly end: number;
    }
  | {
      readonly kind: 'arrow';
      readonly index: number;
      readonly count: number;
      /** Record batches [start, end) in footer order; when `blocks` is false, the whole object. */
      readonly start: number;
      readonly end: number;
      readonly blocks: boolean;
    };

/** A manifest item: the object, as a part item names it, and its range. */
export interface RangeItem {
  readonly Key: string;
  readonly Size: number;
  readonly Etag: string;
  readonly Range: ObjectRange;
}

/**
 * Most ranges one object is planned into: each is a child execution and an envelope the merge
 * reads. At 2 GiB a range this is 20 TB; a larger object gets larger ranges (and their own time budget).
 */
export const MAX_RANGES = 10_000;

export interface PlanRangesInput {
  readonly object: ObjectRef;
  readonly output: RegisteredOutput;
  /** The environment's splitObjectsAboveBytes: each range is planned at about this size. */
  readonly splitAboveBytes: number;
  readonly execution?: string;
}

export interface RangesManifest {
  readonly kind: 'ranges';
  readonly bucket: string;
  readonly key: string;
  /** Items in the manifest (the ranges), as PartsManifest counts parts. */
  readonly parts: number;
}

export interface RangeDeps {
  readonly store: ObjectStore;
  readonly catalog: ContractCatalog;
  readonly artifactsBucket: string;
  readonly reportsPrefix: string;
  readonly quarantinePrefix: string;
  readonly manifestsPrefix: string;
  readonly now: () => Date;
  readonly registry?: Pick<OutputRegistry, 'latest' | 'versions' | 'recordConsumerEdges'>;
  readonly renderHtml?: (report: StoredReport) => string;
  readonly readerLimits?: ReaderLimits;
  /** The results dataset's prefix (see ValidateDeps). */
  readonly resultsPrefix?: string;
}

/** A contract that checks uniqueness across the object is validated in one range (see above). */
export function checksKeysAcrossRows(contract: OutputContract): boolean {
  return new ValidationState(contract).checks.some((c) => c.keys);
}

function objectSource(deps: Pick<RangeDeps, 'store'>, object: ObjectRef): ByteSource {
  return deps.store.source(object.bucket, object.key, object.versionId ?? undefined);
}

function csvOptions(contract: OutputContract, limits: ReaderLimits | undefined) {
  const csv = contract.csv;
  return {
    delimiter: csv.delimiter ?? ',',
    header: csv.header ?? true,
    ...(csv.quote !== undefined ? { quote: csv.quote } : {}),
    ...(csv.escape !== undefined ? { escape: csv.escape } : {}),
    ...(csv.lenientQuotes ? { lenientQuotes: true } : {}),
    ...(csv.header === false ? { columns: contract.schema.map((c) => c.name) } : {}),
    ...(limits?.maxRowBytes !== undefined ? { maxRowBytes: limits.maxRowBytes } : {}),
  };
}

/** Plans the object's ranges into the map's manifest. */
export async function planRanges(input: PlanRangesInput, deps: RangeDeps): Promise<RangesManifest> {
  const { object } = input;
  const contract = await deps.catalog.get(input.output.contractKey);
  const inspection = await inspectOutput({ object, output: input.output }, deps);
  const source = objectSource(deps, object);
  const wanted = checksKeysAcrossRows(contract)
    ? 1
    : Math.min(MAX_RANGES, Math.max(1, Math.ceil(object.size / input.splitAboveBytes)));
  const etag = `"${object.etag.replace(/"/g, '')}"`;
  const item = (range: ObjectRange): RangeItem => ({
    Key: object.key,
    Size: object.size,
    Etag: etag,
    Range: range,
  });
  let items: RangeItem[];
  if (inspection.format === 'parquet') {
    const runs = await planParquetRanges(source, wanted);
    items = runs.map((r, index) =>
      item({ kind: 'parquet', index, count: runs.length, start: r.start, end: r.end }),
    );
  } else if (inspection.format === 'csv' && inspection.compression === 'none') {
    const plan = await planCsvRanges(source, wanted, {
      ...csvOptions(contract, deps.readerLimits),
      // Sized by the threshold above, not by the planner's 1 MiB floor: a low threshold is how the
      // embedded stack exercises splitting on small files.
      // Half the share of each range, so the header's bytes never cost a range.
      minRangeBytes: Math.max(1, Math.floor(object.size / wanted / 2)),
    });
    items = plan.ranges.map((r, index) =>
      item({
        kind: 'csv',
        index,
        count: plan.ranges.length,
        headerEnd: plan.headerEnd,
        start: r.start,
        end: r.end,
      }),
    );
  } else if (inspection.format === 'jsonl' && inspection.compression === 'none') {
    const ranges = await planJsonLinesRanges(source, wanted, {
      // As for CSV: sized by the threshold, half a range's share at least.
      minRangeBytes: Math.max(1, Math.floor(object.size / wanted / 2)),
      ...(deps.readerLimits?.maxRecordLength !== undefined
        ? { maxRecordLength: deps.readerLimits.maxRecordLength }
        : {}),
    });
    items = ranges.map((r, index) =>
      item({ kind: 'jsonl', index, count: ranges.length, start: r.start, end: r.end }),
    );
  } else if (inspection.format === 'arrow' && inspection.compression === 'none') {
    const runs = await planArrowRanges(source, wanted);
    items = runs.map((r, index) =>
      item({ kind: 'arrow', index, count: runs.length, start: r.start, end: r.end, blocks: r.blocks }),
    );
  } else {
    throw new FormatError(
      `${object.uri} is ${inspection.format}${inspection.compression === 'gzip' ? ' (gzip)' : ''}: only an uncompressed CSV, JSON Lines or Arrow object or a Parquet object is split into ranges`,
    );
  }
  const key = manifestKey(deps, object, input.execution);
  await deps.store.write(deps.artifactsBucket, key, JSON.stringify(items), 'application/json');
  return { kind: 'ranges', bucket: deps.artifactsBucket, key, parts: items.length };
}

/** One range's state, read by the reader of its kind. */
function validateRangeOf(
  range: ObjectRange,
  source: ByteSource,
  task: { readonly contract: OutputContract; readonly readerLimits?: ReaderLimits },
  options: Parameters<typeof validateCsvRange>[2],
): Promise<ValidationState> {
  switch (range.kind) {
    case 'csv':
      return validateCsvRange(
        source,
        { ...task, headerEnd: range.headerEnd, start: range.start, end: range.end },
        options,
      );
    case 'jsonl':
      return validateJsonLinesRange(source, { ...task, start: range.start, end: range.end }, options);
    case 'arrow':
      return validateArrowRange(
        source,
        { ...task, recordBatches: range.blocks ? { start: range.start, end: range.end } : null },
        options,
      );
    case 'parquet':
      return validateParquetRange(
        source,
        { ...task, rowGroups: { start: range.start, end: range.end } },
        options,
      );
  }
}

/** Where a range lies in its object, for messages. */
function rangeExtent(range: ObjectRange): string {
  switch (range.kind) {
    case 'parquet':
      return `row groups ${range.start}-${range.end}`;
    case 'arrow':
      return range.blocks ? `record batches ${range.start}-${range.end}` : 'the whole object';
    default:
      return `bytes ${range.start}-${range.end}`;
  }
}

/** What one range left for the merge. */
export interface RangeEnvelope {
  readonly schemaVersion: 1;
  readonly index: number;
  readonly etag: string;
  readonly rows: number;
  readonly quarantinedRows: number;
  /** Why the range could not be validated, or null. */
  readonly error: { readonly name: string; readonly message: string } | null;
  readonly state: ValidationStateJson | null;
}

function rangesFolder(deps: Pick<RangeDeps, 'reportsPrefix'>, object: ObjectRef): string {
  return `${deps.reportsPrefix}${object.bucket}/${folderKey(object.key)}/${versionToken(object)}.ranges/`;
}

const pad = (index: number): string => String(index).padStart(5, '0');

export function rangeEnvelopeKey(
  deps: Pick<RangeDeps, 'reportsPrefix'>,
  object: ObjectRef,
  index: number,
): string {
  return `${rangesFolder(deps, object)}${pad(index)}.json`;
}

/**
 * Where a range spools its failing rows, numbered within the range: beside its envelope, as working
 * state of the merge, so the quarantine prefix holds only the object's one listing.
 */
export function rangeSpoolKey(
  deps: Pick<RangeDeps, 'reportsPrefix'>,
  object: ObjectRef,
  index: number,
): string {
  return `${rangesFolder(deps, object)}${pad(index)}.failed.jsonl`;
}

/** Problems of the data (or of its time) a range records for the merge to report; others are retried. */
function isRangeFinding(error: unknown): error is PrtError | ObjectNotFoundError {
  return (
    error instanceof ObjectNotFoundError ||
    (error instanceof PrtError &&
      ['FormatError', 'IntegrityError', 'ContractError', 'TimeBudgetExceeded'].includes(error.name))
  );
}

export interface ValidateRangeInput {
  readonly part: RangeItem;
  readonly dataset: ObjectRef;
  readonly output: RegisteredOutput;
}

export async function validateRange(
  input: ValidateRangeInput,
  deps: RangeDeps,
): Promise<{ key: string; rows: number; skipped: false }> {
  const { part, dataset: object, output } = input;
  const range = part.Range;
  const contract = await deps.catalog.get(output.contractKey);
  const etag = part.Etag.replace(/"/g, '');
  let envelope: RangeEnvelope;
  try {
    // Ranges of two versions never merge: an unversioned object overwritten since the plan is
    // recorded, and the newer version's own execution tests it.
    const head = await deps.store.head(object.bucket, object.key, object.versionId ?? undefined);
    if (head.size !== part.Size || (etag !== '' && head.etag !== etag))
      throw new IntegrityError(
        `${object.uri} changed while its ranges were validated: planned ${part.Size} bytes, ETag ${etag}; now ${head.size} bytes, ETag ${head.etag}`,
      );
    const references = await loadRuleReferences(
      contract,
      {
        openSource: () => {
          throw new Error('ranges never load reference samples');
        },
        resolveOutput: registryResolver(deps, output),
        ...(deps.readerLimits ? { readerLimits: deps.readerLimits } : {}),
      },
      { samples: false },
    );
    let sink: ReturnType<ObjectStore['sink']> | undefined;
    const lines = new FailedRowLines((block) => sink!.write(block));
    const onFailedRow = (row: FailedRow): Promise<void> => {
      sink ??= deps.store.sink(
        deps.artifactsBucket,
        rangeSpoolKey(deps, object, range.index),
        'application/x-ndjson',
      );
      return lines.add(row);
    };
    const options = { onFailedRow, referenceSets: references.referenceSets };
    const source = objectSource(deps, object);
    const limits = deps.readerLimits ? { readerLimits: deps.readerLimits } : {};
    let state: ValidationState;
    try {
      state = await validateRangeOf(range, source, { contract, ...limits }, options);
      if (sink) {
        await lines.flush();
        await sink.close();
      }
    } catch (error) {
      await sink?.abort().catch(() => undefined);
      throw error;
    }
    envelope = {
      schemaVersion: 1,
      index: range.index,
      etag,
      rows: state.rowCount,
      quarantinedRows: lines.count,
      error: null,
      state: state.toJSON(),
    };
  } catch (error) {
    if (!isRangeFinding(error)) throw error;
    envelope = {
      schemaVersion: 1,
      index: range.index,
      etag,
      rows: 0,
      quarantinedRows: 0,
      error: { name: error.name, message: error.message },
      state: null,
    };
  }
  await deps.store.write(
    deps.artifactsBucket,
    rangeEnvelopeKey(deps, object, range.index),
    JSON.stringify(envelope),
    'application/json',
  );
  return { key: part.Key, rows: envelope.rows, skipped: false };
}

/** A ranged object's report: a single object's, with how it was split. */
export interface StoredRangedReport extends StoredReport {
  readonly ranges: { readonly kind: ObjectRange['kind']; readonly count: number };
}

export interface MergeRangesInput {
  readonly dataset: ObjectRef;
  readonly output: RegisteredOutput;
  readonly manifest: { readonly key: string };
}

/** The error a range recorded, raised again as its own type, so the state machine classifies it as one pass's. */
function rangeError(object: ObjectRef, range: ObjectRange, error: { name: string; message: string }): Error {
  const where = `${object.uri} range ${range.index + 1} of ${range.count} (${rangeExtent(
    range,
  )}): ${error.message}`;
  switch (error.name) {
    case 'FormatError':
      return new FormatError(where);
    case 'IntegrityError':
      return new IntegrityError(where);
    case 'ContractError':
      return new ContractError(where);
    case 'TimeBudgetExceeded':
      return new TimeBudgetExceeded(`${where}; a lower splitObjectsAboveBytes gives each range less to read`);
    default:
      return new IncompleteTestError(`${where} (${error.name})`);
  }
}

async function readManifest(
  deps: Pick<RangeDeps, 'store' | 'artifactsBucket'>,
  key: string,
): Promise<RangeItem[]> {
  const items = JSON.parse(await readText(deps.store, deps.artifactsBucket, key)) as RangeItem[];
  if (!Array.isArray(items) || items.length === 0 || items.some((i) => i.Range === undefined))
    throw new IncompleteTestError(`manifest s3://${deps.artifactsBucket}/${key} lists no ranges`);
  return items;
}

async function readEnvelope(deps: RangeDeps, key: string): Promise<RangeEnvelope | undefined> {
  try {
    return JSON.parse(await readText(deps.store, deps.artifactsBucket, key)) as RangeEnvelope;
  } catch (error) {
    if (error instanceof ObjectNotFoundError) return undefined;
    throw error;
  }
}

/**
 * Copies a range's spooled failing rows into the object's quarantine, each renumbered by `offset`
 * (the rows of the ranges before). A line is `{"row":N,...}` as JSON.stringify wrote it, so only
 * its number changes.
 */
async function copyRenumbered(
  deps: RangeDeps,
  spoolKey: string,
  offset: number,
  lines: FailedRowLines,
): Promise<void> {
  const decoder = new TextDecoder();
  let rest = '';
  const addLine = async (line: string): Promise<void> => {
    if (line === '') return;
    const m = /^\{"row":(\d+),/.exec(line);
    if (!m)
      throw new Error(`unexpected line in s3://${deps.artifactsBucket}/${spoolKey}: ${line.slice(0, 40)}`);
    await lines.addLine(`{"row":${Number(m[1]) + offset},${line.slice(m[0].length)}\n`);
  };
  for await (const chunk of await deps.store.read(deps.artifactsBucket, spoolKey)) {
    rest += decoder.decode(chunk, { stream: true });
    const parts = rest.split('\n');
    rest = parts.pop()!;
    for (const line of parts) await addLine(line);
  }
  await addLine(rest + decoder.decode());
}

export async function mergeRanges(input: MergeRangesInput, deps: RangeDeps): Promise<ValidateResult> {
  const { dataset: object, output } = input;
  const contract = await deps.catalog.get(output.contractKey);
  const items = await readManifest(deps, input.manifest.key);
  const references = await loadRuleReferences(
    contract,
    {
      // Reference samples (ks_test) are loaded here, once, as the partitioned merge loads them.
      openSource: (location) => {
        let ref: { bucket: string; key: string };
        try {
          ref = parseS3Uri(location);
        } catch {
          throw new ContractError(`reference '${location}' must be an s3:// URI in the deployed workflow`);
        }
        return deps.store.source(ref.bucket, ref.key);
      },
      ...(deps.readerLimits ? { readerLimits: deps.readerLimits } : {}),
    },
    { sets: false },
  );
  const merged = new ValidationState(contract, {
    referenceSamples: references.referenceSamples,
    now: deps.now,
  });
  // States are folded in as they are read: memory holds the merged state and one range's.
  const envelopes: Pick<RangeEnvelope, 'index' | 'rows' | 'quarantinedRows'>[] = [];
  for (const item of items) {
    const envelope = await readEnvelope(deps, rangeEnvelopeKey(deps, object, item.Range.index));
    if (!envelope)
      throw new IncompleteTestError(
        `${object.uri} range ${item.Range.index + 1} of ${item.Range.count} was not validated (no state from the map); the object was not tested whole`,
      );
    if (envelope.error || !envelope.state)
      throw rangeError(object, item.Range, envelope.error ?? { name: 'Error', message: 'no state' });
    merged.merge(ValidationState.fromJSON(contract, envelope.state));
    envelopes.push({ index: envelope.index, rows: envelope.rows, quarantinedRows: envelope.quarantinedRows });
  }

  // One quarantine listing, in the object's row order and numbering.
  const quarantineKey = artifactKey(deps.quarantinePrefix, object, 'jsonl');
  let quarantineUri: string | null = null;
  if (envelopes.some((e) => e.quarantinedRows > 0)) {
    const sink = deps.store.sink(deps.artifactsBucket, quarantineKey, 'application/x-ndjson');
    const lines = new FailedRowLines((block) => sink.write(block));
    try {
      let offset = 0;
      for (const e of envelopes) {
        if (e.quarantinedRows > 0)
          await copyRenumbered(deps, rangeSpoolKey(deps, object, e.index), offset, lines);
        offset += e.rows;
      }
      await lines.flush();
      await sink.close();
    } catch (error) {
      await sink.abort().catch(() => undefined);
      throw error;
    }
    quarantineUri = s3Uri(deps.artifactsBucket, quarantineKey);
  }

  const inspection = await inspectOutput({ object, output }, deps);
  const consumers = await consumersOfContract(contract, deps.catalog);
  // A typed object (Parquet, Arrow) is graded by its declared types, as in one pass (its narrowed
  // columns read once).
  const storedTypes =
    inspection.format === 'parquet' || inspection.format === 'arrow'
      ? await readStoredTypes(
          objectSource(deps, object),
          inspection.format,
          [...contract.schema, ...consumers.flatMap((c) => c.expectation.columns ?? [])],
          deps.readerLimits,
        )
      : undefined;
  let report: ValidationReport = withExtensionFinding(merged.finish(storedTypes), object.key, inspection);
  if (items.length === 1 && checksKeysAcrossRows(contract))
    report = {
      ...report,
      summary: `${report.summary}; validated in one range: the contract checks uniqueness across the whole object`,
    };
  report = await judgedAgainstHistory(deps, { object, output }, report, contract);
  report = judgedByConsumers(report, contract, consumers);
  await recordConsumerEdges(deps, object, report);
  const reportKey = artifactKey(deps.reportsPrefix, object, 'json');
  const stored: StoredRangedReport = {
    ...report,
    object: { uri: object.uri, version: versionToken(object), etag: object.etag, size: object.size },
    format: {
      expected: contract.format,
      detected: inspection.format,
      compression: inspection.compression,
      matches: inspection.formatMatches,
    },
    quarantineUri,
    validatedAt: deps.now().toISOString(),
    ranges: { kind: items[0]!.Range.kind, count: items.length },
  };
  return storeReport(deps, { object, output }, reportKey, stored);
}
