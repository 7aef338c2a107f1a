/**
 * The local download cache. One directory per object version, named by a hash of (endpoint, bucket,
 * key, version), so no key, however hostile, chooses a path in it:
 *
 *   <dir>/v1/entries/<id>/meta.json          what the entry holds: URI, version, ETag, size, the
 *                                           checks that passed, MD5 of the local file, last use
 *   <dir>/v1/entries/<id>/data/<file name>   the object (its sanitized key basename, so the file
 *                                           keeps its extension for format detection)
 *   <dir>/v1/entries/<id>/data/<file>.partial + partial.json   an unfinished download and the
 *                                           parts already written (resumed by the next download)
 *   <dir>/v1/entries/<id>/lock/              held while one process downloads the entry
 *
 * Entries expire `ttl` after their last use and the least recently used go first when the cache
 * outgrows `maxBytes`; an entry being downloaded (locked) is never evicted. Whether a copy may be
 * reused is the downloader's decision (its ETag/version must still match S3).
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { homedir, hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigurationError } from '../errors';
import { CacheBusyError } from './download-errors';
import { resolveInside, safeFileName } from './safe-path';

export const CACHE_LAYOUT = 'v1';
export const DEFAULT_CACHE_TTL_MS = 30 * 24 * 3600 * 1000;
export const DEFAULT_CACHE_MAX_BYTES = 10 * 1024 ** 3;
/** A lock older than this, or held by a process that is gone, is taken over. */
const STALE_LOCK_MS = 30 * 60 * 1000;

export interface CacheSettings {
  readonly dir: string;
  readonly ttlMs: number;
  readonly maxBytes: number;
}

export interface CacheEntryMeta {
  readonly layout: 1;
  readonly id: string;
  readonly uri: string;
  readonly bucket: string;
  readonly key: string;
  readonly versionId: string | null;
  readonly etag: string;
  readonly size: number;
  readonly endpoint: string;
  /** Relative to the entry directory. */
  readonly file: string;
  readonly downloadedAt: string;
  readonly lastUsedAt: string;
  readonly verified: readonly string[];
  /** Checks that could not be made (an unknown multipart part size, an SSE-KMS ETag). */
  readonly unverifiable?: readonly string[];
  /** MD5 (hex) of the local file, to re-check the copy without S3. */
  readonly localMd5: string;
  readonly mtimeMs: number;
}

export interface CacheListing {
  readonly id: string;
  readonly state: 'complete' | 'partial';
  readonly uri: string;
  /** Version id, or `etag:<etag>` for an unversioned object. */
  readonly version: string;
  readonly size: number;
  readonly bytesOnDisk: number;
  readonly lastUsedAt: string;
  readonly downloadedAt?: string;
  readonly path?: string;
  readonly locked: boolean;
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `7d`, `12h`, `30m`, `45s`, `2w`, `500ms` → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/i.exec(text);
  if (!m) throw new ConfigurationError(`'${text}' is not a duration; write e.g. 30m, 12h, 7d or 2w`);
  return Number(m[1]) * UNITS[m[2]!.toLowerCase()]!;
}

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  m: 1e6,
  mb: 1e6,
  g: 1e9,
  gb: 1e9,
  t: 1e12,
  tb: 1e12,
  kib: 1024,
  mib: 1024 ** 2,
  gib: 1024 ** 3,
  tib: 1024 ** 4,
};

/** `10GB`, `500MiB`, `2g`, `1048576` → bytes. */
export function parseSize(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? SIZE_UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined)
    throw new ConfigurationError(`'${text}' is not a size; write e.g. 500MB, 10GB or 2GiB`);
  return Math.floor(Number(m[1]) * unit);
}

/**
 * Cache settings from options, else PRT_CACHE_DIR / PRT_CACHE_TTL / PRT_CACHE_MAX_SIZE, else the
 * defaults: $XDG_CACHE_HOME/prt or ~/.cache/prt, 30 days, 10 GiB.
 */
