/**
 * Anomalies judged against history, end to end on the integration target: a contract of this
 * suite run (its own pipeline, so a long-lived stack's other versions stay out) judges each new
 * version against the versions before it. The first versions say "not enough history"; once six
 * exist, a version with four times the usual rows is flagged with its band, as a warning beside a
 * passed status; its HTML report draws the trend; and `prt history` prints the series and the band.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseS3Uri } from '../../lambdas/core/storage/object-store';
import type { HistoryCheck } from '../../lambdas/core/history/history-types';
import type { StoredReport } from '../../lambdas/core/workflow/validate-output';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { startHarness, type Harness } from './embedded-stack-harness';

let h: Harness;
let pipeline: string;
let contractKey: string;

function contractText(): string {
  return [
    `pipeline: ${pipeline}`,
    'step: daily',
    'output: counts',
    `path: pipelines/${pipeline}/{run_id}/daily/counts/`,
    'format: csv',
    'schema:',
    '  - { name: id, type: int64, nullable: false }',
    '  - { name: amount, type: float64 }',
    'history:',
    '  versions: 10',
    '  min_versions: 6',
  ].join('\n');
}

function csv(rows: number): string {
  const lines = ['id,amount'];
  for (let i = 1; i <= rows; i++) lines.push(`${i},${(i % 7) + 10}.5`);
  return `${lines.join('\n')}\n`;
}

async function storedReport(uri: string, html = false): Promise<string> {
  const { bucket, key } = parseS3Uri(uri);
  const out = await h.s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: html ? key.replace(/\.json$/, '.html') : key }),
  );
  return out.Body!.transformToString();
}

async function land(
  run: string,
  rows: number,
): Promise<{ status: string; report: StoredReport; uri: string }> {
  const key = `pipelines/${pipeline}/${run}/daily/counts/counts.csv`;
  await h.upload(key, csv(rows));
  const entry = await h.waitForStatus(key);
  return {
    status: entry.status,
    report: JSON.parse(await storedReport(entry.reportUri!)) as StoredReport,
    uri: entry.reportUri!,
  };
}

beforeAll(async () => {
  h = await startHarness();
  pipeline = h.runId('hist');
  contractKey = `contracts/history/${pipeline}.yaml`;
  await h.s3.send(
    new PutObjectCommand({ Bucket: h.resources.artifactsBucket, Key: contractKey, Body: contractText() }),
  );
  // Warm functions keep their parsed contracts for a second on the embedded stack (a minute deployed).
  await sleep(h.target === 'embedded' ? 1_500 : 61_000);
}, 120_000);

afterAll(async () => {
  await h?.s3.send(new DeleteObjectCommand({ Bucket: h.resources.artifactsBucket, Key: contractKey }));
  await h?.close();
});

describe('anomalies judged against the history of an output', () => {
  it('says "not enough history" at first, then flags an outlier with its band', async () => {
    // Arrange: six usual versions, 97 to 103 rows
    const usual = [100, 103, 97, 101, 99, 102];
    const early: HistoryCheck[] = [];
    for (const [i, rows] of usual.entries()) {
      const landed = await land(`r${i}`, rows);
      expect(landed.status).toBe('passed');
      early.push(landed.report.historyCheck!);
    }

    // Act
    const normal = await land('r6', 98);
    const outlier = await land('r7', 400);

    // Assess: the first versions were not judged, and said why
    expect(early.map((c) => c.state)).toEqual(Array(6).fill('not_enough_history'));
    expect(early[0]!.message).toBe(
      'not enough history: 0 earlier versions passed or warned, 6 needed; nothing judged against history',
    );
    // Assess: a usual version is judged and passes the history
    expect(normal.report.historyCheck?.state).toBe('judged');
    expect(normal.report.historyCheck?.versions).toBe(6);
    expect(normal.report.history).toBeUndefined();
    // Assess: the outlier is flagged with its band, and stays passed (an anomaly warns)
    expect(outlier.status).toBe('passed');
    const check = outlier.report.historyCheck!;
    expect(check.versions).toBe(7);
    expect(check.trend.map((p) => p.rowCount)).toEqual([...usual, 98, 400]);
    const rows = outlier.report.history?.find((f) => f.metric === 'row_count');
    expect(rows?.current).toBe(400);
    expect(rows?.expected?.median).toBe(100);
    expect(rows?.expected?.low).toBeGreaterThan(85);
    expect(rows?.expected?.high).toBeLessThan(115);
    expect(rows?.severity).toBe('warn');
    expect(rows?.message).toMatch(
      /^row count 400 outside the expected \d+ – \d+ \(median 100 of 7 earlier versions/,
    );
    // Assess: the HTML report draws the trend over the band, the outlier marked
    const html = await storedReport(outlier.uri, true);
    expect(html).toContain('class="chart trend"');
    expect(html).toContain('<circle class="current anomaly"');

    // Act: prt history, as JSON and as text
    const prt = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(PROJECT_ROOT, 'bin/prt.mjs'), 'history', ...args], {
        cwd: PROJECT_ROOT,
        env: { ...h.cliEnv(), PRT_REGISTRY_TABLE: h.resources.registryTable },
      });
    const json = JSON.parse(
      (await prt([`${pipeline}/daily/counts`, '--format', 'json', '--versions', '10', '--min-versions', '6']))
        .stdout,
    ) as {
      series: { version: string; rowCount: number; status: string }[];
      judged: HistoryCheck;
    };
    const text = (await prt([`${pipeline}/daily/counts`, '--versions', '10', '--min-versions', '6'])).stdout;

    // Assess: the series newest first, the newest judged against the ones before it
    expect(json.series.map((v) => v.rowCount)).toEqual([400, 98, ...[...usual].reverse()]);
    expect(json.series.every((v) => v.status === 'passed')).toBe(true);
    const judgedRows = json.judged.judged.find((j) => j.metric === 'row_count');
    expect(judgedRows?.anomalous).toBe(true);
    expect(judgedRows?.expected).toEqual(rows?.expected);
    expect(text).toContain(`${pipeline}/daily/counts: 8 versions that passed or warned, newest first`);
    expect(text).toMatch(/row_count\s+400\s+\d+ – \d+\s+100\s+all\s+yes/);
    expect(text).toContain('anomaly: row count 400 outside the expected');
  }, 300_000);
});
