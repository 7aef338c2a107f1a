import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  NotFound,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { TransientDependencyError } from '../../../../lambdas/core/errors';
import { ObjectNotFoundError } from '../../../../lambdas/core/storage/object-store';
import { S3ObjectStore } from '../../../../lambdas/adapters/aws/s3-object-store';
import { sdkStreamBody } from '../../../fixtures/sdk-stream-body';

const s3Mock = mockClient(S3Client);
const BUCKET = 'landing-bucket';
const KEY = 'pipelines/sales/r1/preprocessing/training_data/part-0.csv';

function serviceError(
  name: string,
  httpStatusCode: number,
  fault: 'client' | 'server' = httpStatusCode >= 500 ? 'server' : 'client',
) {
  return new S3ServiceException({
    name,
    $fault: fault,
    $metadata: { httpStatusCode },
    message: `${name} from the mock`,
  });
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const part of stream) parts.push(part);
  return Buffer.concat(parts).toString('utf8');
}

describe('S3ObjectStore', () => {
  let store: S3ObjectStore;

  beforeEach(() => {
    s3Mock.reset();
    store = new S3ObjectStore(new S3Client({ region: 'eu-west-1' }));
  });

  afterEach(() => {
    s3Mock.reset();
  });

  describe('head', () => {
    it('returns size, unquoted ETag, version and metadata', async () => {
      // Prepare
      const lastModified = new Date('2024-06-01T10:20:30Z');
      s3Mock.on(HeadObjectCommand).resolves({
        ContentLength: 42,
        ETag: '"b1946ac92492d2347c6235b4d2611184"',
        VersionId: 'v1',
        ContentType: 'text/csv',
        ContentEncoding: 'gzip',
        LastModified: lastModified,
      });

      // Act
      const head = await store.head(BUCKET, KEY, 'v1');

      // Assess
      expect(head).toEqual({
        size: 42,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        versionId: 'v1',
        contentType: 'text/csv',
        contentEncoding: 'gzip',
        lastModified,
      });
      expect(s3Mock.commandCalls(HeadObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: BUCKET,
        Key: KEY,
        VersionId: 'v1',
      });
    });

    it('leaves out the "null" version id of an unversioned bucket', async () => {
      // Prepare
      s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"e"', VersionId: 'null' });

      // Act
      const head = await store.head(BUCKET, KEY);

      // Assess
      expect(head).toEqual({ size: 1, etag: 'e' });
    });

    it('maps NotFound (HEAD has no body, so no NoSuchKey) to ObjectNotFoundError', async () => {
      // Prepare
      s3Mock
        .on(HeadObjectCommand)
        .rejects(new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }));

      // Act
      const act = store.head(BUCKET, KEY);

      // Assess
      await expect(act).rejects.toBeInstanceOf(ObjectNotFoundError);
      await expect(act).rejects.toThrow(`HeadObject s3://${BUCKET}/${KEY}: no such object`);
    });
  });

  describe('read', () => {
    it('streams the body of the requested version', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).resolves({ Body: sdkStreamBody('id,name\n1,Zoë\n', 3) });

      // Act
      const body = await store.read(BUCKET, KEY, 'v7');

      // Assess
      expect(await collect(body)).toBe('id,name\n1,Zoë\n');
      expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: BUCKET,
        Key: KEY,
        VersionId: 'v7',
      });
    });

    it('maps NoSuchKey to ObjectNotFoundError', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand)
        .rejects(
          new NoSuchKey({ message: 'The specified key does not exist.', $metadata: { httpStatusCode: 404 } }),
        );

      // Act
      const act = store.read(BUCKET, KEY);

      // Assess
      await expect(act).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it('maps NoSuchVersion to ObjectNotFoundError', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).rejects(serviceError('NoSuchVersion', 400));

      // Act
      const act = store.read(BUCKET, KEY, 'gone');

      // Assess
      await expect(act).rejects.toBeInstanceOf(ObjectNotFoundError);
    });

    it.each([
      ['503 Service Unavailable', serviceError('ServiceUnavailable', 503)],
      ['500 InternalError', serviceError('InternalError', 500)],
      ['SlowDown', serviceError('SlowDown', 503)],
      ['429 throttling', serviceError('TooManyRequestsException', 429)],
      [
        'a retryable throttling error',
        Object.assign(serviceError('Throttling', 400), { $retryable: { throttling: true } }),
      ],
    ])('maps %s to TransientDependencyError', async (_case, error) => {
      // Prepare
      s3Mock.on(GetObjectCommand).rejects(error);

      // Act
      const act = store.read(BUCKET, KEY);

      // Assess
      await expect(act).rejects.toBeInstanceOf(TransientDependencyError);
      await expect(act).rejects.toThrow(`GetObject s3://${BUCKET}/${KEY}: S3 answered ${error.name}`);
    });

    it('maps a reset connection to TransientDependencyError', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand)
        .rejects(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));

      // Act
      const act = store.read(BUCKET, KEY);

      // Assess
      await expect(act).rejects.toThrow(TransientDependencyError);
      await expect(act).rejects.toThrow('S3 endpoint unreachable (read ECONNRESET)');
    });

    it('rethrows AccessDenied as it is', async () => {
      // Prepare
      const denied = serviceError('AccessDenied', 403);
      s3Mock.on(GetObjectCommand).rejects(denied);

      // Act
      const act = store.read(BUCKET, KEY);

      // Assess
      await expect(act).rejects.toBe(denied);
    });

    it('rethrows errors that are not S3 errors as they are', async () => {
      // Prepare
      const bug = new TypeError('cannot read properties of undefined');
      s3Mock.on(GetObjectCommand).rejects(bug);

      // Act
      const act = store.read(BUCKET, KEY);

      // Assess
      await expect(act).rejects.toBe(bug);
    });
  });

  describe('readRange', () => {
    it('passes an inclusive Range header and returns the bytes', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).resolves({ Body: sdkStreamBody('PAR1') });

      // Act
      const bytes = await store.readRange(BUCKET, KEY, 0, 65535, 'v1');

      // Assess
      expect(Buffer.from(bytes).toString('utf8')).toBe('PAR1');
      expect(s3Mock.commandCalls(GetObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: BUCKET,
        Key: KEY,
        VersionId: 'v1',
        Range: 'bytes=0-65535',
      });
    });

    it('returns no bytes for a range beyond the end of the object (InvalidRange)', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).rejects(serviceError('InvalidRange', 416));

      // Act
      const bytes = await store.readRange(BUCKET, KEY, 100, 200);

      // Assess
      expect(bytes).toEqual(new Uint8Array());
    });

    it('returns no bytes when S3 sends no body', async () => {
      // Prepare
      s3Mock.on(GetObjectCommand).resolves({});

      // Act
      const bytes = await store.readRange(BUCKET, KEY, 0, 10);

      // Assess
      expect(bytes.byteLength).toBe(0);
    });

    it('maps a missing object to ObjectNotFoundError', async () => {
      // Prepare
      s3Mock
        .on(GetObjectCommand)
        .rejects(new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } }));

      // Act
      const act = store.readRange(BUCKET, KEY, 0, 10);

      // Assess
      await expect(act).rejects.toThrow(ObjectNotFoundError);
    });
  });

  describe('write', () => {
    it('puts the body with its content type and returns the unquoted ETag and version', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({ ETag: '"abc"', VersionId: 'v2' });

      // Act
      const written = await store.write('artifacts', 'reports/x.json', '{"a":1}', 'application/json');

      // Assess
      expect(written).toEqual({ etag: 'abc', versionId: 'v2' });
      expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toEqual({
        Bucket: 'artifacts',
        Key: 'reports/x.json',
        Body: '{"a":1}',
        ContentType: 'application/json',
      });
    });

    it('omits the version of an unversioned bucket', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).resolves({ ETag: '"abc"' });

      // Act
      const written = await store.write('artifacts', 'k', new Uint8Array([1]), 'application/octet-stream');

      // Assess
      expect(written).toEqual({ etag: 'abc' });
    });

    it('maps SlowDown on write to TransientDependencyError', async () => {
      // Prepare
      s3Mock.on(PutObjectCommand).rejects(serviceError('SlowDown', 503));

      // Act
      const act = store.write('artifacts', 'k', 'x', 'text/plain');

      // Assess
      await expect(act).rejects.toThrow(TransientDependencyError);
    });
  });

  describe('list', () => {
    it('follows continuation tokens across pages', async () => {
      // Prepare
      s3Mock
        .on(ListObjectsV2Command, { ContinuationToken: undefined })
        .resolves({
          Contents: [
            { Key: 'contracts/a.yaml', ETag: '"1"', Size: 10 },
            { Key: 'contracts/b.yaml', ETag: '"2"', Size: 20 },
          ],
          IsTruncated: true,
          NextContinuationToken: 'page-2',
        })
        .on(ListObjectsV2Command, { ContinuationToken: 'page-2' })
        .resolves({
          Contents: [{ Key: 'contracts/c.yaml', ETag: '"3"', Size: 30 }],
          IsTruncated: true,
          NextContinuationToken: 'page-3',
        })
        .on(ListObjectsV2Command, { ContinuationToken: 'page-3' })
        .resolves({ Contents: [{ Key: 'contracts/d.yaml', ETag: '"4"' }], IsTruncated: false });

      // Act
      const listed = [];
      for await (const o of store.list('artifacts', 'contracts/')) listed.push(o);

      // Assess
      expect(listed).toEqual([
        { key: 'contracts/a.yaml', etag: '1', size: 10 },
        { key: 'contracts/b.yaml', etag: '2', size: 20 },
        { key: 'contracts/c.yaml', etag: '3', size: 30 },
        { key: 'contracts/d.yaml', etag: '4', size: 0 },
      ]);
      expect(s3Mock.commandCalls(ListObjectsV2Command).map((c) => c.args[0].input)).toEqual([
        { Bucket: 'artifacts', Prefix: 'contracts/', ContinuationToken: undefined },
        { Bucket: 'artifacts', Prefix: 'contracts/', ContinuationToken: 'page-2' },
        { Bucket: 'artifacts', Prefix: 'contracts/', ContinuationToken: 'page-3' },
      ]);
    });

    it('yields nothing for an empty prefix', async () => {
      // Prepare
      s3Mock.on(ListObjectsV2Command).resolves({ KeyCount: 0, IsTruncated: false });

      // Act
      const listed = [];
      for await (const o of store.list('artifacts', 'contracts/')) listed.push(o);

      // Assess
      expect(listed).toEqual([]);
      expect(s3Mock.commandCalls(ListObjectsV2Command)).toHaveLength(1);
    });

    it('maps a throttled page to TransientDependencyError', async () => {
      // Prepare
      s3Mock.on(ListObjectsV2Command).rejects(serviceError('SlowDown', 503));

      // Act
      const act = (async () => {
        for await (const o of store.list('artifacts', 'contracts/')) void o;
      })();

      // Assess
      await expect(act).rejects.toThrow(TransientDependencyError);
    });
  });
});
