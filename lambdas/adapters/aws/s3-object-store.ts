/**
 * ObjectStore over the AWS SDK S3 client. SDK errors are mapped to the core's typed errors
 * (s3-errors.ts): a missing object is ObjectNotFoundError, throttling and server faults (after the
 * SDK's own retries) are TransientDependencyError so the state machine retries the step.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { ByteSource } from '../../core/formats';
import { IntegrityError } from '../../core/errors';
import type {
  ComposedObject,
  ComposedPiece,
  ObjectComposer,
  ObjectHead,
  ObjectStore,
  ObjectSummary,
  PublishingSink,
} from '../../core/storage';
import { S3Sink, s3Source, stripQuotes } from './s3-byte-io';
import { mapS3Error } from './s3-errors';
import { listAllObjects } from './s3-listing';

export class S3ObjectStore implements ObjectStore, ObjectComposer {
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

  /**
   * One multipart upload of the pieces in order: a copied piece is an UploadPartCopy (its bytes
   * stay in S3), given bytes an UploadPart. The upload is aborted on any failure, so no partial
   * object is published. The object's size is checked after completion: a store that ignored a
   * copy source (the embedded S3 server has no UploadPartCopy) would publish a shorter object.
   */
  async compose(
    bucket: string,
    key: string,
    contentType: string,
    pieces: AsyncIterable<ComposedPiece>,
  ): Promise<ComposedObject> {
    const name = `s3://${bucket}/${key}`;
    let uploadId: string | undefined;
    try {
      const created = await this.s3.send(
        new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
      );
      uploadId = created.UploadId;
      const parts: { ETag: string; PartNumber: number }[] = [];
      let size = 0;
      for await (const piece of pieces) {
        const PartNumber = parts.length + 1;
        if (piece.kind === 'copy') {
          const source = `${piece.bucket}/${encodeURIComponent(piece.key)}${piece.versionId ? `?versionId=${encodeURIComponent(piece.versionId)}` : ''}`;
          const out = await this.s3.send(
            new UploadPartCopyCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber,
              CopySource: source,
              CopySourceRange: `bytes=${piece.start}-${piece.end - 1}`,
            }),
          );
          parts.push({ ETag: out.CopyPartResult?.ETag ?? '', PartNumber });
          size += piece.end - piece.start;
        } else {
          const out = await this.s3.send(
            new UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber,
              Body: piece.body,
            }),
          );
          parts.push({ ETag: out.ETag ?? '', PartNumber });
          size += piece.body.byteLength;
        }
      }
      const done = await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts },
        }),
      );
      uploadId = undefined;
      const head = await this.head(bucket, key, done.VersionId ?? undefined);
      if (head.size !== size)
        throw new IntegrityError(
          `${name} was assembled with ${head.size} bytes where its parts hold ${size}; the store did not copy every part`,
        );
      return {
        etag: stripQuotes(done.ETag),
        ...(done.VersionId ? { versionId: done.VersionId } : {}),
        size,
      };
    } catch (error) {
      if (uploadId !== undefined)
        await this.s3
          .send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
          .catch(() => undefined);
      if (error instanceof IntegrityError) throw error;
      return mapS3Error(error, `multipart upload ${name}`);
    }
  }
}
