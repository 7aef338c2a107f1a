/**
 * `convert_to` on a partitioned output, part by part in the Distributed Map that validates it:
 *
 * - `convertPart` (in a map child, after the part validated): converts the part to the contract's
 *   target format under the version's converted folder, at the part's own path below the output's
 *   folder (Hive folders kept, extension changed), with convertTable's equivalence proof read back
 *   from what it wrote. The part's partition columns stay in its folders, as Spark writes them, so
 *   the file is converted by the contract without them.
 * - `publishConvertedFolder` (in the merge, once the folder did not fail): checks every part has a
 *   passing proof and only then writes the folder's `_manifest.json` (each part with its proof) and
 *   its `_SUCCESS` marker. A part without a proof (not converted, its proof failed) fails the
 *   conversion with the part named, and no marker is written: a reader that waits for `_SUCCESS`
 *   never takes a partial folder for a converted output.
 */
import { createHash } from 'node:crypto';
import { convertTable } from '../conversion/convert-table';
import type { DataFormat, OutputContract } from '../contracts/output-contract';
import { IntegrityError, PrtError } from '../errors';
import { contentTypeOf } from '../formats/content-type';
import type { ReaderLimits } from '../formats/table-io';
import { s3Uri, type ObjectStore } from '../storage/object-store';
import { withoutPartitionColumns } from '../validation/partition-values';
import { folderKey, versionToken } from './artifact-keys';
import type { ConversionOutcome, ObjectRef } from './workflow-types';

/** What one part's conversion left in its envelope: its proof, or why there is none. */
export interface PartConversion {
  readonly key: string;
  readonly rowsIn: number;
  readonly rowsOut: number;
  readonly equivalent: boolean;
  readonly size: number;
  readonly etag: string;
  readonly versionId: string | null;
  readonly checksums: Readonly<Record<string, string>>;
  /** Why the part could not be converted (its proof failed, its data could not be written). */
  readonly error: { readonly name: string; readonly message: string } | null;
}

export interface ConvertPartsDeps {
  readonly store: ObjectStore;
  readonly artifactsBucket: string;
  /** Absent where the function was not given one: a contract asking for a conversion then fails. */
  readonly convertedPrefix?: string;
  readonly readerLimits?: ReaderLimits;
}

/** Marker and manifest of a converted folder, the names Spark and Glue readers wait for. */
export const CONVERTED_MARKER = '_SUCCESS';
export const CONVERTED_MANIFEST = '_manifest.json';

/** The converted folder of one version of a partitioned output, ending in '/'. */
export function convertedFolderKey(prefix: string, dataset: ObjectRef): string {
  return `${prefix}${dataset.bucket}/${folderKey(dataset.key)}/${versionToken(dataset)}/`;
}

