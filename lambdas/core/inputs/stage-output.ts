/**
 * Stages one logical output for a test run of the step that reads it (the download function of
 * the prepare-inputs workflow): the output is resolved through the registry (a run, a pinned
 * version, or the latest version whose tests passed or warned), every object (each part of a
 * registered folder) is fetched with the downloader's integrity checks, then copied as it is, or
 * rewritten (sampled, masked, in another format), under
 *
 *   <staging prefix><staging id>/<pipeline>/<step>/<output>/<path below the output>
 *
 * with a manifest `_prt-staged.json` beside the copies naming, for every copy, the source version
 * it came from, and a lineage edge (kind `staging`) from each source version to its copy. The
 * manifest's `_` name keeps it out of what a reader of the folder takes for data parts.
 *
 * The same resolution and folder handling as `prt inputs prepare` (prepare-inputs.ts) and
 * `prt download`: all three agree on what "the input" is.
 */
import { createReadStream } from 'node:fs';
import type { DataFormat, OutputContract } from '../contracts/output-contract';
import { logicalName } from '../contracts/output-contract';
import { convertTable } from '../conversion/convert-table';
import { PrtError } from '../errors';
import { contentTypeOf } from '../formats/content-type';
import { lineageNode, type LineageStore } from '../lineage/lineage-store';
import { localPathsOfItems } from '../download/folder-parts';
import type { ObjectDownloader } from '../download/object-downloader';
import { maskedColumns } from '../masking/masked-columns';
import { maskingKeyFingerprint, type MaskingKeySource } from '../masking/masking-key';
import { Pseudonymizer } from '../masking/pseudonymize';
import { formatOutputName, parseOutputName } from '../registry/output-name';
import { versionTokenOf, type OutputRegistry, type RegistryEntry } from '../registry/output-registry';
import { resolveOutput, type ResolveStrategy } from '../registry/resolve-output';
import type { TestStatus } from '../registry/status-transitions';
import { fileSource } from '../storage/file-byte-io';
import type { ObjectStore } from '../storage/object-store';
import { s3Uri } from '../storage/object-store';
import { nothingUsable, stagedEntries, withExtension, type StagedEntry } from './prepare-inputs';
import { checkSample, stageTable, type SampleSpec, type StageTableOptions } from './stage-table';

export const STAGED_MANIFEST = '_prt-staged.json';
const DEFAULT_STATUSES: readonly TestStatus[] = ['passed', 'warned'];
const STAGING_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

/** A staging that cannot be done as asked (too many objects, an object too large, a bad request). */
export class StagingError extends PrtError {
  override readonly name = 'StagingError';
}

export interface StagingLimits {
  /** Objects (or folder parts) one output may stage: the function's time budget drove it. */
  readonly maxObjects: number;
  /** Largest object fetched: it is held in the function's temporary storage while it is rewritten. */
  readonly maxObjectBytes: number;
}

export interface StageDeps {
  readonly registry: OutputRegistry;
  readonly lineage: LineageStore;
  readonly downloader: ObjectDownloader;
  /** Where the staged copies and the manifest are written. */
  readonly store: ObjectStore;
  /** The deployed contracts (masking needs the output's contract; typing and conversion use it). */
  readonly contracts: () => Promise<readonly OutputContract[]>;
  readonly maskingKey: MaskingKeySource;
  readonly limits: StagingLimits;
  readonly now?: () => Date;
}

export interface StageRequest {
  /** `pipeline/step/output`. */
  readonly output: string;
  /** Objects of this run; without it and without a version, the latest usable run. */
  readonly runId?: string;
  /** One registered version (a version id or `etag:<etag>`). */
  readonly version?: string;
  /** Statuses accepted (default passed and warned: a failed output does not quietly feed a step). */
  readonly statuses?: readonly TestStatus[];
  readonly sample?: SampleSpec;
  /** Replace the contract's personal columns by keyed pseudonyms. */
  readonly mask: boolean;
  readonly format?: DataFormat;
  readonly destination: { readonly bucket: string; readonly prefix: string };
  /** The other environment `destination` belongs to (a staging target); absent: this environment. */
  readonly target?: string;
  /** Names this staging (the execution name in the workflow): one folder per staging. */
  readonly stagingId: string;
  /** The step the copies are staged for, for the manifest. */
  readonly forStep?: string;
}

export interface StagedCopy {
  readonly source: { readonly uri: string; readonly version: string; readonly status: TestStatus };
  readonly partOf?: { readonly uri: string; readonly version: string };
  readonly staged: { readonly uri: string; readonly version: string };
  readonly format: string;
  readonly via: 'copy' | 'converted' | 'rewritten';
  /** Rows read and written when the copy was rewritten or converted. */
  readonly rowsRead?: number;
  readonly rowsWritten?: number;
}

