import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

import { checksumOf } from '../../../../lambdas/core/download/object-checksums';
import {
  IntegrityVerifier,
  checksumFromHead,
  etagKind,
  partSizeCandidates,
  type ObjectInfo,
} from '../../../../lambdas/core/download/object-integrity';
import { compositeChecksum, md5Etag, multipartEtag } from '../../../fixtures/s3-object-digests';

const MIB = 1024 * 1024;
// Part sizes are scaled down in these tests: the arithmetic is the same, the bytes are fewer.
const BYTES = randomBytes(5 * MIB + 12345);

function info(overrides: Partial<ObjectInfo>): ObjectInfo {
  return {
    bucket: 'b',
    key: 'k.bin',
    uri: 's3://b/k.bin',
    size: BYTES.length,
    etag: md5Etag(BYTES),
    versionId: null,
    ...overrides,
  };
}

/** Feeds the bytes in uneven chunks, as a stream would. */
function verify(object: ObjectInfo, bytes: Uint8Array = BYTES) {
  const verifier = new IntegrityVerifier(object);
  for (let i = 0, n = 1; i < bytes.length; i += n, n = (n * 7 + 13) % 200_000 || 1)
    verifier.update(bytes.subarray(i, Math.min(bytes.length, i + n)));
  return { outcome: verifier.finish(), md5: verifier.md5Hex };
}

