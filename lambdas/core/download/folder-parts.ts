/**
 * A registered folder (a partitioned output: Spark or Glue part files completed by a `_SUCCESS`
 * marker) is downloaded, sampled and staged as the set of its parts at the registered version. S3
 * keeps no folder versions, so "at that version" is checked, not assumed:
 *
 * - the folder is listed and only its data parts are kept (markers, `_`/`.` names and folder
 *   placeholders are skipped, as the validation branch skips them: registry/dataset-parts.ts);
 * - the marker must still be the registered one: on a versioned bucket its version id is the
 *   folder's version; a missing marker means the folder is being rewritten or was deleted;
 * - no part may be newer than the time the version's tests recorded their result: such a part is
 *   not the one that was tested;
 * - each part is then fetched with the ETag the listing gave (DownloadTarget.etag), so a part
 *   overwritten between listing and download fails that download instead of mixing versions.
 *
 * Anything else is a FolderChangedError naming the part by its full key (every part of
 * `date=2026-11-01/part-0.parquet`, `date=2026-11-02/part-0.parquet`, … has the same file name).
 */
import { parseS3Uri, s3Uri } from '../storage/object-store';
import { byteOrder, isDataPart } from '../registry/dataset-parts';
import type { RegistryEntry } from '../registry/output-registry';
import { FolderChangedError, NoSuchObjectError } from './download-errors';
import type { ObjectInfo } from './object-integrity';
import type { DownloadTarget, FolderObject } from './object-source';
import { localPathsFor, type LocalPath } from './safe-path';

/**
 * Parts one folder download lists and holds in memory (about 300 bytes each). Spark jobs write
 * a few thousand at most; a folder past this is a table to read where it lies, not to download.
 */
export const MAX_FOLDER_PARTS = 100_000;

/** What folder resolution needs from S3 (the ObjectDownloader provides both). */
export interface FolderLister {
  listFolder(bucket: string, prefix: string): AsyncIterable<FolderObject>;
  head(target: DownloadTarget): Promise<ObjectInfo>;
}

/** A folder, and what pins its version when the registry knows it. */
export interface FolderVersion {
  readonly bucket: string;
  /** The folder's key, ending in `/`. */
  readonly folder: string;
  /** The registered version token: the marker's version id, or `marker-<sequencer>` unversioned. */
  readonly version?: string;
  /** The URI of the marker that completed the version. */
  readonly marker?: string;
  /** When the version's tests recorded their result; parts modified after it were not tested. */
  readonly testedAt?: string;
}

export interface FolderPart {
  readonly uri: string;
  readonly key: string;
  readonly size: number;
  readonly etag: string;
  /** Fetch by ETag: a part overwritten since the listing fails its download. */
  readonly target: DownloadTarget;
}

/** A registry entry of a partitioned output, as the folder version it stands for. */
export function folderOfEntry(entry: RegistryEntry): FolderVersion | undefined {
  if (entry.partitioned !== true) return undefined;
  const testedAt = entry.status === 'pending' ? undefined : entry.updatedAt;
  return {
    bucket: entry.bucket,
    folder: entry.key.endsWith('/') ? entry.key : `${entry.key}/`,
    version: entry.sk.replace(/^VER#/, ''),
    ...(entry.marker !== undefined ? { marker: entry.marker } : {}),
    ...(testedAt !== undefined ? { testedAt } : {}),
  };
}

/** The data parts of a folder at its registered version, in S3's (UTF-8 byte) order. */
export async function partsOfFolder(
  lister: FolderLister,
  folder: FolderVersion,
  options: { readonly maxParts?: number } = {},
): Promise<FolderPart[]> {
  const maxParts = options.maxParts ?? MAX_FOLDER_PARTS;
  const uri = s3Uri(folder.bucket, folder.folder);
  const label = `${uri}${folder.version !== undefined ? ` (version ${folder.version})` : ''}`;
  if (folder.marker !== undefined) await checkMarker(lister, folder, label);
  const parts: FolderObject[] = [];
  for await (const o of lister.listFolder(folder.bucket, folder.folder)) {
    if (!isDataPart(folder.folder, o.key)) continue;
    if (parts.length === maxParts) {
      throw new FolderChangedError(
        `${label} has more than ${maxParts} parts (MAX_FOLDER_PARTS); read it where it lies, or download a --sample`,
      );
    }
    parts.push(o);
  }
  if (parts.length === 0) {
    throw new NoSuchObjectError(
      `${label} has no part files now (markers and names starting with _ or . are not parts); it was deleted, or is not a folder`,
    );
  }
  parts.sort((a, b) => byteOrder(a.key, b.key));
  if (folder.testedAt !== undefined) {
    const tested = Date.parse(folder.testedAt);
    const newer = parts.filter((p) => p.lastModified !== null && Date.parse(p.lastModified) > tested);
    if (newer.length > 0) {
      const first = newer[0]!;
      throw new FolderChangedError(
        `${label}: ${newer.length} of ${parts.length} parts were written after this version was tested (${folder.testedAt}), first ${s3Uri(folder.bucket, first.key)} at ${first.lastModified}; the folder no longer holds the tested parts. Download the newer version once it is tested (prt download --list-versions)`,
      );
    }
  }
  return parts.map((p) => ({
    uri: s3Uri(folder.bucket, p.key),
    key: p.key,
    size: p.size,
    etag: p.etag,
    target: { bucket: folder.bucket, key: p.key, etag: p.etag },
  }));
}

async function checkMarker(lister: FolderLister, folder: FolderVersion, label: string): Promise<void> {
  const marker = parseS3Uri(folder.marker!);
  let head: ObjectInfo;
  try {
    head = await lister.head({ bucket: marker.bucket, key: marker.key });
  } catch (error) {
    if (error instanceof NoSuchObjectError) {
      throw new FolderChangedError(
        `${label}: its marker ${folder.marker!} is gone, so the folder is being rewritten or was deleted`,
      );
    }
    throw error;
  }
  const version = folder.version;
  // On a versioned bucket the folder's version is its marker's version id; unversioned buckets
  // name it after the marker event's sequencer, which HeadObject cannot show.
  if (version !== undefined && !version.startsWith('marker-') && head.versionId !== version) {
    throw new FolderChangedError(
      `${label} was published again: its marker ${folder.marker!} is now version ${head.versionId ?? 'without a version id'}. Download the newer version (prt download --list-versions)`,
    );
  }
}

/**
 * Local paths of a folder's parts: `<folder name>/<path below the folder>`, injective (see
 * localPathsFor), so `date=1/part-0.parquet` and `date=2/part-0.parquet` stay two files.
 */
export function folderLocalPaths(folder: string, partKeys: readonly string[]): LocalPath[] {
  const trimmed = folder.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return localPathsFor(partKeys, { relativeTo: slash < 0 ? '' : trimmed.slice(0, slash + 1) });
}

/**
 * Local paths for objects some of which are parts of a folder, distinct for distinct keys: the
 * parts of one folder below `<folder name>/`, any other mix relative to the folder all the keys
 * share.
 */
export function localPathsOfItems(
  items: readonly { readonly key: string; readonly folder?: string | undefined }[],
): LocalPath[] {
  const folder = items[0]?.folder;
  const keys = items.map((i) => i.key);
  return folder !== undefined && items.every((i) => i.folder === folder)
    ? folderLocalPaths(folder, keys)
    : localPathsFor(keys);
}
