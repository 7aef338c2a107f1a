/**
 * S3 objects as byte sources (streamed GET, ranged GETs for Parquet footers) and sinks (multipart
 * upload, completed on close and aborted on failure, so a failed write publishes nothing).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import type { ByteSink, ByteSource } from '../../core/formats';
import { mapS3Error } from './s3-errors';

/** S3 parts must be at least 5 MiB, except the last. */
const PART_SIZE = 8 * 1024 * 1024;

/** An ETag as S3 sends it, quoted, without its quotes. */
export function stripQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"|"$/g, '');
}

export function s3Source(s3: S3Client, bucket: string, key: string, versionId?: string): ByteSource {
  const name = `s3://${bucket}/${key}`;
  let size: number | undefined;
  return {
    name,
    async size() {
      if (size === undefined) {
        try {
          const head = await s3.send(
            new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
          );
          size = head.ContentLength ?? 0;
        } catch (error) {
          return mapS3Error(error, `HeadObject ${name}`);
        }
      }
      return size;
    },
    async *stream() {
      let body: Readable;
      try {
        body = (await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId })))
          .Body as Readable;
      } catch (error) {
        return mapS3Error(error, `GetObject ${name}`);
      }
      yield* body as AsyncIterable<Uint8Array>;
    },
    async readRange(start, end) {
      if (end <= start) return new Uint8Array();
      try {
        const out = await s3.send(
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            VersionId: versionId,
            Range: `bytes=${start}-${end - 1}`,
          }),
        );
        return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
      } catch (error) {
        if ((error as { name?: string }).name === 'InvalidRange') return new Uint8Array();
        return mapS3Error(error, `GetObject (range) ${name}`);
      }
    },
  };
}

export interface S3SinkResult {
  readonly etag: string;
  readonly versionId?: string;
  readonly size: number;
}

export class S3Sink implements ByteSink {
  readonly name: string;
  private buffer: Uint8Array[] = [];
  private buffered = 0;
  private uploadId: string | undefined;
  private readonly parts: { ETag: string; PartNumber: number }[] = [];
  private size = 0;
  result: S3SinkResult | undefined;
  /** Each chunk is copied as it is written (into the part being gathered), so a writer may refill it. */
  readonly releasesChunks = true;

  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly key: string,
    private readonly contentType: string,
  ) {
    this.name = `s3://${bucket}/${key}`;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.buffer.push(chunk.slice());
    this.buffered += chunk.byteLength;
    this.size += chunk.byteLength;
    if (this.buffered >= PART_SIZE) await this.uploadPart();
  }

  private async uploadPart(): Promise<void> {
    const body = Buffer.concat(this.buffer);
    this.buffer = [];
    this.buffered = 0;
    try {
      this.uploadId ??= (
        await this.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: this.bucket,
            Key: this.key,
            ContentType: this.contentType,
          }),
        )
      ).UploadId;
      const PartNumber = this.parts.length + 1;
      const out = await this.s3.send(
        new UploadPartCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          PartNumber,
          Body: body,
        }),
      );
      this.parts.push({ ETag: out.ETag ?? '', PartNumber });
    } catch (error) {
      return mapS3Error(error, `UploadPart ${this.name}`);
    }
  }

  async close(): Promise<void> {
    try {
      if (this.uploadId === undefined) {
        // Small output: one PutObject is cheaper than a multipart upload.
        const out = await this.s3.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key,
            Body: Buffer.concat(this.buffer),
            ContentType: this.contentType,
          }),
        );
        this.buffer = [];
        this.result = {
          etag: stripQuotes(out.ETag),
          size: this.size,
          ...(out.VersionId ? { versionId: out.VersionId } : {}),
        };
        return;
      }
      if (this.buffered > 0) await this.uploadPart();
      const out = await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.bucket,
          Key: this.key,
          UploadId: this.uploadId,
          MultipartUpload: { Parts: this.parts },
        }),
      );
      this.result = {
        etag: stripQuotes(out.ETag),
        size: this.size,
        ...(out.VersionId ? { versionId: out.VersionId } : {}),
      };
    } catch (error) {
      await this.abort();
      return mapS3Error(error, `complete upload ${this.name}`);
    }
  }

  /**
   * Hides the published object (a conversion whose proof failed). No version id: on a versioned
   * bucket this adds a delete marker and keeps the failed bytes as a noncurrent version, so the
   * writer needs s3:DeleteObject only, never s3:DeleteObjectVersion (which erases for good).
   */
  async discard(): Promise<void> {
    if (!this.result) return;
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key }));
    } catch (error) {
      mapS3Error(error, `DeleteObject ${this.name}`);
    }
  }

  async abort(): Promise<void> {
    this.buffer = [];
    if (this.uploadId === undefined) return;
    const uploadId = this.uploadId;
    this.uploadId = undefined;
    await this.s3
      .send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key, UploadId: uploadId }))
      .catch(() => undefined);
  }
}
