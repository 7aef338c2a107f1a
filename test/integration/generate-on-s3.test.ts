/**
 * Synthetic data on the embedded stack, through real SDK clients: `prt generate` to s3:// with
 * registration, the generate Lambda handler, and no object left behind by a failed upload.
 */
import { GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseContract } from '../../lambdas/core/contracts/parse-contract';
import { bufferSource } from '../../lambdas/core/formats/byte-io';
import { openTable } from '../../lambdas/core/formats/open-table';
import { planTable } from '../../lambdas/core/generation/table-plan';
import { writeGeneratedTable } from '../../lambdas/core/generation/write-generated-table';
import { objectPk } from '../../lambdas/core/registry/output-registry';
import { S3Sink } from '../../lambdas/adapters/aws/s3-byte-io';
import { validateRecords } from '../../lambdas/core/validation/validate-records';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../lib/local/embedded-stack';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { readFileSync } from 'node:fs';
import { lambdaContext } from '../fixtures/lambda-handler';
import { startHarness, type Harness } from './embedded-stack-harness';

const run = promisify(execFile);
let h: Harness;

const awsEnv = () => ({
  AWS_ENDPOINT_URL_S3: h.stack.endpoints.s3,
  AWS_ENDPOINT_URL_DYNAMODB: h.stack.endpoints.dynamodb,
  AWS_REGION: LOCAL_REGION,
  AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
  AWS_REQUEST_CHECKSUM_CALCULATION: 'WHEN_REQUIRED',
  PRT_S3_FORCE_PATH_STYLE: 'true',
});

function prt(...args: string[]) {
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/prt.mjs'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...awsEnv() },
  });
}

async function body(key: string): Promise<Uint8Array> {
  const out = await h.s3.send(new GetObjectCommand({ Bucket: h.stack.resources.outputsBucket, Key: key }));
  return out.Body!.transformToByteArray();
}

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await h.close();
});

const contractFile = join(PROJECT_ROOT, 'contracts/sales-preprocessing-training_data.yaml');

