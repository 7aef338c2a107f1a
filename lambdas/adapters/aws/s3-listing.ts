/**
 * Every page of a ListObjectsV2, as one stream of listed objects. The object store and the download
 * source each shape the entries for their port and map a failure their own way (a core error for
 * the store, a download error with its context for the downloader); the paging is one loop.
 */
import { ListObjectsV2Command, type S3Client, type _Object } from '@aws-sdk/client-s3';

export async function* listAllObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  fail: (error: unknown) => never,
): AsyncIterable<_Object & { Key: string }> {
  let token: string | undefined;
  do {
    let out;
    try {
      out = await s3.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }),
      );
    } catch (error) {
      fail(error);
    }
    for (const o of out.Contents ?? []) if (o.Key) yield { ...o, Key: o.Key };
    token = out.IsTruncated ? out.NextContinuationToken : undefined;
  } while (token);
}
