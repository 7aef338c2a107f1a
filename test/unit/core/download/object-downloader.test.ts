import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  NoSuchKey,
  NotFound,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DownloadCache } from '../../../../lambdas/core/download/download-cache';
import {
  AccessDeniedError,
  DownloadInterruptedError,
  EndpointUnreachableError,
  NoCredentialsError,
  NoSuchObjectError,
  NoSuchVersionError,
  VersioningUnsupportedError,
} from '../../../../lambdas/core/download/download-errors';
import { checksumOf } from '../../../../lambdas/core/download/object-checksums';
import { ObjectDownloader } from '../../../../lambdas/core/download/object-downloader';
import { S3DownloadSource, endpointLabel } from '../../../../lambdas/adapters/aws/s3-download-source';
import {
  ConfigurationError,
  IntegrityError,
  TransientDependencyError,
} from '../../../../lambdas/core/errors';
import { createS3Client } from '../../../../lambdas/adapters/aws/aws-clients';
import { FakeBucket } from '../../../fixtures/fake-s3-bucket';
import { md5Etag, multipartEtag } from '../../../fixtures/s3-object-digests';

const s3Mock = mockClient(S3Client);
const BUCKET = 'outputs';
const KIB = 1024;

function serviceError(name: string, status: number): S3ServiceException {
  return new S3ServiceException({
    name,
    $fault: status >= 500 ? 'server' : 'client',
    message: name,
    $metadata: { httpStatusCode: status },
  });
}

/** A body that sends some bytes and then breaks, as a reset connection does. */
function brokenStream(bytes: Buffer): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (!sent) {
        sent = true;
        this.push(bytes.subarray(0, Math.floor(bytes.length / 2)));
      } else this.destroy(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    },
  });
}

