/**
 * The downloader and `prt download` / `prt cache` on the integration target (the embedded stack by
 * default, or a deployed stack) with real SDK clients: parallel ranged parts and resume, the cache
 * (reuse, LRU eviction, repair, clean), hostile keys, logical names through the registry, samples,
 * versions, and the errors a user meets. Damaged bytes served by the store itself are in
 * download-integrity.test.ts (it needs the embedded server's storage).
 */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DownloadCache } from '../../lambdas/core/download/download-cache';
import { DownloadInterruptedError } from '../../lambdas/core/download/download-errors';
import { ObjectDownloader } from '../../lambdas/core/download/object-downloader';
import { S3DownloadSource, endpointLabel } from '../../lambdas/adapters/aws/s3-download-source';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { startHarness, type Harness } from './embedded-stack-harness';

const run = promisify(execFile);
const MB = 1024 * 1024;
let h: Harness;
let work: string;
/** A key prefix of this suite run in the artifacts bucket (outside every watched prefix). */
let SCRATCH: string;

function prt(args: string[], extra: Record<string, string> = {}) {
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/prt.mjs'), ...args], {
    cwd: work,
    env: {
      ...h.cliEnv(),
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      PRT_REGISTRY_TABLE: h.resources.registryTable,
      PRT_CACHE_DIR: join(work, 'cli-cache'),
      ...extra,
    },
    maxBuffer: 16 * MB,
  });
}

function failureOf(
  p: Promise<unknown>,
): Promise<{ code: number; stderr: string; stdout: string } | undefined> {
  return p.then(
    () => undefined,
    (error: { code: number; stderr: string; stdout: string }) => error,
  );
}

async function put(
  key: string,
  body: Uint8Array | string,
  bucket = h.resources.artifactsBucket,
): Promise<void> {
  await h.s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: typeof body === 'string' ? Buffer.from(body) : body,
    }),
  );
}

function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

function downloader(
  cacheDir: string,
  options: ConstructorParameters<typeof ObjectDownloader>[2] = {},
  maxBytes = 1e10,
) {
  return new ObjectDownloader(
    new S3DownloadSource(h.s3, endpointLabel(h.cliEnv())),
    new DownloadCache({ dir: join(work, cacheDir), ttlMs: 86_400_000, maxBytes }),
    options,
  );
}

beforeAll(async () => {
  h = await startHarness();
  work = mkdtempSync(join(tmpdir(), 'prt-download-it-'));
  SCRATCH = `scratch/${h.runId('dl')}`;
});

afterAll(async () => {
  await h.close();
  rmSync(work, { recursive: true, force: true });
});

describe('large objects', () => {
  let key: string;
  let bytes: Buffer;

  beforeAll(async () => {
    key = `${SCRATCH}/big/features-50mb.bin`;
    bytes = randomBytes(50 * MB);
    await put(key, bytes);
  });

  it('downloads 50 MB in parallel ranged parts, verified, then serves it from the cache', async () => {
    // Prepare
    const d = downloader('cache-big', { concurrency: 8, partSize: 8 * MB });

    // Act
    const fresh = await d.download({ bucket: h.resources.artifactsBucket, key });
    const hit = await d.download({ bucket: h.resources.artifactsBucket, key });
    const quickHit = await downloader('cache-big', { verifyCachedCopies: false }).download({
      bucket: h.resources.artifactsBucket,
      key,
    });

    // Assess
    expect(fresh).toMatchObject({ source: 'download', parts: 7, size: 50 * MB });
    expect(fresh.verified.slice(0, 2)).toEqual(['size', 'etag-md5']);
    expect(md5(readFileSync(fresh.path))).toBe(md5(bytes));
    expect(hit.source).toBe('cache');
    expect(quickHit.source).toBe('cache');
    expect(hit.path).toBe(fresh.path);
    console.log(
      `[measure] 50 MiB download (${h.target}): ${fresh.seconds.toFixed(2)} s, ${(50 / fresh.seconds).toFixed(0)} MiB/s with 8 parts in flight; cache hit with HeadObject + MD5 re-check ${(hit.seconds * 1000).toFixed(0)} ms, with HeadObject + size/mtime only ${(quickHit.seconds * 1000).toFixed(0)} ms`,
    );
  });

  it('resumes an interrupted download from the parts already on disk', async () => {
    // Prepare: stop the first attempt once 20 MB have arrived.
    const controller = new AbortController();
    const d = downloader('cache-resume', { concurrency: 2, partSize: 4 * MB });
    const first = await d
      .download(
        { bucket: h.resources.artifactsBucket, key },
        { signal: controller.signal, onProgress: (done) => done > 20 * MB && controller.abort() },
      )
      .catch((e: unknown) => e);
    expect(first).toBeInstanceOf(DownloadInterruptedError);
    const [partial] = await d.cache.list();
    expect(partial?.state).toBe('partial');

    // Act
    const resumed = await d.download({ bucket: h.resources.artifactsBucket, key });

    // Assess
    expect(resumed.source).toBe('resumed');
    expect(resumed.bytesTransferred).toBeLessThan(35 * MB);
    expect(md5(readFileSync(resumed.path))).toBe(md5(bytes));
  });
});

