/**
 * A conversion whose equivalence proof fails discards what it wrote. On the versioned artifacts
 * bucket that must be a delete marker (DeleteObject without a version id), the only delete the
 * convert role is granted: no version of a converted output can be erased for good, and the
 * failed bytes stay as a noncurrent version for investigation.
 */
import { DeleteObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Sink } from '../../../../lambdas/adapters/aws/s3-byte-io';

const s3 = mockClient(S3Client);

afterEach(() => {
  s3.reset();
});

describe('S3Sink.discard', () => {
  it('deletes the key it wrote without naming the version (a delete marker, not a permanent delete)', async () => {
    // Prepare
    s3.on(PutObjectCommand).resolves({ ETag: '"e1"', VersionId: 'v1' });
    s3.on(DeleteObjectCommand).resolves({ DeleteMarker: true, VersionId: 'v2' });
    const sink = new S3Sink(
      new S3Client({}),
      'artifacts',
      'converted/out.parquet',
      'application/octet-stream',
    );
    await sink.write(new Uint8Array([1, 2, 3]));
    await sink.close();
    // Act
    await sink.discard();
    // Assess
    const deletes = s3.commandCalls(DeleteObjectCommand).map((call) => call.args[0].input);
    expect(sink.result?.versionId).toBe('v1');
    expect(deletes).toEqual([{ Bucket: 'artifacts', Key: 'converted/out.parquet' }]);
  });

  it('deletes nothing when nothing was published', async () => {
    // Prepare
    const sink = new S3Sink(new S3Client({}), 'artifacts', 'converted/none.csv', 'text/csv');
    // Act
    await sink.discard();
    // Assess
    expect(s3.commandCalls(DeleteObjectCommand)).toEqual([]);
  });
});