/** What the state machine gets back: counts and where the manifest is, never the file list. */
export interface StagingSummary {
  readonly output: string;
  readonly strategy: ResolveStrategy;
  readonly runId: string | null;
  readonly stagingId: string;
  /** The environment staged into when it is another one (a staging target), else null. */
  readonly target: string | null;
  readonly objects: number;
  readonly rowsWritten: number | null;
  readonly masked: readonly string[];
  readonly folder: string;
  readonly manifest: string;
  readonly lineageEdges: number;
}

export async function stageOutput(deps: StageDeps, request: StageRequest): Promise<StagingSummary> {
  if (!STAGING_ID.test(request.stagingId))
    throw new StagingError(`stagingId '${request.stagingId}' must be 1-80 letters, digits, _ . - (no /)`);
  const prefix = request.destination.prefix;
  if (prefix !== '' && !prefix.endsWith('/'))
    throw new StagingError(`the staging prefix '${prefix}' must end with /`);
  if (request.sample) checkSample(request.sample);
  const name = parseOutputName(request.output);
  const label = formatOutputName(name);
  const statuses = request.statuses ?? DEFAULT_STATUSES;

  const resolved = await resolveOutput(deps.registry, name, {
    statuses,
    ...(request.version !== undefined
      ? { version: request.version }
      : request.runId !== undefined
        ? { runId: request.runId }
        : {}),
  });
  if (resolved.entries.length === 0)
    throw await nothingUsable(deps.registry, name, statuses, request.version, request.runId);

  const contract = (await deps.contracts()).find((c) => logicalName(c) === label);
  // Masking is asked for and the contract is what says which columns are personal: without it,
  // nothing could be masked, and a copy called masked would not be.
  if (request.mask && !contract)
    throw new StagingError(
      `${label} has no deployed contract; masking needs one to know the personal columns`,
    );
  const masked = request.mask && contract ? maskedColumns(contract) : [];
  const key = masked.length > 0 ? await deps.maskingKey.key() : undefined;
  const mask = key ? { pseudonymizer: new Pseudonymizer(key), columns: masked } : undefined;

  const items = await stagedEntries(deps, resolved.entries);
  if (items.length > deps.limits.maxObjects)
    throw new StagingError(
      `${label} has ${items.length} objects to stage; at most ${deps.limits.maxObjects} fit one staging (stage a pinned version or sample a run with fewer parts)`,
    );
  const tooLarge = items.find((i) => i.entry.size > deps.limits.maxObjectBytes);
  if (tooLarge)
    throw new StagingError(
      `${tooLarge.entry.uri} has ${tooLarge.entry.size} bytes; objects above ${deps.limits.maxObjectBytes} bytes are not staged by the function`,
    );

  const folder = `${prefix}${request.stagingId}/${label}/`;
  const paths = localPathsOfItems(items.map((i) => ({ key: i.entry.key, folder: i.folder })));
  const copies: StagedCopy[] = [];
  let budget = request.sample && 'rows' in request.sample ? request.sample.rows : Infinity;
  let edges = 0;
  for (const [i, item] of items.entries()) {
    if (budget <= 0) break;
    const copy = await stageOne(deps, request, item, `${folder}${paths[i]!.path}`, {
      contract,
      mask,
      budget,
    });
    copies.push(copy);
    if (copy.rowsWritten !== undefined) budget -= copy.rowsWritten;
    const recorded = await deps.lineage.record({
      from: lineageNode(copy.source.uri, copy.source.version),
      to: lineageNode(copy.staged.uri, copy.staged.version),
      kind: 'staging',
      fromOutput: label,
      toOutput: label,
      recordedAt: (deps.now ?? (() => new Date()))().toISOString(),
      ...(resolved.runId ? { runId: resolved.runId } : {}),
      dataType: 'staged',
    });
    if (recorded) edges++;
  }

  const manifestKey = `${folder}${STAGED_MANIFEST}`;
  const rewritten = copies.every((c) => c.rowsWritten !== undefined);
  const rowsWritten = rewritten ? copies.reduce((n, c) => n + c.rowsWritten!, 0) : null;
  await deps.store.write(
    request.destination.bucket,
    manifestKey,
    JSON.stringify(
      {
        output: label,
        forStep: request.forStep ?? null,
        stagingId: request.stagingId,
        // Where the copies went: this environment's bucket, or another environment's (environment named).
        destination: {
          environment: request.target ?? null,
          bucket: request.destination.bucket,
          prefix: request.destination.prefix,
        },
        stagedAt: (deps.now ?? (() => new Date()))().toISOString(),
        strategy: resolved.strategy,
        runId: resolved.runId,
        statuses,
        sample: request.sample ?? null,
        format: request.format ?? null,
        // The key's fingerprint, never the key: stagings with equal fingerprints join on masked columns.
        masking: mask
          ? { columns: mask.columns.map((c) => c.name), keyFingerprint: maskingKeyFingerprint(key!) }
          : null,
        copies,
      },
      null,
      2,
    ),
    'application/json',
  );
  return {
    output: label,
    strategy: resolved.strategy,
    runId: resolved.runId,
    stagingId: request.stagingId,
    target: request.target ?? null,
    objects: copies.length,
    rowsWritten,
    masked: mask ? mask.columns.map((c) => c.name) : [],
    folder: s3Uri(request.destination.bucket, folder),
    manifest: s3Uri(request.destination.bucket, manifestKey),
    lineageEdges: edges,
  };
}