describe('the cache', () => {
  it('evicts the least recently used copy when it outgrows its limit', async () => {
    // Prepare: three 1 MB objects against a 2.5 MB cache.
    for (const name of ['a', 'b', 'c']) await put(`${SCRATCH}/lru/${name}.bin`, randomBytes(MB));
    const d = downloader('cache-lru', {}, 2.5 * MB);
    await d.download({ bucket: h.resources.artifactsBucket, key: `${SCRATCH}/lru/a.bin` });
    await d.download({ bucket: h.resources.artifactsBucket, key: `${SCRATCH}/lru/b.bin` });
    await d.download({ bucket: h.resources.artifactsBucket, key: `${SCRATCH}/lru/a.bin` }); // a is used again

    // Act
    const third = await d.download({ bucket: h.resources.artifactsBucket, key: `${SCRATCH}/lru/c.bin` });

    // Assess: b was the least recently used.
    expect(third.evicted).toBe(1);
    expect((await d.cache.list()).map((e) => e.uri.split('/').at(-1)).sort()).toEqual(['a.bin', 'c.bin']);
  });

  it('lists and cleans the cache with prt cache', async () => {
    // Prepare
    await put(`${SCRATCH}/cli/one.csv`, 'a,b\n1,2\n');
    await prt(['download', `s3://${h.resources.artifactsBucket}/${SCRATCH}/cli/one.csv`]);

    // Act
    const listed = JSON.parse((await prt(['cache', 'ls', '--json'])).stdout) as {
      entries: { uri: string; state: string }[];
      dir: string;
    };
    const keptRecent = JSON.parse((await prt(['cache', 'clean', '--older-than', '7d', '--json'])).stdout) as {
      removed: number;
    };
    const cleaned = JSON.parse((await prt(['cache', 'clean', '--json'])).stdout) as { removed: number };
    const after = await prt(['cache', 'ls']);

    // Assess
    expect(listed.dir).toBe(join(work, 'cli-cache'));
    expect(listed.entries).toContainEqual(
      expect.objectContaining({
        uri: `s3://${h.resources.artifactsBucket}/${SCRATCH}/cli/one.csv`,
        state: 'complete',
      }),
    );
    expect(keptRecent.removed).toBe(0);
    expect(cleaned.removed).toBe(listed.entries.length);
    expect(after.stdout).toMatch(/: 0 entries, 0 B of /);
  });

  it('replaces a cached copy damaged on disk, and says so', async () => {
    // Prepare
    await put(`${SCRATCH}/cli/damaged.csv`, 'order_id\no-1\no-2\no-3\n');
    const uri = `s3://${h.resources.artifactsBucket}/${SCRATCH}/cli/damaged.csv`;
    const first = JSON.parse((await prt(['download', uri, '--json'])).stdout) as [{ path: string }];
    writeFileSync(first[0].path, 'order_id\no-1\no-X\no-3\n');

    // Act
    const second = await prt(['download', uri]);

    // Assess
    expect(second.stdout).toContain(
      'repaired  the cached copy was damaged; it was replaced by a fresh download',
    );
    expect(readFileSync(first[0].path, 'utf8')).toBe('order_id\no-1\no-2\no-3\n');
  });

  it('never writes outside the cache or the destination for a key like ../../etc/passwd', async () => {
    // Prepare: a key that climbs out of its folder.
    const key = `${SCRATCH}/../../etc/passwd`;
    await put(key, 'root:x:0:0:root:/root:/bin/bash\n');
    const out = join(work, 'traversal-out');

    // Act
    const { stdout } = await prt([
      'download',
      `s3://${h.resources.artifactsBucket}/${key}`,
      '--to',
      out,
      '--json',
    ]);

    // Assess
    const [result] = JSON.parse(stdout) as [{ path: string; copiedTo: string }];
    expect(relative(join(work, 'cli-cache'), result.path).startsWith('..')).toBe(false);
    expect(result.copiedTo).toBe(join(out, 'passwd'));
    expect(readdirSync(out)).toEqual(['passwd']);
    expect(existsSync(join(work, 'etc'))).toBe(false);
  });
});

