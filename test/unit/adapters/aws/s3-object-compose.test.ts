import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';

import { S3ObjectStore } from '../../../../lambdas/adapters/aws/s3-object-store';
import { IntegrityError } from '../../../../lambdas/core/errors';
import type { ComposedPiece } from '../../../../lambdas/core/storage/compose-object';

const s3Mock = mockClient(S3Client);
const BUCKET = 'artifacts';
const KEY = 'converted/big.parquet';

async function* piecesOf(...pieces: ComposedPiece[]): AsyncGenerator<ComposedPiece> {
  for (const p of pieces) yield await Promise.resolve(p);
}

function mockUpload(assembledSize: number): void {
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: 'u1' });
  s3Mock.on(UploadPartCopyCommand).resolves({ CopyPartResult: { ETag: '"c"' } });
  s3Mock.on(UploadPartCommand).resolves({ ETag: '"b"' });
  s3Mock.on(CompleteMultipartUploadCommand).resolves({ ETag: '"whole-2"', VersionId: 'v9' });
  s3Mock.on(HeadObjectCommand).resolves({ ContentLength: assembledSize, ETag: '"whole-2"' });
}

describe('S3ObjectStore.compose', () => {
  afterEach(() => s3Mock.reset());

  it('copies stored pieces with UploadPartCopy and uploads given bytes, in order', async () => {
    // Arrange
    mockUpload(8 + 3);
    const store = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }));

    // Act
    const out = await store.compose(
      BUCKET,
      KEY,
      'application/vnd.apache.parquet',
      piecesOf(
        { kind: 'copy', bucket: 'tmp', key: 'parts/0 a.bin', versionId: 'x', start: 2, end: 10 },
        { kind: 'bytes', body: new Uint8Array([1, 2, 3]) },
      ),
    );

    // Assess
    expect(out).toEqual({ etag: 'whole-2', versionId: 'v9', size: 11 });
    const copy = s3Mock.commandCalls(UploadPartCopyCommand)[0]!.args[0].input;
    expect(copy).toMatchObject({
      PartNumber: 1,
      CopySource: 'tmp/parts%2F0%20a.bin?versionId=x',
      CopySourceRange: 'bytes=2-9',
      UploadId: 'u1',
    });
    expect(s3Mock.commandCalls(UploadPartCommand)[0]!.args[0].input.PartNumber).toBe(2);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)[0]!.args[0].input.MultipartUpload).toEqual({
      Parts: [
        { ETag: '"c"', PartNumber: 1 },
        { ETag: '"b"', PartNumber: 2 },
      ],
    });
  });

  it('refuses an assembled object shorter than its pieces (a store that ignored a copy)', async () => {
    // Arrange
    mockUpload(3);
    const store = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }));

    // Act + Assess
    await expect(
      store.compose(
        BUCKET,
        KEY,
        'text/csv',
        piecesOf(
          { kind: 'copy', bucket: 'tmp', key: 'p0', start: 0, end: 8 },
          { kind: 'bytes', body: new Uint8Array([1, 2, 3]) },
        ),
      ),
    ).rejects.toThrow(IntegrityError);
  });

  it('aborts the upload when a piece fails', async () => {
    // Arrange
    mockUpload(0);
    s3Mock.on(AbortMultipartUploadCommand).resolves({});
    const store = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }));
    async function* failing(): AsyncGenerator<ComposedPiece> {
      yield await Promise.resolve<ComposedPiece>({ kind: 'bytes', body: new Uint8Array([1]) });
      throw new IntegrityError('part 2 changed');
    }

    // Act + Assess
    await expect(store.compose(BUCKET, KEY, 'text/csv', failing())).rejects.toThrow('part 2 changed');
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)[0]!.args[0].input.UploadId).toBe('u1');
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });
});
