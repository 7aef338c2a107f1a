/**
 * The main job on the embedded stack (`npm start`): a pipeline step writes two outputs to S3,
 * one that meets its contract and one that does not, and a Spark-style step writes a folder of part
 * files and its `_SUCCESS` marker; the event-driven flow tests all three (the folder once, from its
 * marker, through the partitioned branch).
 * What happened is read back through the same APIs a user would use: the registry table, the
 * reports in the artifacts bucket, the lineage edges and the alert topic.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { lineageNode } from '../../lambdas/core/lineage';
import type { RegistryEntry } from '../../lambdas/core/registry';
import { parseS3Uri } from '../../lambdas/core/storage';
import { lineageStore, outputRegistry } from '../../lambdas/runtime/dependencies';
import type { EmbeddedStack, ExecutionRecord } from './embedded-stack';
import { localDocumentClient, localS3Client } from './local-clients';

interface DemoOutput {
  readonly label: string;
  /** The output's key: an object, or a partitioned output's folder. */
  readonly key: string;
  /** What the pipeline writes, in order (a folder's marker last). */
  readonly uploads: readonly { readonly key: string; readonly body: string }[];
  /** The object whose arrival starts the test. */
  readonly trigger: string;
}

function single(label: string, key: string, lines: readonly string[]): DemoOutput {
  return { label, key, uploads: [{ key, body: `${lines.join('\n')}\n` }], trigger: key };
}

const PARTS_FOLDER = 'datasets/sales/run-003/orders/';
const CHANNELS = ['web', 'store', 'app'] as const;

export const DEMO_OUTPUTS: readonly DemoOutput[] = [
  single('meets its contract', 'pipelines/sales/run-001/preprocessing/training_data/part-00000.csv', [
    'order_id,customer_id,purchase_amount,ordered_at',
    'o-1001,17,120.50,2026-11-01T09:15:00Z',
    'o-1002,42,89.99,2026-11-01T10:02:13Z',
    'o-1003,7,15.00,2026-11-01T11:47:00Z',
    'o-1004,42,,2026-11-01T12:00:00Z',
    '"o-1005",913,230.10,2026-11-01T13:30:00Z',
    'o-1006,5120,64.25,2026-11-01T14:05:59Z',
  ]),
  single('breaks its contract', 'pipelines/sales/run-002/preprocessing/training_data/part-00000.csv', [
    'order_id,customer_id,purchase_amount,ordered_at',
    'o-2001,17,120.50,2026-11-02T09:15:00Z',
    'o-2002,,89.99,2026-11-02T10:02:13Z',
    'o-2003,7,-15.00,2026-11-02T11:47:00Z',
    'o-2004,42,-3.20,2026-11-02T12:00:00Z',
  ]),
  {
    label: 'a Spark folder of 8 part files, tested once from its _SUCCESS marker',
    key: PARTS_FOLDER,
    uploads: [
      ...Array.from({ length: 8 }, (_, p) => ({
        key: `${PARTS_FOLDER}part-${String(p).padStart(5, '0')}.csv`,
        body: [
          'order_id,customer_id,amount,channel,ordered_at',
          ...Array.from({ length: 25 }, (_, r) => {
            const n = p * 25 + r;
            return `o-3${String(n).padStart(4, '0')},${(n % 400) + 1},${(5 + (n % 97) * 1.25).toFixed(2)},${CHANNELS[n % 3]!},2026-11-03T${String(n % 24).padStart(2, '0')}:${String(n % 60).padStart(2, '0')}:00Z`;
          }),
        ].join('\n'),
      })),
      { key: `${PARTS_FOLDER}_SUCCESS`, body: '' },
    ],
    trigger: `${PARTS_FOLDER}_SUCCESS`,
  },
];

export interface DemoRow {
  readonly key: string;
  readonly label: string;
  readonly execution: ExecutionRecord | undefined;
  readonly entry: RegistryEntry | undefined;
  readonly reportFile: string | undefined;
  readonly quarantineFile: string | undefined;
  readonly lineage: readonly string[];
  readonly alerted: boolean;
}