describe('by logical name, through the registry', () => {
  let runId: string;

  beforeAll(async () => {
    runId = h.runId('run-dl');
    const header = 'order_id,customer_id,amount,ordered_at';
    const keys = [0, 1].map((i) => `pipelines/sales/${runId}/ingestion/raw_orders/part-${i}.csv`);
    await h.upload(keys[0]!, `${header}\no-1,1,10.5,2026-11-01T00:00:00Z\n`);
    await h.upload(keys[1]!, `${header}\no-2,2,7,2026-11-01T01:00:00Z\n`);
    for (const key of keys) await h.waitForStatus(key);
  });

  it('downloads every object of the latest run of an output', async () => {
    // Act
    const { stdout } = await prt([
      'download',
      'sales/ingestion/raw_orders',
      '--to',
      join(work, 'by-name'),
      '--json',
    ]);

    // Assess
    const results = JSON.parse(stdout) as { uri: string; status: string; runId: string; copiedTo: string }[];
    expect(results.map((r) => [r.uri.split('/').at(-1), r.status, r.runId])).toEqual([
      ['part-0.csv', 'passed', runId],
      ['part-1.csv', 'passed', runId],
    ]);
    expect(readFileSync(join(work, 'by-name', 'part-1.csv'), 'utf8')).toContain('o-2,2,7');
  });

  it('writes a sample of the first rows, reading only the start of a large object', async () => {
    // Prepare: ~6 MB of CSV.
    const rows = Array.from(
      { length: 150_000 },
      (_v, i) => `o-${i},${(i % 50) + 1},${i % 100}.25,2026-11-01T00:00:00Z`,
    );
    await put(`${SCRATCH}/sample/orders.csv`, `order_id,customer_id,amount,ordered_at\n${rows.join('\n')}\n`);

    // Act
    const { stdout } = await prt([
      'download',
      `s3://${h.resources.artifactsBucket}/${SCRATCH}/sample/orders.csv`,
      '--sample',
      '3',
      '--to',
      join(work, 'sample'),
      '--json',
    ]);

    // Assess
    const [sample] = JSON.parse(stdout) as [{ rows: number; bytesRead: number; size: number; path: string }];
    expect(sample.rows).toBe(3);
    expect(sample.bytesRead).toBeLessThanOrEqual(64 * 1024);
    expect(sample.size).toBeGreaterThan(5 * MB);
    expect(readFileSync(sample.path, 'utf8')).toBe(
      `order_id,customer_id,amount,ordered_at\n${rows.slice(0, 3).join('\n')}\n`,
    );
  });

  it('explains a logical name nothing was registered for', async () => {
    // Act
    const failure = await failureOf(prt(['download', 'sales/ingestion/raw_orders', '--run', 'run-none']));

    // Assess
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain(
      'prt download: NotRegisteredError: no registered run run-none of sales/ingestion/raw_orders',
    );
  });
});

