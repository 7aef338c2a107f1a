/**
 * The small slice of S3 the core needs. The core depends on this interface, not on the SDK, so it
 * runs against S3, the embedded S3 server or an in-memory fake alike.
 */
import type { ByteSink, ByteSource } from '../formats/byte-io';

export interface ObjectHead {
  readonly size: number;
  readonly etag: string;
  readonly versionId?: string;
  readonly contentType?: string;
  readonly contentEncoding?: string;
  readonly lastModified?: Date;
}

export interface ObjectSummary {
  readonly key: string;
  readonly etag: string;
  readonly size: number;
  /** When the store tells it: a folder's parts written after its marker show a folder still changing. */
  readonly lastModified?: Date;
}

export interface ObjectStore {
  head(bucket: string, key: string, versionId?: string): Promise<ObjectHead>;
  /** Streams the body; a version id pins the exact version that arrived. */
  read(bucket: string, key: string, versionId?: string): Promise<AsyncIterable<Uint8Array>>;
  /** Reads bytes [start, end] inclusive (fewer at the end of the object). */
  readRange(bucket: string, key: string, start: number, end: number, versionId?: string): Promise<Uint8Array>;
  write(
    bucket: string,
    key: string,
    body: Uint8Array | string,
    contentType: string,
  ): Promise<{ readonly etag: string; readonly versionId?: string }>;
  list(bucket: string, prefix: string): AsyncIterable<ObjectSummary>;
  /** The object as a byte source (streamed and ranged reads of one version). */
  source(bucket: string, key: string, versionId?: string): ByteSource;
  /** A sink that publishes the object only when closed. */
  sink(bucket: string, key: string, contentType: string): PublishingSink;
}

/** A sink that reports what it published. */
export interface PublishingSink extends ByteSink {
  readonly result: { readonly etag: string; readonly versionId?: string; readonly size: number } | undefined;
}

/** An object the store does not have (deleted since the event, or never written). */
export class ObjectNotFoundError extends Error {
  override readonly name = 'ObjectNotFoundError';
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

/** An object's whole body as UTF-8 text (contracts, reports, part states: small JSON and YAML). */
export async function readText(store: ObjectStore, bucket: string, key: string): Promise<string> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await store.read(bucket, key)) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function parseS3Uri(uri: string): { bucket: string; key: string } {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) throw new Error(`'${uri}' is not an s3://bucket/key URI`);
  return { bucket: m[1]!, key: m[2]! };
}
