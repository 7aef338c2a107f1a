/**
 * What the embedded S3 server (s3rver 3.7) lacks for server-side copies, added in front of it so
 * the publish function runs against it unchanged:
 *
 * - UploadPartCopy (`PUT ?partNumber&uploadId` with x-amz-copy-source), which s3rver answers with
 *   NotImplemented: the range of the source is read from its store and stored as the part;
 * - x-amz-copy-source-if-match on CopyObject and UploadPartCopy, which s3rver ignores: a source
 *   whose ETag differs is 412 PreconditionFailed, as on S3, so a staged object overwritten since
 *   its test is not copied;
 * - a copy source URL-encoded as S3 expects (`date%3D2026-11-01/part-0.csv`): s3rver decodes it
 *   with decodeURI, which leaves `%3D` and other reserved characters encoded, and finds no object.
 */
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';

/** The parts of s3rver's filesystem store the copies use. */
interface S3rverStore {
  existsObject(bucket: string, key: string): Promise<boolean>;
  getMetadata(bucket: string, key: string): Promise<Record<string, string>>;
  getObject(
    bucket: string,
    key: string,
    options?: { start?: number; end?: number },
  ): Promise<{ content: Readable | null } | null>;
  putPart(
    bucket: string,
    uploadId: string,
    partNumber: number,
    content: Readable,
  ): Promise<{ size: number; md5: string }>;
}

export interface CopyContext {
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly query: Record<string, string | string[] | undefined>;
  readonly store: S3rverStore;
  status: number;
  type: string;
  body: unknown;
}

function xmlError(ctx: CopyContext, status: number, code: string, message: string): void {
  ctx.status = status;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${randomUUID()}</RequestId></Error>`;
}

function header(ctx: CopyContext, name: string): string | undefined {
  const value = ctx.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The copy source as bucket and key, fully decoded; the version id is ignored (s3rver keeps one version). */
function copySourceOf(raw: string): { bucket: string; key: string } {
  const path = decodeURIComponent(raw.split('?')[0]!).replace(/^\//, '');
  const [bucket = '', ...key] = path.split('/');
  return { bucket, key: key.join('/') };
}

export async function s3CopyExtensions(ctx: CopyContext, next: () => Promise<void>): Promise<void> {
  const raw = header(ctx, 'x-amz-copy-source');
  if (ctx.method !== 'PUT' || raw === undefined) return next();
  const source = copySourceOf(raw);
  const exists = await ctx.store.existsObject(source.bucket, source.key);
  const ifMatch = header(ctx, 'x-amz-copy-source-if-match');
  if (exists && ifMatch !== undefined) {
    const etag = (await ctx.store.getMetadata(source.bucket, source.key))['etag'] ?? '';
    if (etag.replace(/"/g, '') !== ifMatch.replace(/"/g, ''))
      return xmlError(
        ctx,
        412,
        'PreconditionFailed',
        'At least one of the pre-conditions you specified did not hold',
      );
  }
  const uploadId = ctx.query['uploadId'];
  const partNumber = ctx.query['partNumber'];
  if (typeof uploadId !== 'string' || typeof partNumber !== 'string') {
    // CopyObject: s3rver copies it, once it can find the source.
    ctx.headers['x-amz-copy-source'] = encodeURI(`${source.bucket}/${source.key}`);
    return next();
  }
  if (!exists) return xmlError(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
  const range = /^bytes=(\d+)-(\d+)$/.exec(header(ctx, 'x-amz-copy-source-range') ?? '');
  const object = await ctx.store.getObject(
    source.bucket,
    source.key,
    range ? { start: Number(range[1]), end: Number(range[2]) } : undefined,
  );
  if (!object?.content) return xmlError(ctx, 404, 'NoSuchKey', 'The specified key does not exist.');
  const destBucket = decodeURIComponent(ctx.path.split('/')[1] ?? '');
  const { md5 } = await ctx.store.putPart(destBucket, uploadId, Number(partNumber), object.content);
  ctx.status = 200;
  ctx.type = 'application/xml';
  ctx.body = `<?xml version="1.0" encoding="UTF-8"?>\n<CopyPartResult><LastModified>${new Date().toISOString()}</LastModified><ETag>"${md5}"</ETag></CopyPartResult>`;
}
