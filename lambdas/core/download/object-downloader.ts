/**
 * Downloads object versions into the local cache, verified, and hands out copies. The objects come
 * from a DownloadSource (object-source.ts; S3's is lambdas/adapters/aws/s3-download-source.ts).
 *
 * - Reuse: a cached copy is served only after HeadObject shows the same version (version id, or
 *   ETag for an unversioned object) and the local file is intact (size, mtime, and by default its
 *   MD5); a pinned version id is immutable in S3, so it is served without asking S3 at all.
 * - Large objects: ranged GETs of one part each, `concurrency` at a time, aligned with the upload's
 *   own parts when HeadObject PartNumber=1 tells their size. Parts are written in place into
 *   `<file>.partial`; `partial.json` lists the finished ones, so an interrupted download resumes
 *   where it stopped (as long as the object has not changed). Every part GET carries the version id
 *   or If-Match on the ETag: an object overwritten mid-download fails the download instead of
 *   splicing two versions.
 * - Integrity: object-integrity.ts; a mismatch deletes the partial file and its manifest and raises
 *   IntegrityError.
 * - Errors: the source's typed errors (download-errors.ts). A part whose body stream breaks is
 *   retried here, a few times with backoff, because a client cannot retry a response it has
 *   already handed over.
 */
import { constants, createReadStream } from 'node:fs';
import { copyFile, open, readFile, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { IntegrityError } from '../errors';
import type { ByteSource } from '../formats/byte-io';
import { DownloadCache, writeJsonAtomic, type CacheEntryMeta } from './download-cache';
import { DownloadInterruptedError, NoSuchVersionError } from './download-errors';
import { IntegrityVerifier, type ObjectInfo } from './object-integrity';
import type { DownloadSource, DownloadTarget, FolderObject, ObjectVersion } from './object-source';
import { rangedSource } from './ranged-source';
import { prepareInside, resolveInside, safeFileName } from './safe-path';

export interface DownloaderOptions {
  /** Parts fetched at once (default 8). */
  readonly concurrency?: number;
  /** Bytes per ranged GET when the upload's part size is unknown (default 8 MiB). */
  readonly partSize?: number;
  /** Attempts per part for broken streams and transient errors (default 4). */
  readonly partAttempts?: number;
  /** Recompute the MD5 of a cached copy before reusing it (default true). */
  readonly verifyCachedCopies?: boolean;
  /** Waits between part attempts (tests pass a no-op). */
  readonly sleep?: (ms: number) => Promise<void>;
}

export interface DownloadRequest {
  /** A directory to place a copy in (the cache keeps its own). */
  readonly to?: string;
  /** The copy's path relative to `to` (sanitized); default the key's file name. */
  readonly as?: string;
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

export interface DownloadResult {
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  readonly etag: string;
  readonly size: number;
  /** The cached file. */
  readonly path: string;
  readonly copiedTo?: string;
  /** cache: served from the cache; download: fetched; resumed: finished an interrupted download. */
  readonly source: 'cache' | 'download' | 'resumed';
  /** A cached copy was found damaged and replaced. */
  readonly repaired: boolean;
  readonly verified: readonly string[];
  readonly unverifiable: readonly string[];
  readonly bytesTransferred: number;
  readonly parts: number;
  readonly seconds: number;
  /** Cache entries evicted to make room (LRU) or because they expired (TTL). */
  readonly evicted: number;
}

interface PartialManifest {
  readonly uri: string;
  readonly versionId: string | null;
  readonly etag: string;
  readonly size: number;
  readonly partSize: number;
  readonly done: readonly number[];
}

const MIB = 1024 * 1024;
/** S3's smallest part; a part size below it cannot be the upload's. */
const MIN_PART = 5 * MIB;

export class ObjectDownloader {
  private readonly endpoint: string;
  private readonly concurrency: number;
  private readonly partSize: number;
  private readonly partAttempts: number;
  private readonly verifyCached: boolean;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(
    private readonly objects: DownloadSource,
    readonly cache: DownloadCache,
    options: DownloaderOptions = {},
  ) {
    this.endpoint = objects.endpoint;
    this.concurrency = Math.max(1, options.concurrency ?? 8);
    this.partSize = Math.max(64 * 1024, options.partSize ?? 8 * MIB);
    this.partAttempts = Math.max(1, options.partAttempts ?? 4);
    this.verifyCached = options.verifyCachedCopies ?? true;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** The object's metadata with checksums, and the upload's part size when the source tells it. */
  head(target: DownloadTarget): Promise<ObjectInfo> {
    return this.objects.head(target);
  }

  /** The objects under a prefix, in the source's order: a folder's parts. */
  listFolder(bucket: string, prefix: string): AsyncIterable<FolderObject> {
    return this.objects.listFolder(bucket, prefix);
  }

  /** Every version of a key (newest first), delete markers included. Needs a versioned bucket. */
  async listVersions(bucket: string, key: string): Promise<ObjectVersion[]> {
    const versions = await this.objects.listVersions(bucket, key);
    return versions.sort(
      (a, b) =>
        (b.lastModified ?? '').localeCompare(a.lastModified ?? '') || Number(b.isLatest) - Number(a.isLatest),
    );
  }

  /**
   * A byte source over the object that fetches only what a reader consumes, in growing ranges
   * (64 KiB, then 4x, up to 8 MiB): a sample of N rows reads the start of the object, not all of it.
   */
  source(info: ObjectInfo): ByteSource & { bytesFetched(): number } {
    return rangedSource(info.uri, info.size, (start, end) => this.objects.readRange(info, start, end));
  }

  /** Downloads (or reuses) an object version; see the module comment for what is guaranteed. */
  async download(target: DownloadTarget, request: DownloadRequest = {}): Promise<DownloadResult> {
    const started = performance.now();
    if (target.versionId) {
      const id = this.cache.entryId(this.endpoint, target.bucket, target.key, target.versionId);
      const meta = await this.cache.read(id);
      if (meta && (await this.cache.intact(meta, this.verifyCached))) {
        return this.served(await this.cache.touch(meta), 'cache', false, request, started, 0, 0);
      }
    }
    const info = await this.head(target);
    if (target.etag !== undefined && target.etag.replace(/"/g, '') !== info.etag) {
      throw new NoSuchVersionError(
        `${info.uri} now has ETag ${info.etag}, not ${target.etag}: the version you asked for was overwritten, and the bucket keeps no older versions`,
      );
    }
    const token = info.versionId ?? `etag:${info.etag}`;
    const id = this.cache.entryId(this.endpoint, info.bucket, info.key, token);
    const release = await this.cache.lock(id);
    let meta: CacheEntryMeta;
    let source: DownloadResult['source'] = 'download';
    let repaired = false;
    let transferred = 0;
    let parts = 0;
    try {
      const cached = await this.cache.read(id);
      if (
        cached &&
        cached.etag === info.etag &&
        cached.size === info.size &&
        (await this.cache.intact(cached, this.verifyCached))
      ) {
        meta = await this.cache.touch(cached);
        source = 'cache';
      } else {
        if (cached) {
          // Damaged or altered since it was verified: drop it and fetch again.
          await rm(join(this.cache.entryDir(id), 'meta.json'), { force: true });
          await rm(this.cache.dataPath(id, info.key), { force: true });
          repaired = true;
        }
        const fetched = await this.fetch(id, info, request);
        transferred = fetched.bytes;
        parts = fetched.parts;
        if (fetched.resumed) source = 'resumed';
        const now = new Date().toISOString();
        meta = {
          layout: 1,
          id,
          uri: info.uri,
          bucket: info.bucket,
          key: info.key,
          versionId: info.versionId,
          etag: info.etag,
          size: info.size,
          endpoint: this.endpoint,
          file: `data/${safeFileName(info.key)}`,
          downloadedAt: now,
          lastUsedAt: now,
          verified: fetched.verified,
          unverifiable: fetched.unverifiable,
          localMd5: fetched.md5,
          mtimeMs: fetched.mtimeMs,
        };
        await this.cache.commit(meta);
      }
    } catch (error) {
      await release();
      await this.cache.removeIfEmpty(id);
      throw error;
    }
    await release();
    return this.served(meta, source, repaired, request, started, transferred, parts);
  }

  private async served(
    meta: CacheEntryMeta,
    source: DownloadResult['source'],
    repaired: boolean,
    request: DownloadRequest,
    started: number,
    bytesTransferred: number,
    parts: number,
  ): Promise<DownloadResult> {
    const { evicted } = await this.cache.enforce(meta.id);
    const path = join(this.cache.entryDir(meta.id), meta.file);
    let copiedTo: string | undefined;
    if (request.to !== undefined) {
      copiedTo = resolveInside(request.to, request.as ?? safeFileName(meta.key));
      await prepareInside(request.to, copiedTo);
      const temp = `${copiedTo}.${process.pid}.copying`;
      await copyFile(path, temp, constants.COPYFILE_FICLONE);
      await rename(temp, copiedTo);
    }
    return {
      uri: meta.uri,
      bucket: meta.bucket,
      key: meta.key,
      versionId: meta.versionId,
      etag: meta.etag,
      size: meta.size,
      path,
      ...(copiedTo !== undefined ? { copiedTo } : {}),
      source,
      repaired,
      verified: meta.verified,
      unverifiable: meta.unverifiable ?? [],
      bytesTransferred,
      parts,
      seconds: (performance.now() - started) / 1000,
      evicted: evicted.length,
    };
  }

  /** Part size for ranged GETs: the upload's own when known and legal, else the configured one. */
  private partSizeFor(info: ObjectInfo): number {
    if (info.partSize !== undefined && info.partSize >= MIN_PART) return info.partSize;
    return this.partSize;
  }

  private async fetch(
    id: string,
    info: ObjectInfo,
    request: DownloadRequest,
  ): Promise<{
    bytes: number;
    parts: number;
    resumed: boolean;
    verified: string[];
    unverifiable: string[];
    md5: string;
    mtimeMs: number;
  }> {
    const dataPath = this.cache.dataPath(id, info.key);
    const partialPath = `${dataPath}.partial`;
    const manifestPath = this.cache.partialManifestPath(id);
    await prepareInside(this.cache.root, dataPath);
    const partSize = this.partSizeFor(info);
    const partCount = info.size === 0 ? 0 : Math.ceil(info.size / partSize);

    const done = new Set<number>();
    const previous = await readFile(manifestPath, 'utf8')
      .then((t) => JSON.parse(t) as PartialManifest)
      .catch(() => undefined);
    const partialSize = (await stat(partialPath).catch(() => undefined))?.size;
    if (
      previous &&
      previous.etag === info.etag &&
      previous.versionId === info.versionId &&
      previous.size === info.size &&
      previous.partSize === partSize &&
      partialSize === info.size
    ) {
      for (const n of previous.done) if (Number.isInteger(n) && n >= 0 && n < partCount) done.add(n);
    } else {
      await rm(partialPath, { force: true });
      await rm(manifestPath, { force: true });
    }
    const resumed = done.size > 0;
    const manifest = (): PartialManifest => ({
      uri: info.uri,
      versionId: info.versionId,
      etag: info.etag,
      size: info.size,
      partSize,
      done: [...done].sort((a, b) => a - b),
    });
    let saving = Promise.resolve();
    const save = (): Promise<void> => (saving = saving.then(() => writeJsonAtomic(manifestPath, manifest())));

    let transferred = 0;
    let completedBytes = [...done].reduce((n, p) => n + this.partLength(info.size, partSize, p), 0);
    const inFlight = new Map<number, number>();
    const progress = (): void => {
      let sum = completedBytes;
      for (const b of inFlight.values()) sum += b;
      request.onProgress?.(sum, info.size);
    };
    const handle = await open(partialPath, resumed ? 'r+' : 'w');
    try {
      if (!resumed) {
        await handle.truncate(info.size);
        await save();
      }
      progress();
      const pending = Array.from({ length: partCount }, (_v, n) => n).filter((n) => !done.has(n));
      const workers = Array.from({ length: Math.min(this.concurrency, pending.length) }, async () => {
        for (let n = pending.shift(); n !== undefined; n = pending.shift()) {
          if (request.signal?.aborted) return;
          const bytes = await this.fetchPart(
            handle,
            info,
            n,
            partSize,
            partCount,
            request.signal,
            (soFar, chunk) => {
              transferred += chunk;
              inFlight.set(n, soFar);
              progress();
            },
          );
          inFlight.delete(n);
          completedBytes += bytes;
          done.add(n);
          await save();
          progress();
        }
      });
      const outcomes = await Promise.allSettled(workers);
      await saving;
      const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
      if (failure) throw failure.reason;
      if (request.signal?.aborted || done.size < partCount) {
        throw new DownloadInterruptedError(
          `download of ${info.uri} stopped after ${done.size} of ${partCount} parts; run it again to resume from there`,
        );
      }
    } finally {
      await handle.close();
    }

    // Verify the assembled file in one sequential pass.
    const verifier = new IntegrityVerifier(info);
    for await (const chunk of createReadStream(partialPath, { highWaterMark: 1 << 20 }))
      verifier.update(chunk as Buffer);
    const outcome = verifier.finish();
    if (outcome.problems.length > 0) {
      await rm(partialPath, { force: true });
      await rm(manifestPath, { force: true });
      throw new IntegrityError(
        `${info.uri}${info.versionId ? ` (version ${info.versionId})` : ''}: the downloaded bytes are not the object: ${outcome.problems.join('; ')}. The partial file was deleted; download again, and if it fails again the object or the endpoint is serving corrupt data`,
      );
    }
    await rename(partialPath, dataPath);
    await rm(manifestPath, { force: true });
    const { mtimeMs } = await stat(dataPath);
    return {
      bytes: transferred,
      parts: partCount,
      resumed,
      verified: [...outcome.verified],
      unverifiable: [...outcome.unverifiable],
      md5: verifier.md5Hex,
      mtimeMs,
    };
  }

  private partLength(size: number, partSize: number, n: number): number {
    return Math.min(size, (n + 1) * partSize) - n * partSize;
  }

  /** Fetches part n into the file at its offset; retries broken streams and transient errors. */
  private async fetchPart(
    handle: FileHandle,
    info: ObjectInfo,
    n: number,
    partSize: number,
    partCount: number,
    signal: AbortSignal | undefined,
    onBytes: (partBytesSoFar: number, chunkBytes: number) => void,
  ): Promise<number> {
    const start = n * partSize;
    const length = this.partLength(info.size, partSize, n);
    for (let attempt = 1; ; attempt++) {
      let written = 0;
      try {
        // One part covering the whole object asks for it without a range (smaller servers answer a
        // range of a tiny object oddly; S3 does not care).
        const body = await this.objects.readStream(
          info,
          partCount > 1 ? { start, end: start + length } : undefined,
          signal,
        );
        if (!body) throw new IntegrityError(`${info.uri}: part ${n + 1} came back without a body`);
        for await (const chunk of body) {
          if (written + chunk.length > length) {
            throw new IntegrityError(
              `${info.uri}: part ${n + 1} is longer than the ${length} bytes asked for`,
            );
          }
          await handle.write(chunk, 0, chunk.length, start + written);
          written += chunk.length;
          onBytes(written, chunk.length);
        }
        if (written !== length) {
          throw Object.assign(
            new Error(`part ${n + 1} ended after ${written} of ${length} bytes (premature close)`),
            {
              name: 'PrematureClose',
            },
          );
        }
        return written;
      } catch (error) {
        onBytes(0, 0);
        if (signal?.aborted) {
          throw new DownloadInterruptedError(`download of ${info.uri} interrupted; run it again to resume`);
        }
        if (error instanceof IntegrityError) throw error;
        if (attempt < this.partAttempts && this.objects.isTransient(error)) {
          await this.sleep(Math.min(2000, 100 * 2 ** attempt) * (0.5 + Math.random() / 2));
          continue;
        }
        return this.objects.fail(error, info, `part ${n + 1}/${partCount}`);
      }
    }
  }
}