describe('prt generate on S3', () => {
  it('writes gzip CSV to an s3:// URI, registers it as synthetic, and the data passes its contract', async () => {
    // Prepare
    const key = 'synthetic/cli/training_data.csv.gz';
    // Act
    const { stdout } = await prt(
      'generate',
      '--contract',
      contractFile,
      '--rows',
      '20000',
      '--seed',
      '5',
      '--out',
      `s3://${h.stack.resources.outputsBucket}/${key}`,
      '--registry-table',
      h.stack.resources.registryTable,
      '--json',
    );
    const result = JSON.parse(stdout) as { outputs: { rows: number; registered: boolean }[] };
    const contract = parseContract(readFileSync(contractFile, 'utf8'), contractFile);
    const opened = await openTable(bufferSource(await body(key), key));
    const report = await validateRecords(contract, opened.batches);
    const head = await h.s3.send(
      new HeadObjectCommand({ Bucket: h.stack.resources.outputsBucket, Key: key }),
    );
    const items = await h.db.send(
      new GetCommand({
        TableName: h.stack.resources.registryTable,
        Key: {
          pk: objectPk(`s3://${h.stack.resources.outputsBucket}/${key}`),
          sk: `VER#etag:${(head.ETag ?? '').replace(/"/g, '')}`,
        },
      }),
    );
    // Assess
    expect(result.outputs).toEqual([expect.objectContaining({ rows: 20000, registered: true })]);
    expect(opened.detection.compression).toBe('gzip');
    expect(report.status).toBe('passed');
    expect(report.rowCount).toBe(20000);
    expect(items.Item).toMatchObject({
      dataType: 'synthetic',
      status: 'pending',
      pipeline: 'sales',
      step: 'preprocessing',
      output: 'training_data',
      rowCount: 20000,
    });
  });

  it('tests a generated object that lands where its contract watches, as any arrival, once', async () => {
    // Prepare: the contract's own path, under a run of this test.
    const runId = h.runId('generated-arrival');
    const key = `pipelines/sales/${runId}/preprocessing/training_data/part-00000.csv`;
    const uri = `s3://${h.stack.resources.outputsBucket}/${key}`;

    // Act: generate and register it, as a user seeding a test environment would.
    await prt(
      'generate',
      '--contract',
      contractFile,
      '--rows',
      '500',
      '--seed',
      '3',
      '--run-id',
      runId,
      '--out',
      `s3://${h.stack.resources.outputsBucket}/`,
      '--registry-table',
      h.stack.resources.registryTable,
    );
    const executions = await h.waitForExecutions(key, 1);
    const versions = await h.registry.versionsOf(uri);

    // Assess: its arrival was tested (not ended as a duplicate of the generator's entry), and the
    // one entry still says the data is synthetic.
    expect(executions.map((e) => e.status)).toEqual(['SUCCEEDED']);
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ status: 'passed', dataType: 'synthetic', rowCount: 500 });
    expect(versions[0]!.note).toMatch(
      /^synthetic data for sales\/preprocessing\/training_data: 500 rows, seed 3/,
    );
  });

  it('fails with exit code 2 and writes nothing for an impossible request', async () => {
    // Act
    const error = await prt(
      'generate',
      '--contract',
      contractFile,
      '--rows',
      '10',
      '--violate',
      'purchase_amount.unique',
      '--out',
      `s3://${h.stack.resources.outputsBucket}/synthetic/cli/never.csv`,
    ).catch((e: unknown) => e as { code: number; stderr: string });
    // Assess
    expect(error).toMatchObject({ code: 2 });
    expect((error as { stderr: string }).stderr).toMatch(
      /purchase_amount\.unique: column purchase_amount has no unique constraint to break/,
    );
    await expect(
      h.s3.send(
        new HeadObjectCommand({ Bucket: h.stack.resources.outputsBucket, Key: 'synthetic/cli/never.csv' }),
      ),
    ).rejects.toThrow();
  });

  it('aborts the multipart upload of a failed write: no object appears', async () => {
    // Prepare: 12+ MB of CSV (two parts), and a sink that fails after the first part.
    const plan = planTable(parseContract(readFileSync(contractFile, 'utf8'), contractFile), {
      rows: 250_000,
      seed: 1,
    });
    const key = 'synthetic/failed/part.csv';
    const sink = new S3Sink(h.s3, h.stack.resources.outputsBucket, key, 'text/csv');
    let bytes = 0;
    const failing = Object.assign(Object.create(sink) as S3Sink, {
      write: async (chunk: Uint8Array) => {
        bytes += chunk.byteLength;
        if (bytes > 10 * 1024 * 1024) throw new Error('connection reset');
        await sink.write(chunk);
      },
      abort: () => sink.abort(),
    });
    // Act
    await expect(writeGeneratedTable(plan, failing, { format: 'csv' })).rejects.toThrow('connection reset');
    // Assess
    await expect(
      h.s3.send(new HeadObjectCommand({ Bucket: h.stack.resources.outputsBucket, Key: key })),
    ).rejects.toThrow();
  });
});

describe('generate Lambda handler', () => {
  it('generates a pipeline under synthetic/ from the deployed contracts and registers each output', async () => {
    // Prepare: the environment CDK sets, then a cold start.
    for (const [k, v] of Object.entries({
      ...awsEnv(),
      PRT_REGISTRY_TABLE: h.stack.resources.registryTable,
      PRT_ARTIFACTS_BUCKET: h.stack.resources.artifactsBucket,
      PRT_CONTRACTS_PREFIX: 'contracts/',
      PRT_OUTPUTS_BUCKET: h.stack.resources.outputsBucket,
      PRT_SYNTHETIC_PREFIX: 'synthetic/',
    }))
      vi.stubEnv(k, v);
    const { handler } = await import('../../lambdas/generate/handler');
    // Act
    const result = await handler(
      { pipeline: 'sales', rows: 300, seed: 2, runId: 'it-run' },
      lambdaContext('generate'),
    );
    // Assess
    expect(result.objects.map((o) => [o.output, o.rows])).toEqual([
      ['sales/ingestion/raw_orders', 300],
      ['sales/export/orders_parts', 300],
      ['sales/preprocessing/training_data', 300],
      ['sales/features/order_features', 300],
    ]);
    for (const o of result.objects) {
      const key = o.uri.replace(`s3://${h.stack.resources.outputsBucket}/`, '');
      expect(key).toMatch(/^synthetic\/(pipelines|datasets)\/sales\/it-run\//);
      expect((await body(key)).byteLength).toBe(o.bytes);
    }
  });
});
