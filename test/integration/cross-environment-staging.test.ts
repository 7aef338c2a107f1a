/**
 * Staging into another environment's bucket through an assumed role, end to end on the embedded
 * stack: the deployed prepare-inputs ASL run locally with the real download handler, real SDK
 * clients, the loopback STS stand-in (lib/local/local-sts.ts) for AssumeRole, and a second bucket
 * of the embedded S3 server standing in for the other environment's.
 *
 * The other environment's boundary is played by a proxy in front of the S3 server: a request to
 * its bucket signed with any key but one the STS stand-in issued is refused (AccessDenied), as the
 * other account would refuse the source account's own credentials, and every request is recorded
 * with the access key that signed it. So a staging that succeeds wrote with the assumed role.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DynamoLineageStore } from '../../lambdas/adapters/aws/dynamo-lineage-store';
import { lineageNode } from '../../lambdas/core/lineage/lineage-store';
import { versionTokenOf, type RegistryEntry } from '../../lambdas/core/registry/output-registry';
import type { LocalPrepareInputs } from '../../lib/local/prepare-inputs-runner';
import { LocalSts } from '../../lib/local/local-sts';
import { landShopCustomers, objectText, startShopPrepareInputs } from '../fixtures/shop-staging';
import { startHarness, type Harness } from './embedded-stack-harness';

const DATA = ['customer_id,email,segment', '5001,ada@example.com,gold', '5002,grace@example.org,silver'].join(
  '\n',
);

const TARGET_BUCKET = 'prt-other-outputs';
const TARGET_PREFIX = 'staging/from-local/';
const ROLE_ARN = 'arn:aws:iam::222222222222:role/prt-stage-local-to-other';
const EXTERNAL_ID = 'prt-local-stages';

interface Recorded {
  readonly method: string;
  readonly bucket: string;
  readonly accessKeyId: string | null;
}

let h: Harness;
let sts: LocalSts;
let boundary: Server;
let runner: LocalPrepareInputs;
let RUN: string;
let source: RegistryEntry;
const requests: Recorded[] = [];

/** The other account's boundary in front of the S3 server: records every request, refuses foreign keys. */
async function startBoundary(upstream: string): Promise<{ server: Server; endpoint: string }> {
  const target = new URL(upstream);
  const server = createServer((req, res) => {
    const bucket = decodeURIComponent((req.url ?? '/').split('?')[0]!.split('/')[1] ?? '');
    const accessKeyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1] ?? null;
    requests.push({ method: req.method ?? '', bucket, accessKeyId });
    if (bucket === TARGET_BUCKET && (accessKeyId === null || !sts.issued(accessKeyId))) {
      req.resume();
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>',
      );
      return;
    }
    const forwarded = httpRequest(
      { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

beforeAll(async () => {
  h = await startHarness();
  ({ run: RUN, source } = await landShopCustomers(h, { runName: 'run-X', data: DATA, restrictedIds: false }));
  await h.s3.send(new CreateBucketCommand({ Bucket: TARGET_BUCKET }));
  sts = await LocalSts.start([{ roleArn: ROLE_ARN, externalId: EXTERNAL_ID }]);
  const started = await startBoundary(h.stack.endpoints.s3);
  boundary = started.server;
  // The download function's clients are built after this (at its first request): all its S3
  // traffic crosses the boundary.
  process.env['AWS_ENDPOINT_URL_S3'] = started.endpoint;
  runner = await startShopPrepareInputs(h, {
    targets: [
      {
        environment: 'other',
        bucket: TARGET_BUCKET,
        prefix: TARGET_PREFIX,
        roleArn: ROLE_ARN,
        externalId: EXTERNAL_ID,
      },
    ],
    stsEndpoint: sts.endpoint,
  });
}, 120_000);

afterAll(async () => {
  await runner?.stop();
  await sts?.stop();
  await new Promise<void>((resolve) => (boundary ? boundary.close(() => resolve()) : resolve()));
  await h?.close();
});

describe('prepare-inputs into another environment on the embedded stack', () => {
  it("stages a masked copy into the other environment's bucket with the assumed role's credentials, a manifest naming the target and lineage to the source version", async () => {
    // Arrange
    expect(source.status).toBe('passed');

    // Act
    const outcome = await runner.run({ step: 'shop/features', runId: RUN, target: 'other' });

    // Assess: the staged copy, in the other bucket, masked
    expect(outcome.status, `${outcome.error}: ${outcome.cause}`).toBe('SUCCEEDED');
    const output = outcome.output as {
      stagingId: string;
      inputs: { output: string; target: string; folder: string; manifest: string; lineageEdges: number }[];
    };
    const staged = output.inputs[0]!;
    expect(staged).toMatchObject({ output: 'shop/ingestion/customers', target: 'other', lineageEdges: 1 });
    const folder = staged.folder.replace(`s3://${TARGET_BUCKET}/`, '');
    expect(folder).toBe(`${TARGET_PREFIX}${output.stagingId}/shop/ingestion/customers/`);
    const copy = await objectText(h, TARGET_BUCKET, `${folder}part-0.csv`);
    expect(copy.trim().split('\n')).toHaveLength(3);
    expect(copy).not.toMatch(/ada@|grace@/);

    // Assess: the manifest names the target environment and bucket, and the source version
    const manifest = JSON.parse(await objectText(h, TARGET_BUCKET, `${folder}_prt-staged.json`)) as {
      destination: unknown;
      copies: { source: { uri: string; version: string }; staged: { uri: string; version: string } }[];
    };
    expect(manifest.destination).toEqual({
      environment: 'other',
      bucket: TARGET_BUCKET,
      prefix: TARGET_PREFIX,
    });
    const entry = manifest.copies[0]!;
    expect(entry.source).toMatchObject({ uri: source.uri, version: versionTokenOf(source) });
    expect(entry.staged.uri).toBe(`s3://${TARGET_BUCKET}/${folder}part-0.csv`);

    // Assess: the lineage edge from the staged copy (other bucket) to its source version
    const upstream = await new DynamoLineageStore(h.db, h.resources.registryTable).upstream(
      lineageNode(entry.staged.uri, entry.staged.version),
    );
    expect(upstream).toEqual([
      expect.objectContaining({ from: lineageNode(source.uri, versionTokenOf(source)), kind: 'staging' }),
    ]);

    // Assess: the role was assumed by the function's own credentials, for this execution
    const assumed = sts.calls.filter((c) => c.issuedAccessKeyId !== null);
    expect(assumed.length).toBeGreaterThanOrEqual(1);
    for (const call of assumed)
      expect(call).toMatchObject({
        roleArn: ROLE_ARN,
        sessionName: `prt-${output.stagingId}`,
        externalId: EXTERNAL_ID,
        durationSeconds: 1800,
        callerAccessKeyId: 'S3RVER',
      });

    // Assess: every request to the other bucket was signed with an issued key, and none was refused
    const toTarget = requests.filter((r) => r.bucket === TARGET_BUCKET);
    expect(toTarget.filter((r) => r.method === 'PUT').length).toBeGreaterThanOrEqual(2);
    expect(toTarget.every((r) => r.accessKeyId !== null && sts.issued(r.accessKeyId))).toBe(true);
    // ...and nothing was staged in this environment's own bucket
    const ownPuts = requests.filter((r) => r.bucket === h.resources.outputsBucket && r.method === 'PUT');
    expect(ownPuts).toEqual([]);
  });

  it('refuses an unknown target by name before staging anything', async () => {
    // Arrange
    const before = requests.length;

    // Act
    const outcome = await runner.run({ step: 'shop/features', runId: RUN, target: 'nowhere' });

    // Assess
    expect(outcome.status).toBe('FAILED');
    expect(outcome.error).toBe('InvalidInputError');
    expect(outcome.cause).toMatch(/unknown staging target 'nowhere'.*stages into other/);
    expect(requests.slice(before).filter((r) => r.method === 'PUT')).toEqual([]);
  });
});
