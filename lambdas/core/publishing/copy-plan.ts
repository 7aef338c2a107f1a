/**
 * How one object is copied server-side, and in what order a folder is. S3's limits drive it:
 * CopyObject copies at most 5 GiB; above that an object is copied by UploadPartCopy, in at most
 * 10,000 parts of 5 MiB to 5 GiB (the last may be smaller), up to 5 TiB in all.
 */
import { IntegrityError } from '../errors';
import { byteOrder } from '../registry/dataset-parts';

const GIB = 1024 ** 3;

export const COPY_LIMITS = {
  /** The largest object one CopyObject copies. */
  singleCopyMaxBytes: 5 * GIB,
  maxPartBytes: 5 * GIB,
  maxParts: 10_000,
  /** The largest object S3 stores. */
  maxObjectBytes: 5 * 1024 * GIB,
} as const;

/**
 * 512 MiB parts: a 5 TiB object fits in 10,000 of them, and one part copies in well under the
 * function's timeout (S3 copies inside the service at hundreds of MB/s).
 */
export const DEFAULT_COPY_PART_BYTES = 512 * 1024 ** 2;

export interface CopyPlanOptions {
  /** Objects up to this size are copied by one CopyObject (at most, and by default, 5 GiB). */
  readonly multipartAboveBytes?: number;
  /** Size of each part of a multipart copy (raised when the object would need more than 10,000). */
  readonly partBytes?: number;
}

/** One part of a multipart copy: bytes `first`..`last` inclusive, as x-amz-copy-source-range names them. */
export interface CopyPart {
  readonly partNumber: number;
  readonly first: number;
  readonly last: number;
}

export type CopyPlan =
  | { readonly kind: 'single' }
  | { readonly kind: 'multipart'; readonly partBytes: number; readonly parts: readonly CopyPart[] };

export function planObjectCopy(size: number, options: CopyPlanOptions = {}): CopyPlan {
  if (!Number.isSafeInteger(size) || size < 0)
    throw new IntegrityError(`object size ${size} is not a byte count`);
  if (size > COPY_LIMITS.maxObjectBytes)
    throw new IntegrityError(`an object of ${size} bytes is larger than S3 stores (5 TiB); nothing to copy`);
  const threshold = Math.min(
    options.multipartAboveBytes ?? COPY_LIMITS.singleCopyMaxBytes,
    COPY_LIMITS.singleCopyMaxBytes,
  );
  if (size <= threshold) return { kind: 'single' };
  const asked = Math.min(options.partBytes ?? DEFAULT_COPY_PART_BYTES, COPY_LIMITS.maxPartBytes);
  const partBytes = Math.max(asked, Math.ceil(size / COPY_LIMITS.maxParts));
  const parts: CopyPart[] = [];
  for (let first = 0, n = 1; first < size; first += partBytes, n++)
    parts.push({ partNumber: n, first, last: Math.min(first + partBytes, size) - 1 });
  return { kind: 'multipart', partBytes, parts };
}

/** A part of a partitioned output as the plan step listed it (ETag without quotes). */
export interface StagedPart {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
}

/** The copies of a folder, then its two markers: readers that wait for `_SUCCESS` never see half a folder. */
export interface FolderPublication {
  readonly copies: readonly { readonly source: StagedPart; readonly targetKey: string }[];
  readonly manifestKey: string;
  readonly markerKey: string;
}

export const PUBLISHED_MANIFEST = '_manifest.json';
export const PUBLISHED_MARKER = '_SUCCESS';

/** Most parts one publication copies: the function's time bounds it, and a larger folder fails with its count. */
export const MAX_FOLDER_PARTS = 10_000;

export function planFolderPublication(
  stagedFolder: string,
  publishedFolder: string,
  parts: readonly StagedPart[],
): FolderPublication {
  if (parts.length > MAX_FOLDER_PARTS)
    throw new IntegrityError(
      `the folder has ${parts.length} parts, more than the ${MAX_FOLDER_PARTS} one publication copies; split the output into smaller folders`,
    );
  const copies = [...parts]
    .sort((a, b) => byteOrder(a.key, b.key))
    .map((source) => {
      if (!source.key.startsWith(stagedFolder))
        throw new IntegrityError(`part '${source.key}' is not in the folder '${stagedFolder}'`);
      return { source, targetKey: `${publishedFolder}${source.key.slice(stagedFolder.length)}` };
    });
  return {
    copies,
    manifestKey: `${publishedFolder}${PUBLISHED_MANIFEST}`,
    markerKey: `${publishedFolder}${PUBLISHED_MARKER}`,
  };
}
