/**
 * The partitioned branch end to end: a Spark-style folder of part files and its `_SUCCESS` marker
 * land under a partitioned prefix (cdk.json partitions.prefixes); the marker alone starts an
 * execution, whose plan step writes the folder's data parts to a manifest, whose Distributed Map
 * validates every part of it (locally its ItemReader is a real GetObject of the manifest from the
 * embedded S3 server, see lib/local/distributed-map.ts) and whose merge step writes one report and
 * one registry status for the folder.
 *
 * The central assertion: the merged report of the parts (250 in `npm test`, 10,000 in `npm run soak`)
 * equals the report of validating the concatenated data in one pass. Runs against any target of the harness.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand } from '@aws-sdk/client-s3';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutputContract } from '../../lambdas/core/contracts/output-contract';
import { parseContract } from '../../lambdas/core/contracts/parse-contract';
import { bufferSource } from '../../lambdas/core/formats/byte-io';
import type { RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { runValidation } from '../../lambdas/core/validation/run-validation';
import type { ValidationReport } from '../../lambdas/core/validation/validation-report';
import type { StoredDatasetReport } from '../../lambdas/core/workflow/validate-partitions';
import { planParts, type ManifestItem } from '../../lambdas/core/workflow/plan-parts';
import { S3ObjectStore } from '../../lambdas/adapters/aws/s3-object-store';
import { ARTIFACT_PREFIXES } from '../../lib/config/artifact-prefixes';
import { projectPath } from '../../lib/config/project-paths';
import { markdownTable, recordFigures } from '../fixtures/reliability-report';
import { startHarness, type Harness } from './embedded-stack-harness';

const CONTRACT_FILE = 'contracts/sales-export-orders_parts.yaml';
const HEADER = 'order_id,customer_id,amount,channel,ordered_at';
/** Part files: 250 keep `npm test` short; the soak run writes 10,000 (ten pages of a folder listing). */
const SOAK = process.env['PRT_SOAK'] === '1';
const PARTS = SOAK ? 10_000 : 250;
/** The soak's upload, ten thousand map children and merge take many minutes on a shared 2-core machine. */
const FOLDER_WAIT_MS = SOAK ? 2_400_000 : 600_000;
const ROWS_PER_PART = 12;

let h: Harness;
let contract: OutputContract;

beforeAll(async () => {
  h = await startHarness();
  contract = parseContract(readFileSync(projectPath(CONTRACT_FILE), 'utf8'), CONTRACT_FILE);
});

// After the soak's 10,000 parts, stopping the stack waits for its event subscribers (the run report
// re-reads the run after each Output Tested event): it outlasted the default 120 s once.
afterAll(async () => {
  await h.close();
}, FOLDER_WAIT_MS);

function folderOf(run: string): string {
  return `datasets/sales/${h.runId(run)}/orders/`;
}

/**
 * Rows of part `p`: mostly valid, with a deterministic sprinkle of everything the report counts —
 * non-positive and missing amounts, unknown and missing channels, a bad customer id, an id repeated
 * in a later part (uniqueness across parts), timestamps spread over a year.
 */
function partRows(p: number): string[] {
  const rows: string[] = [];
  for (let r = 0; r < ROWS_PER_PART; r++) {
    const n = p * ROWS_PER_PART + r;
    const id = n % 997 === 5 && p > 0 ? `o-${n - ROWS_PER_PART * 3}` : `o-${n}`;
    const customer = n % 1409 === 7 ? 'x' : String((n % 50_000) + 1);
    const amount = n % 211 === 0 ? '-1.00' : n % 173 === 0 ? '' : ((n % 9_000) / 7 + 0.01).toFixed(2);
    const channel = n % 89 === 0 ? 'fax' : n % 61 === 0 ? '' : (['web', 'store', 'app'] as const)[n % 3]!;
    const at = new Date(Date.UTC(2026, 0, 1) + n * 1_571_000).toISOString();
    rows.push(`${id},${customer},${amount},${channel},${at}`);
  }
  return rows;
}

