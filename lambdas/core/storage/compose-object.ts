/**
 * One object made of stored parts in order, as an S3 multipart upload makes it (a large object
 * converted range by range writes each range's part as an object of its own; one step joins them).
 *
 * S3's rules shape the pieces: every part but the last is at least 5 MiB, a part copied from
 * another object (UploadPartCopy) is at most 5 GiB, and an upload has at most 10,000 parts.
 * composePieces turns the stored parts (any sizes, tiny ones included: a test's threshold, or a
 * range whose rows compress well) into pieces that keep those rules: a part of 5 MiB or more is
 * copied where it lies (no byte passes through the function), cut into copies of at most 5 GiB;
 * small parts are read and joined with their neighbours into one uploaded piece. At most two
 * pieces' worth of bytes (under 10 MiB) are held at a time, whatever the object's size.
 */
import { IntegrityError } from '../errors';

/** S3's smallest part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
/** S3's largest part copied from another object. */
export const MAX_COPY_BYTES = 5 * 1024 ** 3;
/** S3's most parts in one upload. */
export const MAX_PARTS = 10_000;

export type ComposedPiece =
  /** Bytes [start, end) of a stored object, copied where they lie. */
  | {
      readonly kind: 'copy';
      readonly bucket: string;
      readonly key: string;
      readonly versionId?: string;
      readonly start: number;
      readonly end: number;
    }
  /** Bytes given (small parts joined, a file's tail). */
  | { readonly kind: 'bytes'; readonly body: Uint8Array };

export interface ComposedObject {
  readonly etag: string;
  readonly versionId?: string;
  readonly size: number;
}

/** The store side: joins pieces, in order, into one object (an S3 multipart upload). */
export interface ObjectComposer {
  compose(
    bucket: string,
    key: string,
    contentType: string,
    pieces: AsyncIterable<ComposedPiece>,
  ): Promise<ComposedObject>;
}

export interface StoredPart {
  readonly bucket: string;
  readonly key: string;
  readonly versionId?: string;
  readonly size: number;
}

export interface ComposeLimits {
  readonly minPartBytes?: number;
  readonly maxCopyBytes?: number;
  readonly maxParts?: number;
}

/**
 * The pieces of `head`, `parts` and `tail` in order (head and tail: bytes that start and end the
 * object, e.g. a Parquet file's magic and footer; either may be empty), each but the last at
 * least minPartBytes. `read` reads bytes [start, end) of a part.
 */
export async function* composePieces(
  layout: {
    readonly head?: Uint8Array;
    readonly parts: readonly StoredPart[];
    readonly tail?: Uint8Array;
  },
  read: (part: StoredPart, start: number, end: number) => Promise<Uint8Array>,
  limits: ComposeLimits = {},
): AsyncGenerator<ComposedPiece> {
  const { parts } = layout;
  const tail = layout.tail ?? new Uint8Array();
  const minPart = limits.minPartBytes ?? MIN_PART_BYTES;
  const maxCopy = limits.maxCopyBytes ?? MAX_COPY_BYTES;
  const maxParts = limits.maxParts ?? MAX_PARTS;
  let pending: Uint8Array[] = layout.head && layout.head.byteLength > 0 ? [layout.head] : [];
  let pendingBytes = layout.head?.byteLength ?? 0;
  let count = 0;
  const piece = (p: ComposedPiece): ComposedPiece => {
    if (++count > maxParts)
      throw new IntegrityError(`the object needs more than ${maxParts} parts; plan fewer, larger ranges`);
    return p;
  };
  const take = (): ComposedPiece => {
    const body = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
    pending = [];
    pendingBytes = 0;
    return piece({ kind: 'bytes', body });
  };
  const add = (bytes: Uint8Array, part: StoredPart, expected: number): void => {
    if (bytes.byteLength !== expected)
      throw new IntegrityError(
        `s3://${part.bucket}/${part.key} gave ${bytes.byteLength} bytes where ${expected} were expected; it changed or is shorter than its part`,
      );
    pending.push(bytes);
    pendingBytes += bytes.byteLength;
  };
  /** Copies of bytes [start, end) of a part, each at most maxCopy (and, being over half of it, over minPart). */
  function* copies(part: StoredPart, start: number, end: number): Generator<ComposedPiece> {
    const n = Math.ceil((end - start) / maxCopy);
    for (let k = 0; k < n; k++)
      yield piece({
        kind: 'copy',
        bucket: part.bucket,
        key: part.key,
        ...(part.versionId !== undefined ? { versionId: part.versionId } : {}),
        start: start + Math.floor(((end - start) * k) / n),
        end: start + Math.floor(((end - start) * (k + 1)) / n),
      });
  }
  for (const part of parts) {
    const size = part.size;
    if (size === 0) continue;
    if (pendingBytes === 0 && size >= minPart) {
      yield* copies(part, 0, size);
      continue;
    }
    // What the pending bytes lack to make a part.
    const need = minPart - pendingBytes;
    if (size - need >= minPart) {
      add(await read(part, 0, need), part, need);
      yield take();
      yield* copies(part, need, size);
      continue;
    }
    add(await read(part, 0, size), part, size);
    if (pendingBytes >= minPart) yield take();
  }
  if (tail.byteLength > 0) {
    pending.push(tail);
    pendingBytes += tail.byteLength;
  }
  if (pendingBytes > 0 || count === 0) yield take();
}
