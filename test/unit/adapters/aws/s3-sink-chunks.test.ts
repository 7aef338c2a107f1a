/**
 * S3Sink says it releases its chunks (ByteSink.releasesChunks): a text writer then refills the
 * buffer it handed over as soon as the write resolves. That is only true while the sink copies
 * each chunk as it takes it, which these tests hold it to, for one PutObject and for parts.
 */
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { S3Sink } from '../../../../lambdas/adapters/aws/s3-byte-io';

const s3 = mockClient(S3Client);

afterEach(() => {
  s3.reset();
});

/** Writes `count` chunks of `size` bytes from one buffer that is refilled after each write. */
async function writeReusing(sink: S3Sink, count: number, size: number): Promise<Buffer> {
  const buffer = new Uint8Array(size);
  const expected: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    buffer.fill(65 + i);
    expected.push(Buffer.from(buffer));
    await sink.write(buffer);
  }
  buffer.fill(0);
  return Buffer.concat(expected);
}

describe('S3Sink and reused chunks', () => {
  it('Compliance: it declares that it releases chunks', () => {
    // Arrange
    const sink = new S3Sink(new S3Client({}), 'b', 'k', 'text/csv');

    // Act
    const releases = sink.releasesChunks;

    // Assert
    expect(releases).toBe(true);
  });

  it('Compliance: a small object is put with the bytes written, not what the buffer held later', async () => {
    // Arrange
    s3.on(PutObjectCommand).resolves({ ETag: '"e"' });
    const sink = new S3Sink(new S3Client({}), 'b', 'out.csv', 'text/csv');

    // Act
    const expected = await writeReusing(sink, 3, 1000);
    await sink.close();

    // Assert
    const body = s3.commandCalls(PutObjectCommand)[0]!.args[0].input.Body as Uint8Array;
    expect(Buffer.from(body).equals(expected)).toBe(true);
  });

  it('Compliance: each uploaded part holds the bytes written, not what the buffer held later', async () => {
    // Arrange: 1 MiB chunks, enough for one full part and a last one
    s3.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u' });
    s3.on(UploadPartCommand).resolves({ ETag: '"p"' });
    s3.on(CompleteMultipartUploadCommand).resolves({ ETag: '"e"' });
    const sink = new S3Sink(new S3Client({}), 'b', 'out.csv', 'text/csv');

    // Act
    const expected = await writeReusing(sink, 9, 1 << 20);
    await sink.close();

    // Assert
    const parts = s3
      .commandCalls(UploadPartCommand)
      .map((c) => Buffer.from(c.args[0].input.Body as Uint8Array));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(Buffer.concat(parts).equals(expected)).toBe(true);
  });
});
