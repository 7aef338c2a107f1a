/**
 * The digests S3 reports for an object, computed the way S3 computes them, so tests can serve a
 * realistic HeadObject: the ETag of a single or multipart upload, and full-object or composite
 * checksums.
 */
import { createHash } from 'node:crypto';

import {
  checksumOf,
  createChecksum,
  type ChecksumAlgorithm,
} from '../../../../lambdas/core/download/object-checksums';

export function partsOf(bytes: Uint8Array, partSize: number): Uint8Array[] {
  const parts: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += partSize)
    parts.push(bytes.subarray(i, Math.min(bytes.length, i + partSize)));
  return parts.length > 0 ? parts : [bytes];
}

export function md5Etag(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/** `md5(md5(part1) ‖ md5(part2) ‖ …)-N`, S3's ETag of a multipart upload. */
export function multipartEtag(bytes: Uint8Array, partSize: number): string {
  const parts = partsOf(bytes, partSize);
  const combined = createHash('md5');
  for (const p of parts) combined.update(createHash('md5').update(p).digest());
  return `${combined.digest('hex')}-${parts.length}`;
}

/** A composite checksum: the checksum of the parts' checksums, `-N`. */
export function compositeChecksum(algorithm: ChecksumAlgorithm, bytes: Uint8Array, partSize: number): string {
  const parts = partsOf(bytes, partSize);
  const combined = createChecksum(algorithm);
  for (const p of parts) combined.update(Buffer.from(checksumOf(algorithm, p), 'base64'));
  return `${combined.digest().toString('base64')}-${parts.length}`;
}