describe('ObjectDownloader over S3', () => {
  let dir: string;
  let cache: DownloadCache;
  let bucket: FakeBucket;
  const downloader = (options: ConstructorParameters<typeof ObjectDownloader>[2] = {}) =>
    new ObjectDownloader(
      new S3DownloadSource(new S3Client({ region: 'eu-west-1' }), 'https://s3.test'),
      cache,
      {
        partSize: 64 * KIB,
        sleep: () => Promise.resolve(),
        ...options,
      },
    );

  beforeEach(() => {
    s3Mock.reset();
    dir = mkdtempSync(join(tmpdir(), 'prt-dl-'));
    cache = new DownloadCache({ dir: join(dir, 'cache'), ttlMs: 86_400_000, maxBytes: 1e9 });
    bucket = new FakeBucket(s3Mock);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  describe('downloading and the cache', () => {
    it('downloads a small object in one GET, verifies it and copies it where asked', async () => {
      // Prepare
      const bytes = Buffer.from('order_id,amount\no-1,10\n');
      bucket.put('runs/r1/part-0.csv', { bytes });

      // Act
      const result = await downloader().download(
        { bucket: BUCKET, key: 'runs/r1/part-0.csv' },
        { to: join(dir, 'out') },
      );

      // Assess
      expect(result).toMatchObject({
        source: 'download',
        size: bytes.length,
        parts: 1,
        verified: ['size', 'etag-md5'],
        versionId: null,
      });
      expect(readFileSync(result.path)).toEqual(bytes);
      expect(result.copiedTo).toBe(join(dir, 'out', 'part-0.csv'));
      expect(readFileSync(result.copiedTo!)).toEqual(bytes);
      expect(bucket.gets).toEqual([
        { Bucket: BUCKET, Key: 'runs/r1/part-0.csv', IfMatch: `"${md5Etag(bytes)}"` },
      ]);
      expect(bucket.heads[0]).toMatchObject({ ChecksumMode: 'ENABLED' });
    });

    it('reuses the cached copy while HeadObject shows the same ETag, without a GET', async () => {
      // Prepare
      bucket.put('k.csv', { bytes: Buffer.from('a,b\n1,2\n') });
      const d = downloader();
      await d.download({ bucket: BUCKET, key: 'k.csv' });

      // Act
      const again = await d.download({ bucket: BUCKET, key: 'k.csv' });

      // Assess
      expect(again.source).toBe('cache');
      expect(bucket.gets).toHaveLength(1);
      expect(bucket.heads).toHaveLength(2);
    });

    it('fetches again when the object changed in S3 (new ETag)', async () => {
      // Prepare
      bucket.put('k.csv', { bytes: Buffer.from('v1\n') });
      const d = downloader();
      const first = await d.download({ bucket: BUCKET, key: 'k.csv' });
      bucket.put('k.csv', { bytes: Buffer.from('v2, longer\n') });

      // Act
      const second = await d.download({ bucket: BUCKET, key: 'k.csv' });

      // Assess
      expect(second.source).toBe('download');
      expect(readFileSync(second.path, 'utf8')).toBe('v2, longer\n');
      expect(second.path).not.toBe(first.path);
    });

    it('serves a pinned version id from the cache without asking S3', async () => {
      // Prepare
      bucket.put('k.csv', { bytes: Buffer.from('x\n'), versionId: 'v1' });
      const d = downloader();
      await d.download({ bucket: BUCKET, key: 'k.csv', versionId: 'v1' });
      s3Mock.resetHistory();

      // Act
      const again = await d.download({ bucket: BUCKET, key: 'k.csv', versionId: 'v1' });

      // Assess
      expect(again).toMatchObject({ source: 'cache', versionId: 'v1' });
      expect(s3Mock.calls()).toHaveLength(0);
    });

    it('replaces a cached copy that was damaged on disk', async () => {
      // Prepare
      const bytes = Buffer.from('order_id\no-1\no-2\n');
      bucket.put('k.csv', { bytes });
      const d = downloader();
      const first = await d.download({ bucket: BUCKET, key: 'k.csv' });
      const damaged = Buffer.from(bytes);
      damaged[3] = 0x21;
      writeFileSync(first.path, damaged);

      // Act
      const second = await d.download({ bucket: BUCKET, key: 'k.csv' });

      // Assess
      expect(second).toMatchObject({ source: 'download', repaired: true });
      expect(readFileSync(second.path)).toEqual(bytes);
    });

    it('evicts the least recently used entry when the cache outgrows its limit', async () => {
      // Prepare
      cache = new DownloadCache({ dir: join(dir, 'small'), ttlMs: 86_400_000, maxBytes: 3000 });
      bucket.put('a.bin', { bytes: randomBytes(1500) });
      bucket.put('b.bin', { bytes: randomBytes(1500) });
      const d = downloader();
      await d.download({ bucket: BUCKET, key: 'a.bin' });

      // Act
      const second = await d.download({ bucket: BUCKET, key: 'b.bin' });

      // Assess
      expect(second.evicted).toBe(1);
      expect((await cache.list()).map((e) => e.uri)).toEqual(['s3://outputs/b.bin']);
    });

    it('keeps a hostile key inside the cache and inside the destination', async () => {
      // Prepare
      bucket.put('../../etc/passwd', { bytes: Buffer.from('root:x:0:0\n') });
      const out = join(dir, 'out');

      // Act
      const result = await downloader().download({ bucket: BUCKET, key: '../../etc/passwd' }, { to: out });

      // Assess
      expect(relative(cache.root, result.path).startsWith('..')).toBe(false);
      expect(result.copiedTo).toBe(join(out, 'passwd'));
      expect(readdirSync(dir).sort()).toEqual(['cache', 'out']);
    });
  });

  describe('large objects', () => {
    it('fetches ranged parts aligned with the upload and verifies the multipart ETag', async () => {
      // Prepare: a 3-part upload whose part size HeadObject PartNumber=1 reveals (5 MiB, S3's minimum).
      const partSize = 5 * 1024 * KIB;
      const bytes = randomBytes(2 * partSize + 1234);
      bucket.put('big.bin', {
        bytes,
        etag: multipartEtag(bytes, partSize),
        uploadPartSize: partSize,
        versionId: 'v7',
      });
      const progress: number[] = [];

      // Act
      const result = await downloader({ concurrency: 3 }).download(
        { bucket: BUCKET, key: 'big.bin' },
        { onProgress: (done) => progress.push(done) },
      );

      // Assess
      expect(result).toMatchObject({
        parts: 3,
        verified: ['size', 'etag-multipart(3x5MiB)'],
        versionId: 'v7',
      });
      expect(bucket.gets.map((g) => g.Range).sort()).toEqual(
        [
          `bytes=0-${partSize - 1}`,
          `bytes=${partSize}-${2 * partSize - 1}`,
          `bytes=${2 * partSize}-${bytes.length - 1}`,
        ].sort(),
      );
      expect(bucket.gets.every((g) => g.VersionId === 'v7' && g.IfMatch === undefined)).toBe(true);
      expect(bucket.heads.map((h) => h.PartNumber)).toEqual([undefined, 1]);
      expect(readFileSync(result.path).equals(bytes)).toBe(true);
      expect(progress.at(-1)).toBe(bytes.length);
    });

    it('retries a part whose stream breaks, then verifies the whole', async () => {
      // Prepare
      const bytes = randomBytes(200 * KIB);
      bucket.put('big.bin', { bytes });
      bucket.onGet = (_input, n) => (n === 2 ? brokenStream(bytes.subarray(0, 64 * KIB)) : undefined);

      // Act
      const result = await downloader({ concurrency: 1 }).download({ bucket: BUCKET, key: 'big.bin' });

      // Assess
      expect(result.parts).toBe(4);
      expect(bucket.gets).toHaveLength(5);
      expect(readFileSync(result.path).equals(bytes)).toBe(true);
    });

    it('resumes an interrupted download, fetching only the parts it lacks', async () => {
      // Prepare: the first run loses the connection for good on its third part.
      const bytes = randomBytes(10 * 64 * KIB);
      bucket.put('big.bin', { bytes, checksumSha256: checksumOf('SHA256', bytes) });
      bucket.onGet = (_input, n) => {
        if (n === 3) throw serviceError('InternalError', 500);
        return undefined;
      };
      const first = downloader({ concurrency: 1, partAttempts: 1 }).download({
        bucket: BUCKET,
        key: 'big.bin',
      });
      await expect(first).rejects.toBeInstanceOf(TransientDependencyError);
      const manifest = (await cache.list())[0]!;
      expect(manifest.state).toBe('partial');
      bucket.onGet = () => undefined;
      bucket.gets.length = 0;

      // Act
      const result = await downloader({ concurrency: 2 }).download({ bucket: BUCKET, key: 'big.bin' });

      // Assess
      expect(result.source).toBe('resumed');
      expect(bucket.gets).toHaveLength(8);
      expect(bucket.gets.map((g) => g.Range)).not.toContain(`bytes=0-${64 * KIB - 1}`);
      expect(result.verified).toEqual(['size', 'etag-md5', 'sha256']);
      expect(readFileSync(result.path).equals(bytes)).toBe(true);
    });

    it('stops on an abort signal and keeps the finished parts for the next run', async () => {
      // Prepare
      const bytes = randomBytes(8 * 64 * KIB);
      bucket.put('big.bin', { bytes });
      const controller = new AbortController();
      bucket.onGet = (_input, n) => {
        if (n === 3) controller.abort();
        return undefined;
      };

      // Act
      const act = downloader({ concurrency: 1 }).download(
        { bucket: BUCKET, key: 'big.bin' },
        { signal: controller.signal },
      );

      // Assess
      await expect(act).rejects.toBeInstanceOf(DownloadInterruptedError);
      const [entry] = await cache.list();
      expect(entry).toMatchObject({ state: 'partial', uri: 's3://outputs/big.bin' });
      const done = JSON.parse(readFileSync(cache.partialManifestPath(entry!.id), 'utf8')) as {
        done: number[];
      };
      expect(done.done.length).toBeGreaterThanOrEqual(2);
    });

    it('raises IntegrityError and deletes the partial file when the bytes do not match the ETag', async () => {
      // Prepare: the server sends other bytes than the object it describes.
      const bytes = randomBytes(3 * 64 * KIB);
      bucket.put('big.bin', { bytes });
      const other = Buffer.from(bytes);
      other[100_000] = other[100_000]! ^ 0xff;
      bucket.onGet = () => other;

      // Act
      const act = downloader().download({ bucket: BUCKET, key: 'big.bin' });

      // Assess
      await expect(act).rejects.toBeInstanceOf(IntegrityError);
      await expect(act).rejects.toThrow(
        /the downloaded bytes are not the object: MD5 [0-9a-f]{32} does not match the ETag/,
      );
      const leftovers = readdirSync(cache.root, { recursive: true })
        .map(String)
        .filter((f) => /partial|meta\.json|big\.bin$/.test(f));
      expect(leftovers).toEqual([]);
    });
  });

  describe('errors that say what to do', () => {
    it.each([
      [
        'a missing key (HEAD 404)',
        new NotFound({ message: 'Not Found', $metadata: { httpStatusCode: 404 } }),
        NoSuchObjectError,
        /does not exist .* check the key/,
      ],
      [
        'a missing bucket',
        serviceError('NoSuchBucket', 404),
        NoSuchObjectError,
        /the bucket of s3:\/\/outputs\/k\.csv does not exist at https:\/\/s3\.test/,
      ],
      ['access denied', serviceError('AccessDenied', 403), AccessDeniedError, /need s3:GetObject/],
      [
        'a HEAD forbidden',
        serviceError('Forbidden', 403),
        AccessDeniedError,
        /access denied to s3:\/\/outputs\/k\.csv/,
      ],
      [
        'no credentials',
        Object.assign(new Error('Could not load credentials from any providers'), {
          name: 'CredentialsProviderError',
        }),
        NoCredentialsError,
        /Set AWS_PROFILE/,
      ],
      ['expired credentials', serviceError('ExpiredToken', 400), NoCredentialsError, /have expired/],
      [
        'rejected credentials',
        serviceError('InvalidAccessKeyId', 403),
        NoCredentialsError,
        /rejected the credentials \(InvalidAccessKeyId\)/,
      ],
      [
        'an unreachable endpoint',
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }),
        EndpointUnreachableError,
        /cannot reach the S3 endpoint https:\/\/s3\.test \(ECONNREFUSED\); check AWS_ENDPOINT_URL_S3/,
      ],
      [
        'throttling beyond the SDK retries',
        serviceError('SlowDown', 503),
        TransientDependencyError,
        /S3 answered SlowDown \(HTTP 503\) after the SDK's retries/,
      ],
      ['no region', new Error('Region is missing'), ConfigurationError, /set AWS_REGION/],
    ])('maps %s', async (_case, error, type, message) => {
      // Prepare
      s3Mock.on(HeadObjectCommand).rejects(error);

      // Act
      const act = downloader().download({ bucket: BUCKET, key: 'k.csv' });

      // Assess
      await expect(act).rejects.toBeInstanceOf(type);
      await expect(act).rejects.toThrow(message);
    });

    it('maps NoSuchKey on the GET (deleted between HEAD and GET)', async () => {
      // Prepare
      bucket.put('k.csv', { bytes: Buffer.from('x') });
      bucket.onGet = () => {
        throw new NoSuchKey({ message: 'gone', $metadata: { httpStatusCode: 404 } });
      };

      // Act
      const act = downloader().download({ bucket: BUCKET, key: 'k.csv' });

      // Assess
      await expect(act).rejects.toBeInstanceOf(NoSuchObjectError);
    });

    it('names a missing version and how to list the versions', async () => {
      // Prepare
      s3Mock.on(HeadObjectCommand).rejects(serviceError('NoSuchVersion', 404));

      // Act
      const act = downloader().download({ bucket: BUCKET, key: 'k.csv', versionId: 'nope' });

      // Assess
      await expect(act).rejects.toBeInstanceOf(NoSuchVersionError);
      await expect(act).rejects.toThrow('prt download s3://outputs/k.csv --list-versions');
    });

    it('refuses to serve the wrong bytes when the endpoint ignores version ids', async () => {
      // Prepare: an endpoint without versioning answers the current object.
      s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 1, ETag: '"abc"' });

      // Act
      const act = downloader().download({ bucket: BUCKET, key: 'k.csv', versionId: 'v1' });

      // Assess
      await expect(act).rejects.toBeInstanceOf(VersioningUnsupportedError);
      expect(s3Mock.commandCalls(GetObjectCommand)).toHaveLength(0);
    });

    it('tells that a version known by its ETag was overwritten in an unversioned bucket', async () => {
      // Prepare
      bucket.put('k.csv', { bytes: Buffer.from('new') });

      // Act
      const act = downloader().download({ bucket: BUCKET, key: 'k.csv', etag: md5Etag(Buffer.from('old')) });

      // Assess
      await expect(act).rejects.toBeInstanceOf(NoSuchVersionError);
      await expect(act).rejects.toThrow(
        /the version you asked for was overwritten, and the bucket keeps no older versions/,
      );
    });

    it('uses a client in adaptive retry mode for throttling', async () => {
      // Act
      const client = createS3Client({ s3ForcePathStyle: false });
      const strategy = await client.config.retryStrategy();
      client.destroy();

      // Assess
      expect((strategy as { mode?: string }).mode).toBe('adaptive');
      expect(endpointLabel({ AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:4569' })).toBe('http://127.0.0.1:4569');
    });
  });

  describe('versions', () => {
    it('lists the versions of exactly this key across pages, newest first, with delete markers', async () => {
      // Prepare
      s3Mock
        .on(ListObjectVersionsCommand)
        .resolvesOnce({
          Versions: [
            {
              Key: 'k.csv',
              VersionId: 'v2',
              ETag: '"e2"',
              Size: 20,
              IsLatest: false,
              LastModified: new Date('2026-11-02T00:00:00Z'),
            },
            {
              Key: 'k.csv.bak',
              VersionId: 'x',
              ETag: '"ex"',
              Size: 1,
              IsLatest: true,
              LastModified: new Date('2026-11-05T00:00:00Z'),
            },
          ],
          IsTruncated: true,
          NextKeyMarker: 'k.csv',
          NextVersionIdMarker: 'v2',
        })
        .resolvesOnce({
          Versions: [
            {
              Key: 'k.csv',
              VersionId: 'v1',
              ETag: '"e1"',
              Size: 10,
              IsLatest: false,
              LastModified: new Date('2026-11-01T00:00:00Z'),
            },
          ],
          DeleteMarkers: [
            { Key: 'k.csv', VersionId: 'd3', IsLatest: true, LastModified: new Date('2026-11-03T00:00:00Z') },
          ],
          IsTruncated: false,
        });

      // Act
      const versions = await downloader().listVersions(BUCKET, 'k.csv');

      // Assess
      expect(versions.map((v) => [v.versionId, v.deleteMarker, v.isLatest])).toEqual([
        ['d3', true, true],
        ['v2', false, false],
        ['v1', false, false],
      ]);
      expect(s3Mock.commandCalls(ListObjectVersionsCommand)[1]?.args[0].input).toMatchObject({
        KeyMarker: 'k.csv',
        VersionIdMarker: 'v2',
        Prefix: 'k.csv',
      });
    });

    it('downloads an older version by its id', async () => {
      // Prepare
      bucket.put('k.csv', { bytes: Buffer.from('old\n'), versionId: 'v1' });

      // Act
      const result = await downloader().download({ bucket: BUCKET, key: 'k.csv', versionId: 'v1' });

      // Assess
      expect(result).toMatchObject({ versionId: 'v1', source: 'download' });
      expect(bucket.gets[0]).toMatchObject({ VersionId: 'v1' });
    });

    it('says the endpoint has no versioning when it refuses the listing', async () => {
      // Prepare
      s3Mock.on(ListObjectVersionsCommand).rejects(serviceError('MethodNotAllowed', 405));

      // Act
      const act = downloader().listVersions(BUCKET, 'k.csv');

      // Assess
      await expect(act).rejects.toBeInstanceOf(VersioningUnsupportedError);
      await expect(act).rejects.toThrow('https://s3.test does not support S3 versioning (MethodNotAllowed)');
    });
  });

  describe('ranged source', () => {
    it('fetches only as far as its reader goes', async () => {
      // Prepare
      const bytes = randomBytes(4 * 1024 * KIB);
      bucket.put('big.csv', { bytes });
      const d = downloader();
      const info = await d.head({ bucket: BUCKET, key: 'big.csv' });
      const source = d.source(info);

      // Act
      const iterator = source.stream()[Symbol.asyncIterator]();
      const first = await iterator.next();
      await iterator.return?.();

      // Assess
      expect(first.value).toHaveLength(64 * KIB);
      expect(source.bytesFetched()).toBe(64 * KIB);
      expect(bucket.gets.map((g) => g.Range)).toEqual([`bytes=0-${64 * KIB - 1}`]);
      expect(existsSync(join(cache.root, 'v1'))).toBe(false);
    });
  });
});
