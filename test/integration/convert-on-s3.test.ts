/**
 * `prt convert` against the target's S3 (the embedded S3 server by default, a deployed stack's
 * artifacts bucket with PRT_TEST_TARGET=stack), as a user runs it: the CLI in a child process,
 * configured only through the standard AWS environment variables.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { startHarness, type Harness } from './embedded-stack-harness';

const run = promisify(execFile);
let h: Harness;
/** Scratch keys of this run, outside the watched prefixes. */
let scratch: string;

function prt(...args: string[]) {
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/prt.mjs'), ...args], {
    cwd: PROJECT_ROOT,
    env: h.cliEnv(),
  });
}

beforeAll(async () => {
  h = await startHarness();
  scratch = `scratch/${h.runId('convert')}`;
});
afterAll(async () => {
  await h.close();
});

describe('prt convert on S3', () => {
  it('converts CSV to Parquet and back between s3:// URIs with an equal checksum proof', async () => {
    // Prepare
    const bucket = h.resources.artifactsBucket;
    const csv =
      'order_id,customer_id,purchase_amount,ordered_at\no-1,17,120.5,2026-11-01T09:15:00.123456Z\no-2,9007199254740993,,2026-11-01T10:00:00Z\n';
    await h.s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: `${scratch}/in.csv`, Body: Buffer.from(csv) }),
    );
    const contract = join(PROJECT_ROOT, 'contracts/sales-preprocessing-training_data.yaml');

    // Act
    const toParquet = await prt(
      'convert',
      `s3://${bucket}/${scratch}/in.csv`,
      `s3://${bucket}/${scratch}/out.parquet`,
      '--contract',
      contract,
      '--json',
    );
    await prt(
      'convert',
      `s3://${bucket}/${scratch}/out.parquet`,
      `s3://${bucket}/${scratch}/back.csv`,
      '--contract',
      contract,
    );

    // Assess
    const proof = JSON.parse(toParquet.stdout) as {
      rowsIn: number;
      rowsOut: number;
      checksums: Record<string, string>;
      checksumsOut: Record<string, string>;
    };
    expect(proof.rowsIn).toBe(2);
    expect(proof.rowsOut).toBe(2);
    expect(proof.checksumsOut).toEqual(proof.checksums);
    const parquet = await (
      await h.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${scratch}/out.parquet` }))
    ).Body!.transformToByteArray();
    expect(Buffer.from(parquet.subarray(0, 4)).toString()).toBe('PAR1');
    const back = await (
      await h.s3.send(new GetObjectCommand({ Bucket: bucket, Key: `${scratch}/back.csv` }))
    ).Body!.transformToString();
    expect(back).toBe(
      'order_id,customer_id,purchase_amount,ordered_at\no-1,17,120.5,2026-11-01T09:15:00.123456Z\no-2,9007199254740993,,2026-11-01T10:00:00Z\n',
    );
  });

  it('fails with exit code 1 and publishes nothing when a value does not fit the contract', async () => {
    // Prepare
    const bucket = h.resources.artifactsBucket;
    await h.s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${scratch}/bad.csv`,
        Body: Buffer.from(
          'order_id,customer_id,purchase_amount,ordered_at\no-1,seventeen,1,2026-11-01T00:00:00Z\n',
        ),
      }),
    );

    // Act
    const failure = await prt(
      'convert',
      `s3://${bucket}/${scratch}/bad.csv`,
      `s3://${bucket}/${scratch}/bad.parquet`,
      '--contract',
      join(PROJECT_ROOT, 'contracts/sales-preprocessing-training_data.yaml'),
    ).then(
      () => undefined,
      (error: { code: number; stderr: string }) => error,
    );

    // Assess
    expect(failure?.code).toBe(1);
    expect(failure?.stderr).toContain("'seventeen' in customer_id is not int64");
    const listed = await h.s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `${scratch}/bad.parquet` }),
    );
    expect(listed.KeyCount ?? 0).toBe(0);
  });
});
