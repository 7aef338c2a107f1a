/**
 * The server-side copy the publish step needs, as a port: S3's CopyObject and UploadPartCopy (the
 * bytes never pass through the function), a small put for the folder's manifest and marker, and a
 * look at what a published key already holds, so a retried step copies nothing twice. The S3
 * adapter is lambdas/adapters/aws/s3-object-copier.ts.
 */
import { PrtError } from '../errors';
import type { CopyPart } from './copy-plan';

/** The staged version to copy: a copy names it exactly, so a newer upload is never copied instead. */
export interface CopySource {
  readonly bucket: string;
  readonly key: string;
  /** Copied as this version (versioned buckets). */
  readonly versionId: string | null;
  /** Copied only while the object still has this ETag (x-amz-copy-source-if-match). */
  readonly etag: string;
}

export interface ObjectLocation {
  readonly bucket: string;
  readonly key: string;
}

export interface CopiedObject {
  readonly etag: string;
  readonly versionId: string | null;
}

/** What a published key holds now: its object, and the staged version it says it was copied from. */
export interface PublishedObject extends CopiedObject {
  /** The `prt-published-from` metadata: the lineage node of the staged version; undefined when absent. */
  readonly from: string | undefined;
}

export interface CopyOptions {
  /** User metadata of the copy; it replaces the source's, so the content type is carried explicitly. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly contentType?: string;
}

/** The metadata key that names the staged version a published object was copied from. */
export const PUBLISHED_FROM_METADATA = 'prt-published-from';

export interface ObjectCopier {
  /** The object at `target`, or undefined when there is none. */
  inspect(target: ObjectLocation): Promise<PublishedObject | undefined>;
  /** One CopyObject (at most 5 GiB). */
  copy(source: CopySource, target: ObjectLocation, options: CopyOptions): Promise<CopiedObject>;
  startMultipartCopy(target: ObjectLocation, options: CopyOptions): Promise<string>;
  /** One UploadPartCopy of bytes part.first..part.last; returns the part's ETag. */
  copyPart(uploadId: string, source: CopySource, target: ObjectLocation, part: CopyPart): Promise<string>;
  completeMultipartCopy(
    uploadId: string,
    target: ObjectLocation,
    parts: readonly { readonly partNumber: number; readonly etag: string }[],
  ): Promise<CopiedObject>;
  abortMultipartCopy(uploadId: string, target: ObjectLocation): Promise<void>;
  /** A small object written whole (a folder's manifest and marker). */
  put(target: ObjectLocation, body: string, contentType: string, options: CopyOptions): Promise<CopiedObject>;
  remove(target: ObjectLocation): Promise<void>;
}

/**
 * The staged object is no longer the version that was tested (an unversioned key overwritten, or a
 * part replaced after the plan): nothing is published under the old verdict. The newer upload is
 * tested, and published, by its own execution.
 */
export class StagedVersionChangedError extends PrtError {
  override readonly name = 'StagedVersionChangedError';
}