export function cacheSettings(
  env: NodeJS.ProcessEnv,
  options: { readonly dir?: string; readonly ttl?: string; readonly maxSize?: string } = {},
): CacheSettings {
  const dir =
    options.dir ??
    env['PRT_CACHE_DIR'] ??
    join(
      env['XDG_CACHE_HOME'] && env['XDG_CACHE_HOME'] !== ''
        ? env['XDG_CACHE_HOME']
        : join(homedir(), '.cache'),
      'prt',
    );
  const ttl = options.ttl ?? env['PRT_CACHE_TTL'];
  const maxSize = options.maxSize ?? env['PRT_CACHE_MAX_SIZE'];
  return {
    dir: resolve(dir),
    ttlMs: ttl ? parseDuration(ttl) : DEFAULT_CACHE_TTL_MS,
    maxBytes: maxSize ? parseSize(maxSize) : DEFAULT_CACHE_MAX_BYTES,
  };
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** Writes JSON to a temporary name and renames it, so a reader never sees half a file. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temp, JSON.stringify(value, null, 2));
  await rename(temp, path);
}

async function sizeOnDisk(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => [])) {
    if (entry.isFile())
      total += (await stat(join(entry.parentPath, entry.name)).catch(() => ({ size: 0 }))).size;
  }
  return total;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export async function md5OfFile(path: string): Promise<string> {
  const hash = createHash('md5');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export class DownloadCache {
  readonly root: string;
  private readonly entriesDir: string;

  constructor(
    readonly settings: CacheSettings,
    private readonly now: () => number = Date.now,
  ) {
    this.root = resolve(settings.dir);
    this.entriesDir = join(this.root, CACHE_LAYOUT, 'entries');
  }

  /** The entry id of an object version at an endpoint. */
  entryId(endpoint: string, bucket: string, key: string, versionToken: string): string {
    return createHash('sha256')
      .update(`${endpoint}\n${bucket}\n${key}\n${versionToken}`)
      .digest('hex')
      .slice(0, 40);
  }

  entryDir(id: string): string {
    if (!/^[0-9a-f]{40}$/.test(id)) throw new ConfigurationError(`'${id}' is not a cache entry id`);
    return resolveInside(this.root, join(CACHE_LAYOUT, 'entries', id));
  }

  /** Where an entry keeps the object's bytes. */
  dataPath(id: string, key: string): string {
    return resolveInside(this.entryDir(id), join('data', safeFileName(key)));
  }

  partialManifestPath(id: string): string {
    return join(this.entryDir(id), 'partial.json');
  }

  async read(id: string): Promise<CacheEntryMeta | undefined> {
    const meta = await readJson<CacheEntryMeta>(join(this.entryDir(id), 'meta.json'));
    return meta?.layout === 1 ? meta : undefined;
  }

  async commit(meta: CacheEntryMeta): Promise<void> {
    await mkdir(this.entryDir(meta.id), { recursive: true });
    await writeJsonAtomic(join(this.entryDir(meta.id), 'meta.json'), meta);
  }

  /** Records a use (the LRU clock). */
  async touch(meta: CacheEntryMeta): Promise<CacheEntryMeta> {
    const touched = { ...meta, lastUsedAt: new Date(this.now()).toISOString() };
    await writeJsonAtomic(join(this.entryDir(meta.id), 'meta.json'), touched);
    return touched;
  }

  /**
   * Whether the cached file is still what was downloaded: the size and modification time must be
   * unchanged, and with `full` its MD5 is recomputed too (catches a flipped bit that kept both).
   */
  async intact(meta: CacheEntryMeta, full: boolean): Promise<boolean> {
    const path = join(this.entryDir(meta.id), meta.file);
    const info = await stat(path).catch(() => undefined);
    if (!info || info.size !== meta.size || Math.abs(info.mtimeMs - meta.mtimeMs) > 1) return false;
    return !full || (await md5OfFile(path)) === meta.localMd5;
  }

  async remove(id: string): Promise<void> {
    await rm(this.entryDir(id), { recursive: true, force: true });
  }

  /** Removes an entry left with nothing in it (a download that failed before keeping any part). */
  async removeIfEmpty(id: string): Promise<void> {
    const dir = this.entryDir(id);
    const keeps = await Promise.all(
      ['meta.json', 'partial.json', 'lock'].map((name) => exists(join(dir, name))),
    );
    if (!keeps.some(Boolean)) await this.remove(id);
  }

  /**
   * Takes the entry's lock, waiting while another live process holds it. Returns the release
   * function. A lock whose holder has exited, or older than 30 minutes, is taken over.
   */
  async lock(id: string, timeoutMs = 10 * 60 * 1000): Promise<() => Promise<void>> {
    const dir = join(this.entryDir(id), 'lock');
    await mkdir(this.entryDir(id), { recursive: true });
    const deadline = this.now() + timeoutMs;
    for (let wait = 20; ; wait = Math.min(wait * 2, 500)) {
      try {
        await mkdir(dir);
        await writeFile(
          join(dir, 'owner.json'),
          JSON.stringify({ pid: process.pid, host: hostname(), at: new Date(this.now()).toISOString() }),
        );
        return async () => {
          await rm(dir, { recursive: true, force: true });
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await readJson<{ pid?: number; host?: string; at?: string }>(join(dir, 'owner.json'));
      const since = (await stat(dir).catch(() => undefined))?.mtimeMs ?? 0;
      const stale =
        this.now() - since > STALE_LOCK_MS ||
        (owner?.pid !== undefined &&
          owner.host === hostname() &&
          owner.pid !== process.pid &&
          !processAlive(owner.pid));
      if (stale) {
        await rm(dir, { recursive: true, force: true });
        continue;
      }
      if (this.now() > deadline) {
        throw new CacheBusyError(
          `the cache entry ${id} has been locked by ${owner?.pid !== undefined ? `process ${owner.pid}` : 'another download'} for more than ${Math.round(timeoutMs / 1000)} s; wait for it, or remove ${dir}`,
        );
      }
      await new Promise((r) => setTimeout(r, wait));
    }
  }

  /** Every entry, complete or partial, most recently used first. */
  async list(): Promise<CacheListing[]> {
    const ids = (await readdir(this.entriesDir).catch(() => [] as string[])).filter((n) =>
      /^[0-9a-f]{40}$/.test(n),
    );
    const out: CacheListing[] = [];
    for (const id of ids) {
      const dir = this.entryDir(id);
      const meta = await this.read(id);
      const locked = await exists(join(dir, 'lock'));
      const bytesOnDisk = await sizeOnDisk(dir);
      if (meta) {
        out.push({
          id,
          state: 'complete',
          uri: meta.uri,
          version: meta.versionId ?? `etag:${meta.etag}`,
          size: meta.size,
          bytesOnDisk,
          lastUsedAt: meta.lastUsedAt,
          downloadedAt: meta.downloadedAt,
          path: join(dir, meta.file),
          locked,
        });
        continue;
      }
      const partial = await readJson<{
        uri?: string;
        versionId?: string | null;
        etag?: string;
        size?: number;
      }>(join(dir, 'partial.json'));
      const touched =
        (await stat(join(dir, partial ? 'partial.json' : '.')).catch(() => undefined))?.mtime ?? new Date(0);
      out.push({
        id,
        state: 'partial',
        uri: partial?.uri ?? '(unknown)',
        version: partial?.versionId ?? `etag:${partial?.etag ?? ''}`,
        size: partial?.size ?? 0,
        bytesOnDisk,
        lastUsedAt: touched.toISOString(),
        locked,
      });
    }
    return out.sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt));
  }

  /** Removes entries unused for `olderThanMs` (every unlocked entry without it). */
  async clean(
    options: { readonly olderThanMs?: number } = {},
  ): Promise<{ removed: CacheListing[]; bytes: number }> {
    const cutoff = options.olderThanMs === undefined ? Infinity : this.now() - options.olderThanMs;
    const removed: CacheListing[] = [];
    for (const entry of await this.list()) {
      if (entry.locked) continue;
      if (options.olderThanMs !== undefined && Date.parse(entry.lastUsedAt) > cutoff) continue;
      await this.remove(entry.id);
      removed.push(entry);
    }
    return { removed, bytes: removed.reduce((n, e) => n + e.bytesOnDisk, 0) };
  }

  /**
   * Applies the TTL, then evicts least recently used entries until the cache fits `maxBytes`.
   * `keep` (the entry just used) and locked entries are never evicted.
   */
  async enforce(keep?: string): Promise<{ evicted: CacheListing[] }> {
    const entries = await this.list();
    const evicted: CacheListing[] = [];
    const cutoff = this.now() - this.settings.ttlMs;
    const remaining: CacheListing[] = [];
    for (const e of entries) {
      if (e.id !== keep && !e.locked && Date.parse(e.lastUsedAt) < cutoff) {
        await this.remove(e.id);
        evicted.push(e);
      } else remaining.push(e);
    }
    let total = remaining.reduce((n, e) => n + e.bytesOnDisk, 0);
    for (const e of [...remaining].reverse()) {
      if (total <= this.settings.maxBytes) break;
      if (e.id === keep || e.locked) continue;
      await this.remove(e.id);
      evicted.push(e);
      total -= e.bytesOnDisk;
    }
    return { evicted };
  }
}
