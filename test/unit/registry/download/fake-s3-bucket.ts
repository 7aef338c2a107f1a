/**
 * An S3 bucket behind a mocked S3 client (aws-sdk-client-mock): HeadObject (with PartNumber, as S3
 * answers it for multipart uploads), ranged GetObject, ListObjectsV2 (one page), and hooks to
 * inject faults.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  NoSuchKey,
  type GetObjectCommandInput,
  type HeadObjectCommandInput,
  type ListObjectsV2CommandInput,
  type S3ClientResolvedConfig,
  type ServiceInputTypes,
  type ServiceOutputTypes,
} from '@aws-sdk/client-s3';
import { sdkStreamMixin } from '@smithy/core/serde';
import type { AwsStub } from 'aws-sdk-client-mock';
import { Readable } from 'node:stream';

import { sdkStreamBody } from '../../../fixtures/sdk-stream-body';
import { md5Etag } from './s3-object-digests';

const KIB = 1024;

export interface Stored {
  readonly bytes: Buffer;
  readonly etag: string;
  readonly versionId?: string;
  /** The upload's part size: HeadObject PartNumber=1 answers with it. */
  readonly uploadPartSize?: number;
  readonly checksumSha256?: string;
  /** ListObjectsV2 and HeadObject answer with it when set. */
  readonly lastModified?: Date;
}

/** An S3 bucket behind the mocked client: HeadObject (with PartNumber) and ranged GetObject. */
export class FakeBucket {
  readonly objects = new Map<string, Stored>();
  readonly gets: GetObjectCommandInput[] = [];
  readonly heads: HeadObjectCommandInput[] = [];
  /** Called before each GET; may throw, or return bytes to serve instead of the object's. */
  onGet: (input: GetObjectCommandInput, n: number) => Buffer | Readable | undefined = () => undefined;

  constructor(s3Mock: AwsStub<ServiceInputTypes, ServiceOutputTypes, S3ClientResolvedConfig>) {
    s3Mock.on(HeadObjectCommand).callsFake((input: HeadObjectCommandInput) => {
      this.heads.push(input);
      const o = this.find(input.Key!, input.VersionId);
      if (input.PartNumber !== undefined) {
        const parts = o.uploadPartSize ? Math.ceil(o.bytes.length / o.uploadPartSize) : 1;
        return { ContentLength: o.uploadPartSize ?? o.bytes.length, PartsCount: parts, ETag: `"${o.etag}"` };
      }
      return {
        ContentLength: o.bytes.length,
        ETag: `"${o.etag}"`,
        ...(o.versionId ? { VersionId: o.versionId } : {}),
        ...(o.lastModified ? { LastModified: o.lastModified } : {}),
        ...(o.checksumSha256 ? { ChecksumSHA256: o.checksumSha256, ChecksumType: 'FULL_OBJECT' } : {}),
      };
    });
    s3Mock.on(ListObjectsV2Command).callsFake((input: ListObjectsV2CommandInput) => ({
      Contents: [...this.objects.entries()]
        .filter(([key]) => key.startsWith(input.Prefix ?? ''))
        .sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
        .map(([key, o]) => ({
          Key: key,
          Size: o.bytes.length,
          ETag: `"${o.etag}"`,
          ...(o.lastModified ? { LastModified: o.lastModified } : {}),
        })),
      IsTruncated: false,
    }));
    s3Mock.on(GetObjectCommand).callsFake((input: GetObjectCommandInput) => {
      this.gets.push(input);
      const o = this.find(input.Key!, input.VersionId);
      const override = this.onGet(input, this.gets.length);
      if (override instanceof Readable) return { Body: sdkStreamMixin(override) };
      const bytes = override ?? o.bytes;
      const m = /^bytes=(\d+)-(\d+)$/.exec(input.Range ?? '');
      const slice = m ? bytes.subarray(Number(m[1]), Number(m[2]) + 1) : bytes;
      return { Body: sdkStreamBody(slice, 64 * KIB), ContentLength: slice.length };
    });
  }

  put(key: string, stored: Omit<Stored, 'etag'> & { etag?: string }): Stored {
    const full = { etag: stored.etag ?? md5Etag(stored.bytes), ...stored };
    this.objects.set(key, full);
    return full;
  }

  private find(key: string, versionId?: string): Stored {
    const o = this.objects.get(key);
    if (!o || (versionId !== undefined && o.versionId !== versionId)) {
      throw new NoSuchKey({
        message: 'The specified key does not exist.',
        $metadata: { httpStatusCode: 404 },
      });
    }
    return o;
  }
}