interface Transform {
  readonly contract: OutputContract | undefined;
  readonly mask: StageTableOptions['mask'];
  readonly budget: number;
}

async function stageOne(
  deps: StageDeps,
  request: StageRequest,
  item: StagedEntry,
  stagedKey: string,
  transform: Transform,
): Promise<StagedCopy> {
  const { entry, folderEntry } = item;
  const bucket = request.destination.bucket;
  const got = await deps.downloader.download(targetOf(entry));
  const own = (entry.format ?? transform.contract?.format) as DataFormat | undefined;
  const to = request.format ?? own;
  const base = {
    source: { uri: entry.uri, version: versionTokenOf(entry), status: entry.status },
    ...(folderEntry ? { partOf: { uri: folderEntry.uri, version: versionTokenOf(folderEntry) } } : {}),
  };
  const key = to !== undefined && to !== own ? withExtension(stagedKey, to) : stagedKey;

  if (!request.sample && !transform.mask) {
    if (to === undefined || to === own) {
      // Nothing to change: the verified bytes, as they are.
      const sink = deps.store.sink(bucket, key, own ? contentTypeOf(own) : 'application/octet-stream');
      try {
        for await (const chunk of createReadStream(got.path)) await sink.write(chunk as Uint8Array);
        await sink.close();
      } catch (error) {
        await sink.abort().catch(() => undefined);
        throw error;
      }
      return {
        ...base,
        staged: stagedVersion(bucket, key, sink.result),
        format: own ?? 'unknown',
        via: 'copy',
      };
    }
    // Only the format changes: the proven conversion (row count, schema and checksums compared).
    const sink = deps.store.sink(bucket, key, contentTypeOf(to));
    const result = await convertTable(fileSource(got.path), sink, () => deps.store.source(bucket, key), {
      to,
      ...(transform.contract ? { contract: transform.contract } : own ? { from: own } : {}),
    });
    return {
      ...base,
      staged: stagedVersion(bucket, key, sink.result),
      format: to,
      via: 'converted',
      rowsRead: result.rowsIn,
      rowsWritten: result.rowsOut,
    };
  }

  const sink = deps.store.sink(bucket, key, to ? contentTypeOf(to) : 'application/octet-stream');
  const result = await stageTable(fileSource(got.path), sink, {
    ...(transform.contract ? { contract: transform.contract } : {}),
    ...(request.sample ? { sample: request.sample, rowBudget: transform.budget } : {}),
    ...(transform.mask ? { mask: transform.mask } : {}),
    ...(request.format ? { to: request.format } : {}),
  });
  return {
    ...base,
    staged: stagedVersion(bucket, key, sink.result),
    format: result.to,
    via: 'rewritten',
    rowsRead: result.rowsRead,
    rowsWritten: result.rowsWritten,
  };
}

function targetOf(entry: RegistryEntry) {
  // Unversioned: the registered ETag, so bytes written over the version fail instead of passing for it.
  return entry.versionId
    ? { bucket: entry.bucket, key: entry.key, versionId: entry.versionId }
    : { bucket: entry.bucket, key: entry.key, etag: entry.etag };
}

function stagedVersion(
  bucket: string,
  key: string,
  result: { readonly etag: string; readonly versionId?: string } | undefined,
): { uri: string; version: string } {
  if (!result) throw new StagingError(`s3://${bucket}/${key} was not published`);
  return {
    uri: s3Uri(bucket, key),
    version: result.versionId ?? `etag:${result.etag.replace(/"/g, '')}`,
  };
}
