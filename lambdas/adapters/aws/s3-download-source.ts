/**
 * The downloader's object source (lambdas/core/download/object-source.ts) over the AWS SDK S3
 * client. Every read carries the version id, or If-Match on the ETag for an unversioned object, so
 * an object overwritten mid-download fails the read instead of splicing two versions. Failures are
 * the download's typed errors (s3-errors.ts). Throttling and 5xx are retried by the SDK's adaptive
 * retry mode (configured on the client); the downloader retries a part whose body stream breaks.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectVersionsCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  VersioningUnsupportedError,
  checksumFromHead,
  etagKind,
  type ObjectInfo,
  type ByteRange,
  type DownloadSource,
  type DownloadTarget,
  type FolderObject,
  type ObjectVersion,
} from '../../core/download';
import { s3Uri } from '../../core/storage';
import { stripQuotes } from './s3-byte-io';
import { listAllObjects } from './s3-listing';
import { isTransientS3Error, mapS3DownloadError, type S3ErrorContext } from './s3-errors';

/** The S3 endpoint a client talks to, for messages: from the environment, else AWS. */
export function endpointLabel(env: NodeJS.ProcessEnv): string {
  return (
    env['AWS_ENDPOINT_URL_S3'] ??
    env['AWS_ENDPOINT_URL'] ??
    `aws (${env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'default region'})`
  );
}

function targetOf(info: ObjectInfo): DownloadTarget {
  return { bucket: info.bucket, key: info.key, ...(info.versionId ? { versionId: info.versionId } : {}) };
}

/** The read of exactly this version: by version id, else conditional on the ETag. */
function pinned(info: ObjectInfo): { VersionId: string } | { IfMatch: string } {
  return info.versionId ? { VersionId: info.versionId } : { IfMatch: `"${info.etag}"` };
}

export class S3DownloadSource implements DownloadSource {
  /**
   * @param endpoint the endpoint, for messages and cache identity (e.g. endpointLabel(process.env));
   *   default `aws`.
   */
  constructor(
    private readonly s3: S3Client,
    readonly endpoint = 'aws',
  ) {}

  private context(target: DownloadTarget, what: string): S3ErrorContext {
    return {
      what: `${what} ${s3Uri(target.bucket, target.key)}`,
      uri: s3Uri(target.bucket, target.key),
      endpoint: this.endpoint,
      ...(target.versionId ? { versionId: target.versionId } : {}),
    };
  }

  /** HeadObject with checksums, and the upload's part size when the endpoint tells it. */
  async head(target: DownloadTarget): Promise<ObjectInfo> {
    const request = {
      Bucket: target.bucket,
      Key: target.key,
      VersionId: target.versionId,
      ChecksumMode: 'ENABLED' as const,
    };
    let out: HeadObjectCommandOutput;
    try {
      out = await this.s3.send(new HeadObjectCommand(request));
    } catch (error) {
      return mapS3DownloadError(error, this.context(target, 'HeadObject'));
    }
    const uri = s3Uri(target.bucket, target.key);
    const versionId = out.VersionId && out.VersionId !== 'null' ? out.VersionId : null;
    if (target.versionId && versionId !== target.versionId) {
      throw new VersioningUnsupportedError(
        `${this.endpoint} answered ${uri} without the requested version ${target.versionId} (it returned ${versionId ?? 'no version id'}): this endpoint does not support S3 versioning. Download the latest version, or use a version the registry identifies by its ETag`,
      );
    }
    const checksum = checksumFromHead(out as unknown as Record<string, unknown>);
    const base: ObjectInfo = {
      bucket: target.bucket,
      key: target.key,
      uri,
      size: out.ContentLength ?? 0,
      etag: stripQuotes(out.ETag),
      versionId,
      ...(out.LastModified ? { lastModified: out.LastModified.toISOString() } : {}),
      ...(out.ContentType ? { contentType: out.ContentType } : {}),
      ...(out.ServerSideEncryption ? { serverSideEncryption: out.ServerSideEncryption } : {}),
      ...(checksum ? { checksum } : {}),
    };
    const multipart = etagKind(base).kind === 'multipart' || (checksum?.parts ?? 0) > 1;
    if (!multipart) return base;
    try {
      const part = await this.s3.send(
        new HeadObjectCommand({ ...request, VersionId: versionId ?? undefined, PartNumber: 1 }),
      );
      const length = part.ContentLength ?? 0;
      if ((part.PartsCount ?? 0) > 1 && length > 0 && length < base.size)
        return { ...base, partSize: length };
    } catch {
      // Endpoints without PartNumber support: the verifier tries the common part sizes instead.
    }
    return base;
  }

