/**
 * ObjectStore over the AWS SDK S3 client. SDK errors are mapped to the core's typed errors
 * (s3-errors.ts): a missing object is ObjectNotFoundError, throttling and server faults (after the
 * SDK's own retries) are TransientDependencyError so the state machine retries the step.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { ByteSource } from '../../core/formats';
import type { ObjectHead, ObjectStore, ObjectSummary, PublishingSink } from '../../core/storage';
import { S3Sink, s3Source, stripQuotes } from './s3-byte-io';
import { mapS3Error } from './s3-errors';
import { listAllObjects } from './s3-listing';

export class S3ObjectStore implements ObjectStore {
  constructor(private readonly s3: S3Client) {}

  async head(bucket: string, key: string, versionId?: string): Promise<ObjectHead> {
    try {
      const out = await this.s3.send(
        new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      return {
        size: out.ContentLength ?? 0,
        etag: stripQuotes(out.ETag),
        ...(out.VersionId && out.VersionId !== 'null' ? { versionId: out.VersionId } : {}),
        ...(out.ContentType ? { contentType: out.ContentType } : {}),
        ...(out.ContentEncoding ? { contentEncoding: out.ContentEncoding } : {}),
        ...(out.LastModified ? { lastModified: out.LastModified } : {}),
      };
    } catch (error) {
      return mapS3Error(error, `HeadObject s3://${bucket}/${key}`);
    }
  }

  async read(bucket: string, key: string, versionId?: string): Promise<AsyncIterable<Uint8Array>> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      return out.Body as Readable;
    } catch (error) {
      return mapS3Error(error, `GetObject s3://${bucket}/${key}`);
    }
  }

  async readRange(
    bucket: string,
    key: string,
    start: number,
    end: number,
    versionId?: string,
  ): Promise<Uint8Array> {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          Range: `bytes=${start}-${end}`,
        }),
      );
      return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
    } catch (error) {
      if (error instanceof S3ServiceException && error.name === 'InvalidRange') return new Uint8Array();
      return mapS3Error(error, `GetObject (range) s3://${bucket}/${key}`);
    }
  }

  async write(bucket: string, key: string, body: Uint8Array | string, contentType: string) {
    try {
      const out = await this.s3.send(
        new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }),
      );
      return { etag: stripQuotes(out.ETag), ...(out.VersionId ? { versionId: out.VersionId } : {}) };
    } catch (error) {
      return mapS3Error(error, `PutObject s3://${bucket}/${key}`);
    }
  }

  async *list(bucket: string, prefix: string): AsyncIterable<ObjectSummary> {
    const fail = (error: unknown): never => mapS3Error(error, `ListObjectsV2 s3://${bucket}/${prefix}`);
    for await (const o of listAllObjects(this.s3, bucket, prefix, fail)) {
      yield {
        key: o.Key,
        etag: stripQuotes(o.ETag),
        size: o.Size ?? 0,
        ...(o.LastModified ? { lastModified: o.LastModified } : {}),
      };
    }
  }

  source(bucket: string, key: string, versionId?: string): ByteSource {
    return s3Source(this.s3, bucket, key, versionId);
  }

  sink(bucket: string, key: string, contentType: string): PublishingSink {
    return new S3Sink(this.s3, bucket, key, contentType);
  }
}