async function uploadParts(
  folder: string,
  bodies: readonly (string | Uint8Array)[],
  names?: readonly string[],
) {
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      await h.upload(`${folder}${names?.[i] ?? `part-${String(i).padStart(5, '0')}.csv`}`, bodies[i]!);
    }
  };
  await Promise.all(Array.from({ length: 24 }, worker));
}

async function datasetStatus(folder: string, timeoutMs = FOLDER_WAIT_MS): Promise<RegistryEntry> {
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

async function readJson<T>(uri: string): Promise<T> {
  const key = uri.replace(`s3://${h.resources.artifactsBucket}/`, '');
  const object = await h.s3.send(new GetObjectCommand({ Bucket: h.resources.artifactsBucket, Key: key }));
  return JSON.parse(await object.Body!.transformToString()) as T;
}

/**
 * The fields a one-pass report and a merged one share. Mean and standard deviation are compared
 * to 1e-9 (merging moments rounds differently); failedRowCount counts rows flagged while their own
 * part was read, so a key repeated across parts is a uniqueness failure (exact after the merge) that
 * no single part flagged.
 */
function comparable(report: ValidationReport): unknown {
  return {
    output: report.output,
    status: report.status,
    rowCount: report.rowCount,
    schema: report.schema,
    rules: report.rules,
    failedRules: report.failedRules,
    summary: report.summary,
    profile: report.profile?.map(({ mean: _m, stddev: _s, ...rest }) => rest),
  };
}

describe(`a partitioned output of ${PARTS} parts`, () => {
  it(
    'is tested once, from its marker, and its merged report equals one pass over the concatenated data',
    async () => {
      // Prepare: the parts, a hidden file and a temporary file Spark leaves, then the marker.
      const folder = folderOf('run-p1');
      const parts = Array.from({ length: PARTS }, (_, p) => `${HEADER}\n${partRows(p).join('\n')}\n`);
      await uploadParts(folder, parts);
      await h.upload(`${folder}.part-00000.csv.crc`, 'crc bytes that are not CSV');
      await h.upload(`${folder}_temporary/0/task_0001/part-99999.csv`, 'half,written');

      // Act
      const t0 = Date.now();
      await h.upload(`${folder}_SUCCESS`, '');
      const entry = await datasetStatus(folder);
      const seconds = (Date.now() - t0) / 1000;

      // Assess: one execution (the marker's) ran the map and the merge; the parts started none.
      const [execution, ...more] = await h.executionsFor(`${folder}_SUCCESS`);
      expect(more).toEqual([]);
      expect(execution!.path).toEqual(
        expect.arrayContaining(['RegisterDataset', 'PlanParts', 'ValidateParts', 'MergeParts']),
      );
      // The map was given the data parts only: the plan's manifest has neither the checksum nor the
      // temporary file.
      const manifests = await h.s3.send(
        new ListObjectsV2Command({
          Bucket: h.resources.artifactsBucket,
          Prefix: `${ARTIFACT_PREFIXES.manifests}${h.resources.outputsBucket}/${folder}`,
        }),
      );
      expect(manifests.Contents).toHaveLength(1);
      const planned = await readJson<ManifestItem[]>(
        `s3://${h.resources.artifactsBucket}/${manifests.Contents![0]!.Key!}`,
      );
      expect(planned).toHaveLength(PARTS);
      expect(planned.every((item) => /\/part-\d{5}\.csv$/.test(item.Key))).toBe(true);
      for (let p = 0; p < PARTS; p += 111) {
        expect(await h.executionsFor(`${folder}part-${String(p).padStart(5, '0')}.csv`)).toEqual([]);
      }
      expect(await h.executionsFor(`${folder}_temporary/0/task_0001/part-99999.csv`)).toEqual([]);

      // The registry holds the folder as one output version.
      expect(entry).toMatchObject({
        uri: `s3://${h.resources.outputsBucket}/${folder}`,
        key: folder,
        pipeline: 'sales',
        step: 'export',
        output: 'orders_parts',
        partitioned: true,
        marker: `s3://${h.resources.outputsBucket}/${folder}_SUCCESS`,
        rowCount: PARTS * ROWS_PER_PART,
      });

      // The merged report is the one-pass report of the concatenated parts.
      const stored = await readJson<StoredDatasetReport>(entry.reportUri!);
      const whole = `${HEADER}\n${parts.map((p) => p.slice(HEADER.length + 1)).join('')}`;
      const onePass = await runValidation(contract, bufferSource(Buffer.from(whole), 'concatenated.csv'), {
        openSource: () => {
          throw new Error('no reference samples in this contract');
        },
      });
      expect(comparable(stored)).toEqual(comparable(onePass.report));
      stored.profile!.forEach((column, i) => {
        const expected = onePass.report.profile![i]!;
        if (expected.mean === undefined) return;
        expect(column.mean).toBeCloseTo(expected.mean, 9);
      });
      expect(stored.status).toBe('failed');
      expect(stored.failedRules).toEqual(['schema_compatibility', 'order_id.unique', 'channel.allowed']);
      expect(entry.status).toBe('failed');
      expect(stored.parts).toMatchObject({ total: PARTS, validated: PARTS, unreadable: 0, notValidated: 0 });

      // Every failing row is quarantined, part by part, under one folder.
      expect(stored.quarantineUri).toMatch(/\.parts\/$/);
      const quarantineFolder = stored.quarantineUri!.replace(`s3://${h.resources.artifactsBucket}/`, '');
      let quarantinedLines = 0;
      let token: string | undefined;
      do {
        const page = await h.s3.send(
          new ListObjectsV2Command({
            Bucket: h.resources.artifactsBucket,
            Prefix: quarantineFolder,
            ContinuationToken: token,
          }),
        );
        for (const o of page.Contents ?? []) {
          const body = await h.s3.send(
            new GetObjectCommand({ Bucket: h.resources.artifactsBucket, Key: o.Key }),
          );
          quarantinedLines += (await body.Body!.transformToString()).split('\n').filter(Boolean).length;
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      expect(quarantinedLines).toBe(stored.failedRowCount);
      recordFigures({
        id: 'partitioned-branch',
        title: `Partitioned output: ${PARTS.toLocaleString('en-US')} parts through the Distributed Map`,
        body: [
          `A folder of ${PARTS} CSV parts (${PARTS * ROWS_PER_PART} rows) plus a hidden checksum file and a Spark temporary file, then its \`_SUCCESS\` marker, uploaded to the ${h.target} target. One execution (the marker's); no part started one. The merged report equals the report of validating the concatenated parts in one pass (schema, rules, failed rules, summary, profiles; means to 1e-9).`,
          '',
          markdownTable(
            ['figure', 'value'],
            [
              ['parts validated', `${stored.parts.validated} of ${stored.parts.total}`],
              ['rows', PARTS * ROWS_PER_PART],
              ['marker upload to registry status', `${seconds.toFixed(1)} s`],
              ['parts per second', (PARTS / seconds).toFixed(0)],
              ['status (as the data deserves)', stored.status],
              ['failed rules', stored.failedRules.join(', ')],
              ['quarantined rows (all parts)', quarantinedLines],
            ],
          ),
        ].join('\n'),
      });
    },
    FOLDER_WAIT_MS + 600_000,
  );
});

describe('a partitioned output with a part that cannot be read', () => {
  it('fails, naming the part and why', async () => {
    // Prepare: three good parts and one that is Parquet where the contract says CSV.
    const folder = folderOf('run-p2');
    await uploadParts(
      folder,
      [
        `${HEADER}\n${partRows(0).join('\n')}\n`,
        `${HEADER}\n${partRows(1).slice(0, 3).join('\n')}\n`,
        Buffer.from('PAR1\u0000\u0000not really parquetPAR1'),
        `${HEADER}\n${partRows(2).slice(0, 2).join('\n')}\n`,
      ],
      ['part-00000.csv', 'part-00001.csv', 'part-00002.csv', 'date=2026-11-01/part-00003.csv'],
    );

    // Act
    await h.upload(`${folder}_SUCCESS`, '');
    const entry = await datasetStatus(folder);

    // Assess
    expect(entry.status).toBe('failed');
    expect([...entry.failedRules!]).toContain('parts_readable');
    expect(entry.failureReason).toContain(
      // The full key: every partition folder may hold a part-00002.csv.
      `1 of 4 parts unreadable, first ${folder}part-00002.csv: FormatError: expected csv, found parquet`,
    );
    const stored = await readJson<StoredDatasetReport>(entry.reportUri!);
    expect(stored.parts).toMatchObject({ total: 4, validated: 3, unreadable: 1 });
    expect(stored.rowCount).toBe(ROWS_PER_PART + 3 + 2);
  });
});

describe('planning a folder of more parts than one listing page', () => {
  it('writes every part to the manifest, past the first 1,000 keys, through the S3 adapter', async () => {
    // Prepare: 1,001 one-byte parts and a marker, outside the watched prefixes (no execution starts).
    const folder = `plans/${h.runId('run-p5')}/orders/`;
    const keys = [
      ...Array.from({ length: 1001 }, (_, i) => `${folder}part-${String(i).padStart(5, '0')}.csv`),
      `${folder}_SUCCESS`,
    ];
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        await h.s3.send(new PutObjectCommand({ Bucket: h.resources.outputsBucket, Key: key, Body: 'x' }));
      }
    };
    await Promise.all(Array.from({ length: 24 }, worker));
    const dataset = {
      pk: `OBJ#s3://${h.resources.outputsBucket}/${folder}`,
      sk: 'VER#plan-test',
      bucket: h.resources.outputsBucket,
      key: folder,
      versionId: null,
      etag: '',
      size: 0,
      uri: `s3://${h.resources.outputsBucket}/${folder}`,
      eventTime: new Date().toISOString(),
      eventId: 'plan-test',
    };

    // Act
    const manifest = await planParts(
      { dataset, execution: 'plan-test' },
      {
        store: new S3ObjectStore(h.s3),
        artifactsBucket: h.resources.artifactsBucket,
        manifestsPrefix: ARTIFACT_PREFIXES.manifests,
      },
    );

    // Assess
    expect(manifest.parts).toBe(1001);
    const items = await readJson<ManifestItem[]>(`s3://${manifest.bucket}/${manifest.key}`);
    expect(items.map((i) => i.Key)).toEqual(keys.slice(0, 1001));
  });
});

describe('markers that complete nothing', () => {
  it('a marker in a folder no partitioned contract claims is ignored without a registry entry', async () => {
    // Prepare
    const key = `datasets/unknown/${h.runId('run-p3')}/_SUCCESS`;

    // Act
    await h.upload(key, '');
    const [execution] = await h.waitForExecutions(key);

    // Assess
    expect(execution!.status).toBe('SUCCEEDED');
    expect(execution!.path).toContain('IgnoredMarker');
    expect(
      await h.registry.versionsOf(`s3://${h.resources.outputsBucket}/datasets/unknown/${h.runId('run-p3')}/`),
    ).toEqual([]);
    expect(await h.registry.versionsOf(`s3://${h.resources.outputsBucket}/${key}`)).toEqual([]);
  });

  it('a folder whose marker arrives with no parts fails: the marker promised data', async () => {
    // Prepare
    const folder = folderOf('run-p4');

    // Act
    await h.upload(`${folder}_SUCCESS`, '');
    const entry = await datasetStatus(folder);

    // Assess
    expect(entry.status).toBe('failed');
    expect(entry.failedRules).toEqual(new Set(['parts_present']));
  });
});
