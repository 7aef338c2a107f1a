/**
 * `prt download` of a partitioned output on the integration target: the registered folder stands
 * for its parts at the tested version (markers skipped), each fetched with the usual checks into a
 * folder mirroring the part keys, and a sample reads across the parts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { startHarness, type Harness } from './embedded-stack-harness';

const run = promisify(execFile);
const HEADER = 'order_id,customer_id,amount,channel,ordered_at';
/** Two partitions, each with a part of the same file name (as Spark names them). */
const PARTS: Record<string, string> = {
  'date=2026-11-01/part-00000.csv': `${HEADER}\no-1,1,10.50,web,2026-11-01T00:00:00Z\no-2,2,7.25,app,2026-11-01T01:00:00Z\n`,
  'date=2026-11-02/part-00000.csv': `${HEADER}\no-3,3,4.00,store,2026-11-02T00:00:00Z\no-4,4,9.99,web,2026-11-02T01:00:00Z\n`,
};
let h: Harness;
let work: string;
let folder: string;

function prt(args: string[]) {
  return run(process.execPath, [join(PROJECT_ROOT, 'bin/prt.mjs'), ...args], {
    cwd: work,
    env: {
      ...h.cliEnv(),
      AWS_RESPONSE_CHECKSUM_VALIDATION: 'WHEN_REQUIRED',
      PRT_REGISTRY_TABLE: h.resources.registryTable,
      PRT_CACHE_DIR: join(work, 'cli-cache'),
    },
    maxBuffer: 16 * 1024 * 1024,
  });
}

async function datasetStatus(timeoutMs = 120_000): Promise<RegistryEntry> {
  const uri = `s3://${h.resources.outputsBucket}/${folder}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const [entry] = await h.registry.versionsOf(uri);
    if (entry && entry.status !== 'pending') {
      await h.waitForExecutions(`${folder}_SUCCESS`);
      return entry;
    }
    if (Date.now() > deadline) throw new Error(`no final status for ${uri} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

beforeAll(async () => {
  h = await startHarness();
  work = mkdtempSync(join(tmpdir(), 'prt-download-parts-it-'));
  folder = `datasets/sales/${h.runId('run-dlp')}/orders/`;
  for (const [name, body] of Object.entries(PARTS)) await h.upload(`${folder}${name}`, body);
  await h.upload(`${folder}_SUCCESS`, '');
  await datasetStatus();
});

afterAll(async () => {
  await h.close();
  rmSync(work, { recursive: true, force: true });
});

describe('a registered folder', () => {
  it('downloads as its parts, into a folder mirroring the part keys, without the marker', async () => {
    // Act
    const { stdout } = await prt([
      'download',
      'sales/export/orders_parts',
      '--to',
      join(work, 'out'),
      '--json',
    ]);

    // Assess
    const results = JSON.parse(stdout) as {
      uri: string;
      partOf: string;
      copiedTo: string;
      verified: string[];
    }[];
    expect(results.map((r) => r.uri)).toEqual(
      Object.keys(PARTS).map((name) => `s3://${h.resources.outputsBucket}/${folder}${name}`),
    );
    expect(new Set(results.map((r) => r.partOf))).toEqual(
      new Set([`s3://${h.resources.outputsBucket}/${folder}`]),
    );
    for (const [name, body] of Object.entries(PARTS))
      expect(readFileSync(join(work, 'out', 'orders', name), 'utf8')).toBe(body);
    for (const r of results) expect(r.verified).toContain('size');
  });

  it('samples across its parts', async () => {
    // Act
    const { stdout } = await prt([
      'download',
      'sales/export/orders_parts',
      '--sample',
      '3',
      '--to',
      join(work, 'sample'),
      '--json',
    ]);

    // Assess: the first three rows of the parts in key order, in one file named after the folder.
    const [sample] = JSON.parse(stdout) as [{ rows: number; parts: number; partsRead: number; path: string }];
    expect(sample).toMatchObject({ rows: 3, parts: 2, partsRead: 2 });
    expect(sample.path).toBe(join(work, 'sample', 'orders.sample.csv'));
    const lines = readFileSync(sample.path, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['order_id', 'o-1', 'o-2', 'o-3']);
  });
});
