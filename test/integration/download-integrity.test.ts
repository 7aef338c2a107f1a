/**
 * A store that serves damaged bytes: the embedded S3 server keeps each object as a file beside its
 * recorded MD5 (the ETag it answers with), so this test damages the file after the upload, the way a
 * faulty disk or a broken proxy would, and checks that the downloader refuses the bytes. It starts
 * its own embedded stack whatever the integration target is: only there can a test reach the
 * store's storage. (Damaged cached copies and mismatching ETags from a mocked client are covered in
 * download.test.ts and test/unit/core/download/object-downloader.test.ts.)
 */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DownloadCache } from '../../lambdas/core/download/download-cache';
import { ObjectDownloader } from '../../lambdas/core/download/object-downloader';
import { S3DownloadSource } from '../../lambdas/adapters/aws/s3-download-source';
import { IntegrityError } from '../../lambdas/core/errors';
import { createS3Client } from '../../lambdas/adapters/aws/aws-clients';
import { clientSettingsFromEnv } from '../../lambdas/runtime/function-config';
import { EmbeddedStack, LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/embedded-stack';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';

const run = promisify(execFile);
let stack: EmbeddedStack;
let s3: S3Client;
let work: string;
let dataDir: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'prt-integrity-it-'));
  dataDir = join(work, 's3');
  stack = await EmbeddedStack.start({
    repoRoot: PROJECT_ROOT,
    config: loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev'),
    dataDir,
  });
  s3 = createS3Client(clientSettingsFromEnv(process.env));
});

afterAll(async () => {
  s3.destroy();
  await stack.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('bytes that do not match the store’s own ETag', () => {
  it('are refused with IntegrityError, in process and through prt download, leaving nothing behind', async () => {
    // Prepare: upload, then damage the stored bytes (same length); the recorded MD5 stays.
    const bucket = stack.resources.artifactsBucket;
    const key = 'scratch/corrupt/orders.csv';
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: key, Body: 'order_id,amount\no-1,10\no-2,20\n' }),
    );
    writeFileSync(
      join(dataDir, bucket, 'scratch', 'corrupt', 'orders.csv._S3rver_object'),
      'order_id,amount\no-1,10\no-2,99\n',
    );
    const cache = new DownloadCache({ dir: join(work, 'cache'), ttlMs: 86_400_000, maxBytes: 1e9 });
    const downloader = new ObjectDownloader(new S3DownloadSource(s3, stack.endpoints.s3), cache);

    // Act
    const error = await downloader.download({ bucket, key }).catch((e: unknown) => e);
    const cli = await run(
      process.execPath,
      [join(PROJECT_ROOT, 'bin/prt.mjs'), 'download', `s3://${bucket}/${key}`],
      {
        cwd: work,
        env: {
          ...process.env,
          AWS_ENDPOINT_URL_S3: stack.endpoints.s3,
          AWS_REGION: LOCAL_REGION,
          AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
          AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
          AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
          PRT_S3_FORCE_PATH_STYLE: 'true',
          PRT_CACHE_DIR: join(work, 'cli-cache'),
        },
      },
    ).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(IntegrityError);
    expect((error as Error).message).toMatch(
      /the downloaded bytes are not the object: MD5 [0-9a-f]{32} does not match the ETag [0-9a-f]{32}\. The partial file was deleted/,
    );
    expect(await cache.list()).toEqual([]);
    expect(cli?.code).toBe(1);
    expect(cli?.stderr).toMatch(
      /^prt download: IntegrityError: s3:\/\/.+\/scratch\/corrupt\/orders\.csv: the downloaded bytes are not the object/,
    );
    expect(
      readdirSync(join(work, 'cli-cache'), { recursive: true })
        .map(String)
        .filter((f) => /\.partial|meta\.json|orders\.csv$/.test(f)),
    ).toEqual([]);
  });
});