export async function runDemo(stack: EmbeddedStack, outDir: string): Promise<DemoRow[]> {
  const s3 = localS3Client(stack.endpoints.s3);
  const db = localDocumentClient(stack.endpoints.dynamodb);
  const registry = outputRegistry(db, stack.resources.registryTable);
  const lineage = lineageStore(db, stack.resources.registryTable);

  for (const output of DEMO_OUTPUTS) {
    for (const upload of output.uploads) {
      await s3.send(
        new PutObjectCommand({
          Bucket: stack.resources.outputsBucket,
          Key: upload.key,
          Body: Buffer.from(upload.body),
          ContentType: upload.key.endsWith('.csv') ? 'text/csv' : 'application/octet-stream',
        }),
      );
    }
  }
  await stack.idle(120_000);

  const download = async (uri: string | undefined): Promise<string | undefined> => {
    if (!uri) return undefined;
    const { bucket, key } = parseS3Uri(uri);
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const file = join(outDir, bucket, key);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, await out.Body!.transformToByteArray());
    return file;
  };

  const rows: DemoRow[] = [];
  for (const output of DEMO_OUTPUTS) {
    const uri = `s3://${stack.resources.outputsBucket}/${output.key}`;
    const [entry] = await registry.versionsOf(uri);
    const execution = stack.executions.find((e) => e.input.detail.object.key === output.trigger);
    const edges = entry
      ? [
          ...(await lineage.upstream(lineageNode(uri, entry.sk.slice(4)))),
          ...(await lineage.downstream(lineageNode(uri, entry.sk.slice(4)))),
        ]
      : [];
    const quarantineUri = entry?.reportUri ? await quarantineOf(s3, entry.reportUri) : undefined;
    rows.push({
      key: output.key,
      label: output.label,
      execution,
      entry,
      reportFile: await download(entry?.reportUri),
      quarantineFile: await download(quarantineUri),
      lineage: edges.map((e) => `${e.fromOutput ?? e.from} → ${e.toOutput ?? e.to} (${e.kind})`),
      alerted: stack.alerts.some((a) => a.message.includes(output.key)),
    });
  }
  s3.destroy();
  db.destroy();
  return rows;
}

async function quarantineOf(s3: S3Client, reportUri: string): Promise<string | undefined> {
  const { bucket, key } = parseS3Uri(reportUri);
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const report = JSON.parse(await out.Body!.transformToString()) as { quarantineUri?: string | null };
  return report.quarantineUri ?? undefined;
}

export function formatDemo(rows: readonly DemoRow[], cwd: string): string {
  const lines: string[] = [];
  for (const row of rows) {
    const status = (row.entry?.status ?? 'missing').toUpperCase();
    const failed = [...(row.entry?.failedRules ?? [])].sort();
    lines.push('');
    lines.push(`${status.padEnd(7)} ${row.entry?.uri ?? row.key}   (${row.label})`);
    lines.push(
      `  execution     ${row.execution?.status ?? 'none'} via ${row.execution ? collapse(row.execution.path.filter((s) => !s.startsWith('Route'))).join(' → ') : '-'}`,
    );
    if (row.entry) {
      lines.push(
        `  registry      ${row.entry.pipeline}/${row.entry.step}/${row.entry.output} run=${row.entry.runId ?? '-'} version=${row.entry.sk.slice(4)} status=${row.entry.status}`,
      );
      if (row.entry.failureReason) lines.push(`  failure       ${String(row.entry.failureReason)}`);
    }
    if (failed.length > 0) lines.push(`  failed rules  ${failed.join(', ')}`);
    lines.push(`  report        ${row.entry?.reportUri ?? '-'}`);
    if (row.reportFile) lines.push(`                saved to ${relative(cwd, row.reportFile)}`);
    if (row.quarantineFile) lines.push(`  failed rows   saved to ${relative(cwd, row.quarantineFile)}`);
    lines.push(`  lineage       ${row.lineage.length > 0 ? row.lineage.join('; ') : 'no edges'}`);
    lines.push(`  alert         ${row.alerted ? 'published to the failure topic' : 'none'}`);
  }
  return lines.join('\n');
}

/** A path with repeated states (a map's items) shown once with their count: `ValidatePart ×8`. */
function collapse(path: readonly string[]): string[] {
  const out: { state: string; count: number }[] = [];
  for (const state of path) {
    const last = out.at(-1);
    if (last?.state === state) last.count++;
    else out.push({ state, count: 1 });
  }
  return out.map((s) => (s.count > 1 ? `${s.state} ×${s.count}` : s.state));
}
