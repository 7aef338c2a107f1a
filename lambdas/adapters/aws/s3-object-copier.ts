/**
 * ObjectCopier over the AWS SDK S3 client: CopyObject and UploadPartCopy copy inside S3, so the
 * bytes of a published object never pass through the function. Every copy names its source
 * exactly (the version id where the bucket has one, and x-amz-copy-source-if-match on the ETag
 * that was tested); a source that no longer matches is StagedVersionChangedError, anything else
 * is mapped as every S3 call is (s3-errors.ts).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  UploadPartCopyCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import {
  PUBLISHED_FROM_METADATA,
  StagedVersionChangedError,
  type CopiedObject,
  type CopyOptions,
  type CopyPart,
  type CopySource,
  type ObjectCopier,
  type ObjectLocation,
  type PublishedObject,
} from '../../core/publishing';
import { ObjectNotFoundError } from '../../core/storage';
import { stripQuotes } from './s3-byte-io';
import { classifyS3Error, mapS3Error } from './s3-errors';

/** The x-amz-copy-source value: URL-encoded key, and the version where there is one. */
function copySourceOf(source: CopySource): string {
  const path = `${source.bucket}/${source.key.split('/').map(encodeURIComponent).join('/')}`;
  return source.versionId ? `${path}?versionId=${encodeURIComponent(source.versionId)}` : path;
}

function versionOf(versionId: string | undefined): string | null {
  return versionId && versionId !== 'null' ? versionId : null;
}

/** A copy whose source no longer matches what was tested says so; other failures map as usual. */
function failCopy(error: unknown, source: CopySource, what: string): never {
  if (classifyS3Error(error) === 'changed')
    throw new StagedVersionChangedError(
      `s3://${source.bucket}/${source.key} is no longer the tested version (ETag ${source.etag}); the new upload is tested and published by its own execution`,
    );
  return mapS3Error(error, what);
}

export class S3ObjectCopier implements ObjectCopier {
  constructor(private readonly s3: S3Client) {}

  async inspect(target: ObjectLocation): Promise<PublishedObject | undefined> {
    try {
      const out = await this.s3.send(new HeadObjectCommand({ Bucket: target.bucket, Key: target.key }));
      const from = out.Metadata?.[PUBLISHED_FROM_METADATA];
      return {
        etag: stripQuotes(out.ETag),
        versionId: versionOf(out.VersionId),
        from: from === undefined ? undefined : decodeURIComponent(from),
      };
    } catch (error) {
      try {
        return mapS3Error(error, `HeadObject s3://${target.bucket}/${target.key}`);
      } catch (mapped) {
        if (mapped instanceof ObjectNotFoundError) return undefined;
        throw mapped;
      }
    }
  }

  async copy(source: CopySource, target: ObjectLocation, options: CopyOptions): Promise<CopiedObject> {
    try {
      const out = await this.s3.send(
        new CopyObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          CopySource: copySourceOf(source),
          CopySourceIfMatch: `"${source.etag}"`,
          MetadataDirective: 'REPLACE',
          Metadata: { ...options.metadata },
          ...(options.contentType ? { ContentType: options.contentType } : {}),
        }),
      );
      return { etag: stripQuotes(out.CopyObjectResult?.ETag), versionId: versionOf(out.VersionId) };
    } catch (error) {
      return failCopy(error, source, `CopyObject s3://${source.bucket}/${source.key} to ${target.key}`);
    }
  }

  async startMultipartCopy(target: ObjectLocation, options: CopyOptions): Promise<string> {
    try {
      const out = await this.s3.send(
        new CreateMultipartUploadCommand({
          Bucket: target.bucket,
          Key: target.key,
          Metadata: { ...options.metadata },
          ...(options.contentType ? { ContentType: options.contentType } : {}),
        }),
      );
      if (!out.UploadId)
        throw new Error(`CreateMultipartUpload s3://${target.bucket}/${target.key} returned no UploadId`);
      return out.UploadId;
    } catch (error) {
      return mapS3Error(error, `CreateMultipartUpload s3://${target.bucket}/${target.key}`);
    }
  }

  async copyPart(
    uploadId: string,
    source: CopySource,
    target: ObjectLocation,
    part: CopyPart,
  ): Promise<string> {
    try {
      const out = await this.s3.send(
        new UploadPartCopyCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: uploadId,
          PartNumber: part.partNumber,
          CopySource: copySourceOf(source),
          CopySourceIfMatch: `"${source.etag}"`,
          CopySourceRange: `bytes=${part.first}-${part.last}`,
        }),
      );
      return stripQuotes(out.CopyPartResult?.ETag);
    } catch (error) {
      return failCopy(
        error,
        source,
        `UploadPartCopy part ${part.partNumber} of s3://${source.bucket}/${source.key}`,
      );
    }
  }

  async completeMultipartCopy(
    uploadId: string,
    target: ObjectLocation,
    parts: readonly { readonly partNumber: number; readonly etag: string }[],
  ): Promise<CopiedObject> {
    try {
      const out = await this.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: target.bucket,
          Key: target.key,
          UploadId: uploadId,
          MultipartUpload: { Parts: parts.map((p) => ({ PartNumber: p.partNumber, ETag: `"${p.etag}"` })) },
        }),
      );
      return { etag: stripQuotes(out.ETag), versionId: versionOf(out.VersionId) };
    } catch (error) {
      return mapS3Error(error, `CompleteMultipartUpload s3://${target.bucket}/${target.key}`);
    }
  }

  async abortMultipartCopy(uploadId: string, target: ObjectLocation): Promise<void> {
    try {
      await this.s3.send(
        new AbortMultipartUploadCommand({ Bucket: target.bucket, Key: target.key, UploadId: uploadId }),
      );
    } catch (error) {
      mapS3Error(error, `AbortMultipartUpload s3://${target.bucket}/${target.key}`);
    }
  }

  async put(
    target: ObjectLocation,
    body: string,
    contentType: string,
    options: CopyOptions,
  ): Promise<CopiedObject> {
    try {
      const out = await this.s3.send(
        new PutObjectCommand({
          Bucket: target.bucket,
          Key: target.key,
          Body: body,
          ContentType: contentType,
          Metadata: { ...options.metadata },
        }),
      );
      return { etag: stripQuotes(out.ETag), versionId: versionOf(out.VersionId) };
    } catch (error) {
      return mapS3Error(error, `PutObject s3://${target.bucket}/${target.key}`);
    }
  }

  async remove(target: ObjectLocation): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: target.key }));
    } catch (error) {
      mapS3Error(error, `DeleteObject s3://${target.bucket}/${target.key}`);
    }
  }
}