describe('IntegrityVerifier', () => {
  it('verifies size and a single-part ETag', () => {
    // Act
    const { outcome, md5 } = verify(info({}));

    // Assess
    expect(outcome).toEqual({ verified: ['size', 'etag-md5'], unverifiable: [], problems: [] });
    expect(md5).toBe(md5Etag(BYTES));
  });

  it('reports a flipped byte against the ETag and a short file against the size', () => {
    // Prepare
    const flipped = Buffer.from(BYTES);
    flipped[1000] = flipped[1000]! ^ 0xff;

    // Act
    const corrupt = verify(info({}), flipped).outcome;
    const short = verify(info({}), BYTES.subarray(0, BYTES.length - 1)).outcome;

    // Assess
    expect(corrupt.problems).toEqual([`MD5 ${md5Etag(flipped)} does not match the ETag ${md5Etag(BYTES)}`]);
    expect(short.problems[0]).toBe(
      `size: ${BYTES.length - 1} bytes received, the object has ${BYTES.length}`,
    );
  });

  it('recomputes a multipart ETag with the part size HeadObject PartNumber=1 gave', () => {
    // Prepare
    const partSize = MIB + 7;

    // Act
    const { outcome } = verify(info({ etag: multipartEtag(BYTES, partSize), partSize }));

    // Assess
    expect(outcome.verified).toEqual(['size', `etag-multipart(6x${partSize}B)`]);
  });

  it('finds a common part size when the endpoint does not tell it', () => {
    // Prepare: an 8 MiB-part upload of 20 MiB + 1 byte, as the AWS CLI makes.
    const bytes = randomBytes(20 * MIB + 1);

    // Act
    const { outcome } = verify(info({ size: bytes.length, etag: multipartEtag(bytes, 8 * MIB) }), bytes);

    // Assess
    expect(outcome.verified).toEqual(['size', 'etag-multipart(3x8MiB)']);
    expect(outcome.problems).toEqual([]);
  });

  it('calls a multipart ETag unverifiable, not wrong, when no guessed part size reproduces it', () => {
    // Prepare: an odd part size nobody uses.
    const etag = multipartEtag(BYTES, 2 * MIB + 3);

    // Act
    const { outcome } = verify(info({ etag }));

    // Assess
    expect(outcome.problems).toEqual([]);
    expect(outcome.unverifiable[0]).toMatch(/^etag: multipart ETag .+-3, part size unknown \(tried /);
  });

  it('fails a multipart ETag that does not match when the part size was known', () => {
    // Prepare
    const partSize = MIB + 7;
    const other = Buffer.from(BYTES);
    other[0] = other[0]! ^ 1;

    // Act
    const { outcome } = verify(info({ etag: multipartEtag(other, partSize), partSize }));

    // Assess
    expect(outcome.problems).toEqual([
      `the multipart ETag ${multipartEtag(other, partSize)} does not match the bytes (6 parts of ${partSize}B)`,
    ]);
  });

  it('does not trust the ETag of an SSE-KMS object, and says so', () => {
    // Act
    const { outcome } = verify(info({ etag: 'f'.repeat(32), serverSideEncryption: 'aws:kms' }));

    // Assess
    expect(outcome).toEqual({
      verified: ['size'],
      unverifiable: ['etag: not an MD5 under aws:kms encryption'],
      problems: [],
    });
  });

  it.each(['SHA256', 'SHA1', 'CRC32', 'CRC32C', 'CRC64NVME'] as const)(
    'verifies a full-object %s checksum and catches a mismatch',
    (algorithm) => {
      // Prepare
      const good = info({
        checksum: { algorithm, value: checksumOf(algorithm, BYTES), type: 'FULL_OBJECT' },
      });
      const bad = info({
        checksum: { algorithm, value: checksumOf(algorithm, Buffer.from('other')), type: 'FULL_OBJECT' },
      });

      // Act
      const ok = verify(good).outcome;
      const wrong = verify(bad).outcome;

      // Assess
      expect(ok.verified).toEqual(['size', 'etag-md5', algorithm.toLowerCase()]);
      expect(wrong.problems).toEqual([
        `${algorithm} ${checksumOf(algorithm, BYTES)} does not match the object's ${checksumOf(algorithm, Buffer.from('other'))}`,
      ]);
    },
  );

  it('verifies a composite checksum of a multipart upload', () => {
    // Prepare
    const partSize = MIB + 7;
    const composite = compositeChecksum('SHA256', BYTES, partSize);
    const head = { ChecksumSHA256: composite, ChecksumType: 'COMPOSITE' };

    // Act
    const { outcome } = verify(
      info({ etag: multipartEtag(BYTES, partSize), partSize, checksum: checksumFromHead(head)! }),
    );

    // Assess
    expect(outcome.verified).toEqual(['size', `etag-multipart(6x${partSize}B)`, 'sha256-composite']);
  });
});

describe('what HeadObject tells', () => {
  it('reads a checksum and whether it is composite', () => {
    // Act
    const full = checksumFromHead({ ChecksumCRC64NVME: 'AAAAAAAAAAA=', ChecksumType: 'FULL_OBJECT' });
    const composite = checksumFromHead({ ChecksumSHA256: 'abc=-4' });
    const none = checksumFromHead({ ETag: '"x"' });

    // Assess
    expect(full).toEqual({ algorithm: 'CRC64NVME', value: 'AAAAAAAAAAA=', type: 'FULL_OBJECT' });
    expect(composite).toEqual({ algorithm: 'SHA256', value: 'abc=', type: 'COMPOSITE', parts: 4 });
    expect(none).toBeUndefined();
  });

  it('tells MD5, multipart and opaque ETags apart', () => {
    // Act
    const kinds = [
      etagKind({ etag: md5Etag(BYTES) }),
      etagKind({ etag: `${md5Etag(BYTES)}-12` }),
      etagKind({ etag: md5Etag(BYTES), serverSideEncryption: 'AES256' }),
      etagKind({ etag: md5Etag(BYTES), serverSideEncryption: 'aws:kms:dsse' }),
      etagKind({ etag: 'W/"weak"' }),
    ];

    // Assess
    expect(kinds).toEqual([
      { kind: 'md5', parts: 1 },
      { kind: 'multipart', parts: 12 },
      { kind: 'md5', parts: 1 },
      { kind: 'opaque', parts: 0 },
      { kind: 'opaque', parts: 0 },
    ]);
  });

  it('proposes only part sizes that give the right part count', () => {
    // Act
    const candidates = partSizeCandidates(100 * MIB, 7);

    // Assess
    expect(candidates.length).toBeGreaterThan(0);
    for (const ps of candidates) expect(Math.ceil((100 * MIB) / ps)).toBe(7);
    expect(candidates).toContain(15 * MIB);
    expect(partSizeCandidates(100 * MIB, 7, 16 * MIB)).toEqual([16 * MIB]);
  });
});