describe('versions', () => {
  // A versioned bucket (S3, LocalStack) lists and serves versions; the embedded S3 server has none
  // (docs/decisions/0001-embedded-stack.md), and the user must be told so rather than given the
  // latest bytes under an old version's name. Real S3 semantics are also covered with a mocked
  // client in test/unit/core/download/object-downloader.test.ts.
  it('lists and fetches an older version where the bucket keeps versions, and says so where it does not', async () => {
    // Prepare: two versions of one key in the outputs bucket (the one a deployed stack versions),
    // outside the watched prefixes.
    const key = `${SCRATCH}/versions/k.csv`;
    await put(key, 'a\nv1\n', h.resources.outputsBucket);
    await put(key, 'a\nv2, longer\n', h.resources.outputsBucket);
    const d = downloader('cache-versions');

    // Act
    const listed = await d.listVersions(h.resources.outputsBucket, key).then(
      (versions) => ({ versions: versions.length, newest: versions[0]?.size }),
      (e: Error) => ({ error: e.name }),
    );
    const older = await d.listVersions(h.resources.outputsBucket, key).then(
      async (versions) =>
        readFileSync(
          (await d.download({ bucket: h.resources.outputsBucket, key, versionId: versions[1]!.versionId }))
            .path,
          'utf8',
        ),
      () =>
        d
          .download({
            bucket: h.resources.outputsBucket,
            key,
            versionId: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY',
          })
          .then(
            () => 'served bytes for a version the endpoint does not have',
            (e: Error) => e.name,
          ),
    );
    const cli = await failureOf(
      prt(['download', `s3://${h.resources.outputsBucket}/${key}`, '--list-versions']),
    );

    // Assess
    const versioned = h.capabilities.objectVersions;
    expect(listed).toEqual(versioned ? { versions: 2, newest: 13 } : { error: 'VersioningUnsupportedError' });
    expect(older).toBe(versioned ? 'a\nv1\n' : 'VersioningUnsupportedError');
    expect(cli === undefined).toBe(versioned);
    expect(cli?.stderr ?? 'VersioningUnsupportedError').toContain('VersioningUnsupportedError');
  });
});

describe('errors that say what to do', () => {
  it.each([
    [
      'a key that does not exist',
      ['download', 's3://BUCKET/SCRATCH/none.csv'],
      {},
      1,
      'prt download: NoSuchObjectError: HeadObject s3://BUCKET/SCRATCH/none.csv: s3://BUCKET/SCRATCH/none.csv does not exist',
    ],
    [
      'no credentials at all',
      ['download', 's3://BUCKET/SCRATCH/cli/one.csv'],
      {
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_SESSION_TOKEN: '',
        AWS_PROFILE: '',
        AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
        AWS_CONFIG_FILE: '/nonexistent',
        AWS_EC2_METADATA_DISABLED: 'true',
      },
      2,
      ': no AWS credentials found (Could not load credentials from any providers). Set AWS_PROFILE',
    ],
    [
      'credentials the endpoint rejects (HeadObject cannot say which)',
      ['download', 's3://BUCKET/SCRATCH/cli/one.csv'],
      { AWS_ACCESS_KEY_ID: 'AKIAWRONGWRONGWRONG0', AWS_SECRET_ACCESS_KEY: 'wrong', AWS_SESSION_TOKEN: '' },
      1,
      'AccessDeniedError: HeadObject s3://BUCKET/SCRATCH/cli/one.csv: access denied',
    ],
    [
      'an endpoint nobody listens on',
      ['download', 's3://BUCKET/SCRATCH/cli/one.csv'],
      { AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9' },
      1,
      'prt download: EndpointUnreachableError: HeadObject s3://BUCKET/SCRATCH/cli/one.csv: cannot reach the S3 endpoint http://127.0.0.1:9',
    ],
    [
      '--run on a URI',
      ['download', 's3://BUCKET/k.csv', '--run', 'r1'],
      {},
      2,
      '--run picks the objects of a logical output',
    ],
    [
      'a sample of no rows',
      ['download', 's3://BUCKET/k.csv', '--sample', '0'],
      {},
      2,
      '--sample must be a positive whole number',
    ],
  ])('for %s', async (_case, args, extra, code, message) => {
    // Prepare
    const fill = (text: string) =>
      text.replaceAll('BUCKET', h.resources.artifactsBucket).replaceAll('SCRATCH', SCRATCH);

    // Act
    const failure = await failureOf(prt(args.map(fill), extra));

    // Assess
    expect(failure?.code).toBe(code);
    expect(failure?.stderr).toContain(fill(message));
  });
});