/** A part's path below its folder with the target format's extension (and no `.gz`). */
export function convertedPartPath(relative: string, to: DataFormat): string {
  const slash = relative.lastIndexOf('/');
  const name = relative.slice(slash + 1).replace(/\.gz$/i, '');
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${relative.slice(0, slash + 1)}${stem}.${to}`;
}

function requirePrefix(deps: ConvertPartsDeps): string {
  if (deps.convertedPrefix === undefined)
    throw new IntegrityError('the validate function has no converted prefix, so it cannot convert parts');
  return deps.convertedPrefix;
}

/**
 * Converts one part. Data problems (its proof failed, a value the target cannot hold) are
 * returned as the part's finding; dependency errors are thrown for the map to retry.
 */
export async function convertPart(
  contract: OutputContract,
  dataset: ObjectRef,
  part: { readonly key: string; readonly etag: string },
  deps: ConvertPartsDeps,
): Promise<PartConversion> {
  const to = contract.convertTo!;
  const key = `${convertedFolderKey(requirePrefix(deps), dataset)}${convertedPartPath(part.key.slice(dataset.key.length), to)}`;
  const sink = deps.store.sink(deps.artifactsBucket, key, contentTypeOf(to));
  try {
    const result = await convertTable(
      deps.store.source(dataset.bucket, part.key),
      sink,
      () => deps.store.source(deps.artifactsBucket, key, sink.result?.versionId),
      {
        to,
        contract: withoutPartitionColumns(contract),
        ...(deps.readerLimits ? { readerLimits: deps.readerLimits } : {}),
      },
    );
    return {
      key,
      rowsIn: result.rowsIn,
      rowsOut: result.rowsOut,
      equivalent: result.equivalent,
      size: sink.result?.size ?? 0,
      etag: sink.result?.etag ?? '',
      versionId: sink.result?.versionId ?? null,
      checksums: { ...result.checksums },
      error: null,
    };
  } catch (error) {
    if (
      !(error instanceof PrtError) ||
      !['FormatError', 'IntegrityError', 'ContractError'].includes(error.name)
    )
      throw error;
    return {
      key,
      rowsIn: 0,
      rowsOut: 0,
      equivalent: false,
      size: 0,
      etag: '',
      versionId: null,
      checksums: {},
      error: { name: error.name, message: error.message },
    };
  }
}

/** One part's conversion as the merge found it: its proof, or none (not converted). */
export interface PartConversionFound {
  readonly part: string;
  readonly conversion: PartConversion | null;
}

/**
 * The folder's checksum of a column: a SHA-256 over the parts' checksums of it, in part order, so
 * the converted folder has one fingerprint per column as a converted object does.
 */
function folderChecksums(found: readonly PartConversionFound[]): Record<string, string> {
  const hashes = new Map<string, ReturnType<typeof createHash>>();
  for (const { conversion } of found) {
    for (const [column, sum] of Object.entries(conversion!.checksums)) {
      let h = hashes.get(column);
      if (!h) hashes.set(column, (h = createHash('sha256')));
      h.update(`${sum}\n`);
    }
  }
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [column, h] of hashes) out[column] = h.digest('hex');
  return out;
}

/**
 * Publishes the converted folder when every part has a passing proof; otherwise throws an
 * IntegrityError naming the first part without one (the test then ends in `error`: the data
 * passed, its conversion did not), and writes no marker.
 */
export async function publishConvertedFolder(
  contract: OutputContract,
  dataset: ObjectRef,
  found: readonly PartConversionFound[],
  deps: ConvertPartsDeps,
): Promise<ConversionOutcome & { readonly converted: true }> {
  const to = contract.convertTo!;
  const folder = convertedFolderKey(requirePrefix(deps), dataset);
  const missing = found.filter(
    (f) => f.conversion === null || f.conversion.error !== null || !f.conversion.equivalent,
  );
  if (found.length === 0)
    throw new IntegrityError(`no part of ${dataset.uri} was converted to ${to}; nothing to publish`);
  if (missing.length > 0) {
    const first = missing[0]!;
    const why = first.conversion?.error
      ? `${first.conversion.error.name}: ${first.conversion.error.message}`
      : first.conversion
        ? 'its equivalence proof failed'
        : 'it was not converted';
    throw new IntegrityError(
      `conversion of ${dataset.uri} to ${to} failed: ${missing.length} of ${found.length} parts have no passing equivalence proof, first ${first.part} (${why}); ${s3Uri(deps.artifactsBucket, folder)} has no ${CONVERTED_MARKER} marker`,
    );
  }
  const conversions = found.map((f) => ({ part: f.part, ...f.conversion! }));
  const rowsIn = conversions.reduce((n, c) => n + c.rowsIn, 0);
  const rowsOut = conversions.reduce((n, c) => n + c.rowsOut, 0);
  const size = conversions.reduce((n, c) => n + c.size, 0);
  const manifest = {
    schemaVersion: 1,
    source: dataset.uri,
    version: versionToken(dataset),
    format: to,
    rowsIn,
    rowsOut,
    parts: conversions.map((c) => ({
      source: c.part,
      key: c.key,
      rowsIn: c.rowsIn,
      rowsOut: c.rowsOut,
      size: c.size,
      etag: c.etag,
      versionId: c.versionId,
      equivalent: c.equivalent,
      checksums: c.checksums,
    })),
  };
  const written = await deps.store.write(
    deps.artifactsBucket,
    `${folder}${CONVERTED_MANIFEST}`,
    JSON.stringify(manifest),
    'application/json',
  );
  // Last, so the marker says every part and the manifest are there.
  await deps.store.write(
    deps.artifactsBucket,
    `${folder}${CONVERTED_MARKER}`,
    '',
    'application/octet-stream',
  );
  return {
    converted: true,
    uri: s3Uri(deps.artifactsBucket, folder),
    // The folder's version is its manifest's: it names every part's version.
    versionId: written.versionId ?? null,
    etag: written.etag,
    size,
    format: to,
    rowsIn,
    rowsOut,
    equivalent: true,
    checksums: folderChecksums(found),
  };
}