  /** ListObjectsV2, every page. */
  async *listFolder(bucket: string, prefix: string): AsyncIterable<FolderObject> {
    const fail = (error: unknown): never =>
      mapS3DownloadError(error, this.context({ bucket, key: prefix }, 'ListObjectsV2'));
    for await (const o of listAllObjects(this.s3, bucket, prefix, fail)) {
      yield {
        key: o.Key,
        size: o.Size ?? 0,
        etag: stripQuotes(o.ETag),
        lastModified: o.LastModified?.toISOString() ?? null,
      };
    }
  }

  /** ListObjectVersions, every page. Needs a versioned bucket. */
  async listVersions(bucket: string, key: string): Promise<ObjectVersion[]> {
    const versions: ObjectVersion[] = [];
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    const ctx = this.context({ bucket, key }, 'ListObjectVersions');
    do {
      let out;
      try {
        out = await this.s3.send(
          new ListObjectVersionsCommand({
            Bucket: bucket,
            Prefix: key,
            KeyMarker: keyMarker,
            VersionIdMarker: versionMarker,
          }),
        );
      } catch (error) {
        const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (
          ['NotImplemented', 'MethodNotAllowed'].includes(e.name ?? '') ||
          [405, 501].includes(e.$metadata?.httpStatusCode ?? 0)
        ) {
          throw new VersioningUnsupportedError(
            `${ctx.what}: ${this.endpoint} does not support S3 versioning (${e.name ?? 'error'})`,
          );
        }
        return mapS3DownloadError(error, ctx);
      }
      if (
        out.Versions === undefined &&
        out.DeleteMarkers === undefined &&
        (out as { Contents?: unknown }).Contents !== undefined
      ) {
        throw new VersioningUnsupportedError(
          `${ctx.what}: ${this.endpoint} answered with a plain listing: it does not support S3 versioning`,
        );
      }
      for (const v of out.Versions ?? []) {
        if (v.Key !== key || !v.VersionId) continue;
        versions.push({
          versionId: v.VersionId,
          etag: stripQuotes(v.ETag),
          size: v.Size ?? 0,
          lastModified: v.LastModified?.toISOString() ?? null,
          isLatest: v.IsLatest ?? false,
          deleteMarker: false,
        });
      }
      for (const m of out.DeleteMarkers ?? []) {
        if (m.Key !== key || !m.VersionId) continue;
        versions.push({
          versionId: m.VersionId,
          etag: null,
          size: 0,
          lastModified: m.LastModified?.toISOString() ?? null,
          isLatest: m.IsLatest ?? false,
          deleteMarker: true,
        });
      }
      const more = out.IsTruncated === true && (out.NextKeyMarker ?? '') <= key;
      keyMarker = more ? out.NextKeyMarker : undefined;
      versionMarker = more ? out.NextVersionIdMarker : undefined;
    } while (keyMarker !== undefined);
    return versions;
  }

  async readRange(info: ObjectInfo, start: number, end: number): Promise<Uint8Array> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({
          Bucket: info.bucket,
          Key: info.key,
          Range: `bytes=${start}-${end - 1}`,
          ...pinned(info),
        }),
      );
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      return mapS3DownloadError(error, this.context(targetOf(info), 'GetObject (range)'));
    }
  }

  async readStream(
    info: ObjectInfo,
    range: ByteRange | undefined,
    signal: AbortSignal | undefined,
  ): Promise<AsyncIterable<Uint8Array> | undefined> {
    const out = await this.s3.send(
      new GetObjectCommand({
        Bucket: info.bucket,
        Key: info.key,
        ...(range ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}),
        ...pinned(info),
      }),
      signal ? { abortSignal: signal } : {},
    );
    return out.Body as AsyncIterable<Uint8Array> | undefined;
  }

  isTransient(error: unknown): boolean {
    return isTransientS3Error(error);
  }

  fail(error: unknown, info: ObjectInfo, what: string): never {
    return mapS3DownloadError(error, this.context(targetOf(info), `GetObject ${what}`));
  }
}
