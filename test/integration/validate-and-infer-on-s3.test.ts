/**
 * `prt validate` and `prt infer` on s3:// inputs, as a user runs them: the CLI in a child process
 * configured only through the standard AWS environment variables, against the target's S3.
 */
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseContract } from '../../lambdas/core/contracts/parse-contract';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { startHarness, type Harness } from './embedded-stack-harness';

const run = promisify(execFile);
let h: Harness;
let scratch: string;
let work: string;
const CONTRACT = join(PROJECT_ROOT, 'contracts/sales-preprocessing-training_data.yaml');
const HEADER = 'order_id,customer_id,purchase_amount,ordered_at';

function prt(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/prt.mjs'), ...args], {
    cwd: PROJECT_ROOT,
    env: h.cliEnv(),
  }).then(
    ({ stdout, stderr }) => ({ stdout, stderr, code: 0 }),
    (error: { stdout: string; stderr: string; code: number }) => ({
      stdout: error.stdout,
      stderr: error.stderr,
      code: error.code,
    }),
  );
}

async function put(key: string, body: string): Promise<string> {
  await h.s3.send(
    new PutObjectCommand({ Bucket: h.resources.artifactsBucket, Key: key, Body: Buffer.from(body) }),
  );
  return `s3://${h.resources.artifactsBucket}/${key}`;
}

beforeAll(async () => {
  h = await startHarness();
  scratch = `scratch/${h.runId('validate')}`;
  work = mkdtempSync(join(tmpdir(), 'prt-validate-'));
});
afterAll(async () => {
  await h.close();
});

describe('prt validate on S3', () => {
  it('passes a good object with exit code 0', async () => {
    // Prepare
    const uri = await put(`${scratch}/good.csv`, `${HEADER}\no-1,1,10.5,2026-11-01T00:00:00Z\n`);

    // Act
    const result = await prt('validate', uri, '--contract', CONTRACT, '--json');

    // Assess
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'passed', rowCount: 1 });
  });

  it('fails a bad object with exit code 1, writing the HTML report and every failing row', async () => {
    // Prepare
    const uri = await put(
      `${scratch}/bad.csv`,
      `${HEADER}\no-1,,10.5,2026-11-01T00:00:00Z\no-2,2,-1,2026-11-01T00:00:00Z\n`,
    );
    const report = join(work, 'bad.html');
    const quarantine = join(work, 'bad.jsonl');

    // Act
    const result = await prt(
      'validate',
      uri,
      '--contract',
      CONTRACT,
      '--report',
      report,
      '--quarantine',
      quarantine,
    );

    // Assess
    expect(result.code).toBe(1);
    expect(readFileSync(report, 'utf8')).toContain('customer_id_present');
    const rows = readFileSync(quarantine, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { row: number });
    expect(rows.map((r) => r.row)).toEqual([1, 2]);
  });

  it('reads a ks_test reference sample from S3 while validating a local file', async () => {
    // Prepare
    const amounts = Array.from({ length: 100 }, (_, i) => i + 1);
    const reference = await put(`${scratch}/reference.csv`, `purchase_amount\n${amounts.join('\n')}\n`);
    const contract = join(work, 'ks.yaml');
    writeFileSync(
      contract,
      `${readFileSync(CONTRACT, 'utf8')}
  - name: amount_like_reference
    field: purchase_amount
    condition: ks_test
    reference: ${reference}
    value: 0.2
    threshold: 1
    severity: error
`,
    );
    const local = join(work, 'local.csv');
    writeFileSync(
      local,
      `${HEADER}\n${amounts.map((a) => `o-${a},${a},${a},2026-11-01T00:00:00Z`).join('\n')}\n`,
    );

    // Act
    const result = await prt('validate', local, '--contract', contract, '--json');

    // Assess
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('against 100 reference values');
  });

  it('answers exit code 2 for a missing object', async () => {
    // Act
    const result = await prt(
      'validate',
      `s3://${h.resources.artifactsBucket}/${scratch}/absent.csv`,
      '--contract',
      CONTRACT,
    );

    // Assess
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('absent.csv');
  });
});

describe('prt infer on S3', () => {
  it('drafts a contract that loads and that its own sample passes', async () => {
    // Prepare
    const uri = await put(
      `${scratch}/sample.csv`,
      `${HEADER}\n${Array.from({ length: 40 }, (_, i) => `o-${i},${i + 1},${(i * 1.5).toFixed(2)},2026-11-01T00:00:${String(i % 60).padStart(2, '0')}Z`).join('\n')}\n`,
    );
    const out = join(work, 'drafted.yaml');

    // Act
    const inferred = await prt(
      'infer',
      uri,
      '--name',
      'sales/preprocessing/sample',
      '--path',
      'x/',
      '--out',
      out,
    );
    const validated = await prt('validate', uri, '--contract', out, '--json');

    // Assess
    expect(inferred.code).toBe(0);
    const contract = parseContract(readFileSync(out, 'utf8'), out);
    expect(contract.schema.map((c) => [c.name, c.type])).toEqual([
      ['order_id', 'string'],
      ['customer_id', expect.stringMatching(/^int(32|64)$/)],
      ['purchase_amount', expect.stringMatching(/^(float64|decimal)$/)],
      ['ordered_at', 'timestamp'],
    ]);
    expect(validated.code).toBe(0);
  });
});

describe('the Validate step', () => {
  it('stores the HTML report beside the JSON report, escaping the data', async () => {
    // Prepare: an order id that would be markup if it were not escaped.
    const key = `pipelines/sales/${h.runId('run-html')}/preprocessing/training_data/orders.csv`;
    await h.upload(key, `${HEADER}\n"<script>alert(1)</script>",,10.5,2026-11-01T00:00:00Z\n`);

    // Act
    const entry = await h.waitForStatus(key);

    // Assess
    expect(entry.status).toBe('failed');
    const htmlKey = entry
      .reportUri!.replace(`s3://${h.resources.artifactsBucket}/`, '')
      .replace(/\.json$/, '.html');
    const html = await (
      await h.s3.send(new GetObjectCommand({ Bucket: h.resources.artifactsBucket, Key: htmlKey }))
    ).Body!.transformToString();
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<script>alert(1)</script>');
  });
});
