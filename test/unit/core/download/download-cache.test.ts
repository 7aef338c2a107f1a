import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ConfigurationError } from '../../../../lambdas/core/errors';
import {
  DownloadCache,
  cacheSettings,
  parseDuration,
  parseSize,
  type CacheEntryMeta,
} from '../../../../lambdas/core/download/download-cache';
import { CacheBusyError } from '../../../../lambdas/core/download/download-errors';

const DAY = 86_400_000;

describe('cache settings', () => {
  it.each([
    ['7d', 7 * DAY],
    ['12h', 12 * 3_600_000],
    ['30m', 30 * 60_000],
    ['45s', 45_000],
    ['2w', 14 * DAY],
    ['1.5h', 5_400_000],
    ['250ms', 250],
  ])('reads the duration %s', (text, ms) => {
    // Act / Assess
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([
    ['10GB', 10e9],
    ['500MiB', 500 * 1024 ** 2],
    ['2g', 2e9],
    ['1048576', 1048576],
    ['1.5 kb', 1500],
  ])('reads the size %s', (text, bytes) => {
    // Act / Assess
    expect(parseSize(text)).toBe(bytes);
  });

  it.each([
    () => parseDuration('7 days'),
    () => parseDuration(''),
    () => parseSize('lots'),
    () => parseSize('5 parsecs'),
  ])('rejects what it cannot read with a ConfigurationError that shows the form (%#)', (act) => {
    // Act / Assess
    expect(act).toThrow(ConfigurationError);
  });

  it('takes options first, then PRT_CACHE_* variables, then XDG_CACHE_HOME or ~/.cache', () => {
    // Act
    const fromOptions = cacheSettings(
      { PRT_CACHE_DIR: '/env' },
      { dir: '/opt/c', ttl: '1d', maxSize: '1GB' },
    );
    const fromEnv = cacheSettings({
      PRT_CACHE_DIR: '/env/c',
      PRT_CACHE_TTL: '2h',
      PRT_CACHE_MAX_SIZE: '5MB',
    });
    const fromXdg = cacheSettings({ XDG_CACHE_HOME: '/xdg' });
    const defaults = cacheSettings({});

    // Assess
    expect(fromOptions).toEqual({ dir: '/opt/c', ttlMs: DAY, maxBytes: 1e9 });
    expect(fromEnv).toEqual({ dir: '/env/c', ttlMs: 7_200_000, maxBytes: 5e6 });
    expect(fromXdg.dir).toBe('/xdg/prt');
    expect(defaults).toEqual({
      dir: join(homedir(), '.cache', 'prt'),
      ttlMs: 30 * DAY,
      maxBytes: 10 * 1024 ** 3,
    });
  });
});

describe('DownloadCache', () => {
  let dir: string;
  let clock: number;
  let cache: DownloadCache;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prt-cache-'));
    clock = Date.parse('2026-11-01T12:00:00Z');
    cache = new DownloadCache({ dir, ttlMs: 7 * DAY, maxBytes: 35_000 }, () => clock);
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /** Writes a complete entry of `size` bytes as the downloader would. */
  async function entry(
    key: string,
    size: number,
    lastUsedAt = new Date(clock).toISOString(),
  ): Promise<CacheEntryMeta> {
    const id = cache.entryId('http://s3', 'bucket', key, 'etag:e');
    const path = cache.dataPath(id, key);
    mkdirSync(join(path, '..'), { recursive: true });
    const bytes = Buffer.alloc(size, 1);
    writeFileSync(path, bytes);
    const meta: CacheEntryMeta = {
      layout: 1,
      id,
      uri: `s3://bucket/${key}`,
      bucket: 'bucket',
      key,
      versionId: null,
      etag: 'e',
      size,
      endpoint: 'http://s3',
      file: `data/${key.split('/').at(-1)!}`,
      downloadedAt: lastUsedAt,
      lastUsedAt,
      verified: ['size'],
      localMd5: createHash('md5').update(bytes).digest('hex'),
      mtimeMs: statSync(path).mtimeMs,
    };
    await cache.commit(meta);
    return meta;
  }

  it('names entries by a hash of endpoint, bucket, key and version, never by the key', () => {
    // Act
    const a = cache.entryId('http://s3', 'b', '../../etc/passwd', 'v1');
    const b = cache.entryId('http://other', 'b', '../../etc/passwd', 'v1');

    // Assess
    expect(a).toMatch(/^[0-9a-f]{40}$/);
    expect(a).not.toBe(b);
    expect(cache.dataPath(a, '../../etc/passwd')).toBe(join(dir, 'v1', 'entries', a, 'data', 'passwd'));
    expect(() => cache.entryDir('../escape')).toThrow(ConfigurationError);
  });

  it('tells an intact copy from one changed on disk', async () => {
    // Prepare
    const meta = await entry('k/a.csv', 100);
    const path = join(cache.entryDir(meta.id), meta.file);
    const { mtime } = statSync(path);

    // Act
    const intact = await cache.intact(meta, true);
    const flipped = Buffer.alloc(100, 1);
    flipped[50] = 2;
    writeFileSync(path, flipped);
    utimesSync(path, mtime, mtime); // same size, same time: only the MD5 can tell
    const fastCheck = await cache.intact(meta, false);
    const fullCheck = await cache.intact(meta, true);
    writeFileSync(path, Buffer.alloc(99, 1));
    const truncated = await cache.intact(meta, false);

    // Assess
    expect(intact).toBe(true);
    expect(fastCheck).toBe(true);
    expect(fullCheck).toBe(false);
    expect(truncated).toBe(false);
  });

  it('lists complete and partial entries, most recently used first, with their size on disk', async () => {
    // Prepare
    await entry('k/old.csv', 10, new Date(clock - DAY).toISOString());
    await entry('k/new.csv', 20);
    const partialId = cache.entryId('http://s3', 'bucket', 'k/partial.bin', 'v9');
    mkdirSync(join(cache.entryDir(partialId), 'data'), { recursive: true });
    writeFileSync(join(cache.entryDir(partialId), 'data', 'partial.bin.partial'), Buffer.alloc(30));
    writeFileSync(
      cache.partialManifestPath(partialId),
      JSON.stringify({
        uri: 's3://bucket/k/partial.bin',
        versionId: 'v9',
        etag: 'x',
        size: 60,
        partSize: 10,
        done: [0, 1, 2],
      }),
    );

    // Act
    const listing = await cache.list();

    // Assess
    expect(listing.map((e) => [e.state, e.uri, e.version])).toEqual([
      ['partial', 's3://bucket/k/partial.bin', 'v9'],
      ['complete', 's3://bucket/k/new.csv', 'etag:e'],
      ['complete', 's3://bucket/k/old.csv', 'etag:e'],
    ]);
    expect(listing[1]!.bytesOnDisk).toBeGreaterThan(20);
  });

  it('evicts the least recently used entries beyond the size limit, never the one in use', async () => {
    // Prepare: four entries of 10 kB (plus their metadata) against a 35 kB limit.
    const metas = [];
    for (let i = 0; i < 4; i++)
      metas.push(await entry(`k/${i}.bin`, 10_000, new Date(clock - (4 - i) * 60_000).toISOString()));
    await cache.touch(metas[0]!); // 0 was just used: now the most recent

    // Act
    const { evicted } = await cache.enforce(metas[1]!.id);

    // Assess: 1 is kept as "in use"; 2 is the least recently used of the rest.
    expect(evicted.map((e) => e.uri)).toEqual(['s3://bucket/k/2.bin']);
    expect((await cache.list()).map((e) => e.uri).sort()).toEqual([
      's3://bucket/k/0.bin',
      's3://bucket/k/1.bin',
      's3://bucket/k/3.bin',
    ]);
  });

  it('expires entries unused for longer than the TTL', async () => {
    // Prepare
    await entry('k/stale.csv', 10, new Date(clock - 8 * DAY).toISOString());
    await entry('k/fresh.csv', 10, new Date(clock - 6 * DAY).toISOString());

    // Act
    const { evicted } = await cache.enforce();

    // Assess
    expect(evicted.map((e) => e.uri)).toEqual(['s3://bucket/k/stale.csv']);
  });

  it('cleans everything, or only entries unused for a while, and keeps a download in progress', async () => {
    // Prepare
    await entry('k/a.csv', 10, new Date(clock - 10 * DAY).toISOString());
    await entry('k/b.csv', 10, new Date(clock - DAY).toISOString());
    const busy = await entry('k/busy.csv', 10, new Date(clock - 20 * DAY).toISOString());
    const release = await cache.lock(busy.id);

    // Act
    const older = await cache.clean({ olderThanMs: 7 * DAY });
    const rest = await cache.clean();

    // Assess
    expect(older.removed.map((e) => e.uri)).toEqual(['s3://bucket/k/a.csv']);
    expect(rest.removed.map((e) => e.uri)).toEqual(['s3://bucket/k/b.csv']);
    expect((await cache.list()).map((e) => e.uri)).toEqual(['s3://bucket/k/busy.csv']);
    await release();
  });

  it('makes a second locker wait until the first releases', async () => {
    // Prepare
    const id = cache.entryId('e', 'b', 'k', 'v');
    const order: string[] = [];
    const first = await cache.lock(id);

    // Act
    const second = cache.lock(id).then((release) => {
      order.push('second');
      return release;
    });
    await new Promise((r) => setTimeout(r, 50));
    order.push('first releases');
    await first();
    await (
      await second
    )();

    // Assess
    expect(order).toEqual(['first releases', 'second']);
  });

  it('takes over a lock whose holder has exited', async () => {
    // Prepare: a lock left by a process that no longer exists.
    const id = cache.entryId('e', 'b', 'k', 'v');
    mkdirSync(join(cache.entryDir(id), 'lock'), { recursive: true });
    writeFileSync(
      join(cache.entryDir(id), 'lock', 'owner.json'),
      JSON.stringify({ pid: 2 ** 22 + 12345, host: (await import('node:os')).hostname() }),
    );

    // Act
    const release = await cache.lock(id, 1000);

    // Assess
    expect(typeof release).toBe('function');
    await release();
  });

  it('gives up with CacheBusyError when a live holder keeps the lock', async () => {
    // Prepare
    const id = cache.entryId('e', 'b', 'k', 'v');
    const held = await cache.lock(id);
    const impatient = new DownloadCache(cache.settings);

    // Act
    const act = impatient.lock(id, 100);

    // Assess
    await expect(act).rejects.toBeInstanceOf(CacheBusyError);
    await held();
  });
});
