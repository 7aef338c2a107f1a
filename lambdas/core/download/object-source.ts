/**
 * What the downloader needs from the object store it downloads from: metadata with checksums,
 * listings, and reads pinned to one version. The downloader (object-downloader.ts) keeps the
 * logic (caching, resuming, integrity, sampling); the S3 implementation is
 * lambdas/adapters/aws/s3-download-source.ts.
 */
import type { ObjectInfo } from './object-integrity';

export interface DownloadTarget {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  /**
   * The ETag the caller expects (a version the registry knows as `etag:<etag>` in an unversioned
   * bucket): when the key now holds other bytes, that version is gone and NoSuchVersionError says so.
   */
  readonly etag?: string;
}

/** One object of a folder listing. */
export interface FolderObject {
  readonly key: string;
  readonly size: number;
  /** Without quotes. */
  readonly etag: string;
  /** ISO time, when the endpoint tells it. */
  readonly lastModified: string | null;
}

export interface ObjectVersion {
  readonly versionId: string;
  readonly etag: string | null;
  readonly size: number;
  readonly lastModified: string | null;
  readonly isLatest: boolean;
  readonly deleteMarker: boolean;
}

/** Bytes [start, end) of an object. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

export interface DownloadSource {
  /** Where the objects live (an endpoint URL, or `aws (<region>)`): for messages and cache identity. */
  readonly endpoint: string;
  /**
   * The version's metadata with its checksums, and the upload's part size when the endpoint tells
   * it. A requested version the endpoint cannot serve is VersioningUnsupportedError.
   */
  head(target: DownloadTarget): Promise<ObjectInfo>;
  /** The objects under a prefix (every page), in the store's order: a folder's parts. */
  listFolder(bucket: string, prefix: string): AsyncIterable<FolderObject>;
  /** Every version of a key, delete markers included, in no particular order. */
  listVersions(bucket: string, key: string): Promise<ObjectVersion[]>;
  /** Bytes [start, end) of exactly the version `info` describes. */
  readRange(info: ObjectInfo, start: number, end: number): Promise<Uint8Array>;
  /**
   * The body of a range of exactly the version `info` describes (the whole object without a
   * range), streamed; undefined when the answer came without a body. Failures are thrown as they
   * are, for `isTransient` and `fail` to judge.
   */
  readStream(
    info: ObjectInfo,
    range: ByteRange | undefined,
    signal: AbortSignal | undefined,
  ): Promise<AsyncIterable<Uint8Array> | undefined>;
  /** Whether a failure of `readStream` (or of reading its body) is worth retrying by hand. */
  isTransient(error: unknown): boolean;
  /** Throws a failure of `readStream` as the download's typed error; `what` names the read. */
  fail(error: unknown, info: ObjectInfo, what: string): never;
}
