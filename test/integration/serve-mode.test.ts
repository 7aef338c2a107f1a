/**
 * `prt local --serve` as a user meets it: the exports it prints reach the stack through the CLI's
 * own session, a contract saved while it runs applies to the next upload, and with fixed ports and
 * a state folder a restart finds the earlier registry entries and objects.
 *
 * One stack per phase, all on the same ports: the functions read their endpoints once per process
 * (at cold start), as deployed ones do, so every stack this file starts must answer on them.
 */
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RegistryEntry } from '../../lambdas/core/registry/output-registry';
import { AwsSession } from '../../lib/cli/aws-session';
import { ContractFolderWatcher } from '../../lib/cli/contract-folder-watcher';
import { localStorage } from '../../lib/cli/local-command';
import { serveEnvironment, writeServeEnvironment } from '../../lib/cli/serve-environment';
import { EmbeddedStack, LOCAL_CONTRACT_CACHE_SECONDS } from '../../lib/local/embedded-stack';
import { localS3Client } from '../../lib/local/local-clients';
import { PROJECT_ROOT } from '../../lib/config/project-paths';
import { loadEnvironmentFromCdkJson } from '../../lib/config/project-config';

const CONTRACT = `pipeline: served
step: prep
output: things
path: pipelines/served/{run_id}/prep/things/
format: csv
schema:
  - { name: id, type: int32, nullable: false }
  - { name: label, type: string, nullable: false }
`;
const MATCHING_CSV = 'id,label\n1,a\n2,b\n';

/** Two free loopback ports in a row (S3 on the first, DynamoDB on the next), as --port takes them. */
async function freePortPair(): Promise<{ s3: number; dynamodb: number }> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const first = await listenOn(0);
    const port = (first.address() as { port: number }).port;
    const second = await listenOn(port + 1).catch(() => undefined);
    await new Promise((resolve) => first.close(resolve));
    if (second) {
      await new Promise((resolve) => second.close(resolve));
      return { s3: port, dynamodb: port + 1 };
    }
  }
  throw new Error('no two free loopback ports in a row');
}

function listenOn(port: number): Promise<ReturnType<typeof createServer>> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

describe('prt local --serve', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'prt-serve-'));
  const stateDir = join(workDir, 'state');
  const contractsDir = join(workDir, 'contracts');
  let ports: { s3: number; dynamodb: number };
  let stack: EmbeddedStack;
  let s3: S3Client;

  const start = async (): Promise<EmbeddedStack> =>
    EmbeddedStack.start({
      repoRoot: PROJECT_ROOT,
      config: loadEnvironmentFromCdkJson(PROJECT_ROOT, 'dev'),
      ...localStorage({ dir: join(workDir, 'local'), stateDir }),
      ports,
    });

  const upload = async (key: string, body: string): Promise<void> => {
    await s3.send(new PutObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key, Body: body }));
  };

  const registered = async (key: string): Promise<RegistryEntry | undefined> => {
    await stack.idle();
    const session = new AwsSession();
    try {
      return await session
        .registry(stack.resources.registryTable)
        .find(`s3://${stack.resources.outputsBucket}/${key}`);
    } finally {
      session.close();
    }
  };

  beforeAll(async () => {
    ports = await freePortPair();
    mkdirSync(contractsDir, { recursive: true });
    stack = await start();
    s3 = localS3Client(stack.endpoints.s3);
  });

  afterAll(async () => {
    // Either may be missing when beforeAll failed.
    (s3 as S3Client | undefined)?.destroy();
    await (stack as EmbeddedStack | undefined)?.stop();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('prints and writes the exports the CLI session reads, and they reach the stack', async () => {
    // Prepare
    const envFile = join(workDir, 'local', 'env');
    const saved = process.env;

    // Act
    const env = serveEnvironment(stack);
    writeServeEnvironment(envFile, env);
    const sourced = execFileSync(
      'bash',
      ['-c', 'env -i bash -c \'source "$0" && env -0\' "$1"', 'ignored', envFile],
      { encoding: 'utf8' },
    );
    // The CLI's session with nothing but the sourced file's variables (and PATH) in its environment.
    const fromFile = Object.fromEntries(
      sourced
        .split('\0')
        .filter((line) => line.includes('='))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    process.env = { PATH: saved['PATH'], ...Object.fromEntries(env) };
    const session = new AwsSession();
    let listed: number | undefined;
    let found: unknown;
    try {
      listed = (await session.s3.send(new ListObjectsV2Command({ Bucket: stack.resources.artifactsBucket })))
        .KeyCount;
      found = await session.registry(undefined).find(`s3://${stack.resources.outputsBucket}/nothing.csv`);
    } finally {
      session.close();
      process.env = saved;
    }

    // Assess
    expect(Object.fromEntries([...env.keys()].map((name) => [name, fromFile[name]]))).toEqual(
      Object.fromEntries(env),
    );
    expect(env.get('AWS_ENDPOINT_URL_S3')).toBe(`http://127.0.0.1:${ports.s3}`);
    expect(env.get('AWS_ENDPOINT_URL_DYNAMODB')).toBe(`http://127.0.0.1:${ports.dynamodb}`);
    expect(env.get('PRT_S3_FORCE_PATH_STYLE')).toBe('true');
    expect(env.get('PRT_REGISTRY_TABLE')).toBe(stack.resources.registryTable);
    expect(listed).toBeTypeOf('number');
    expect(found).toBeUndefined();
  });

  it('tests an upload against a contract saved while serving, without a restart', async () => {
    // Prepare: an output nobody has a contract for yet; its upload warms the functions' catalogs.
    const watcher = new ContractFolderWatcher(contractsDir, stack);
    await watcher.scan();
    const before = 'pipelines/served/run-1/prep/things/part-0.csv';
    await upload(before, MATCHING_CSV);
    expect((await registered(before))?.status).toBe('untracked');

    // Act: the contract is saved, the watcher sees it settle and uploads it, the next object lands.
    writeFileSync(join(contractsDir, 'served-prep-things.yaml'), CONTRACT);
    const first = await watcher.scan();
    const second = await watcher.scan();
    await new Promise((resolve) => setTimeout(resolve, LOCAL_CONTRACT_CACHE_SECONDS * 1000 + 100));
    const after = 'pipelines/served/run-2/prep/things/part-0.csv';
    await upload(after, MATCHING_CSV);
    const entry = await registered(after);

    // Assess
    expect(first).toEqual([]);
    expect(second).toEqual([{ name: 'served-prep-things.yaml', action: 'uploaded' }]);
    expect(entry?.status).toBe('passed');
  });

  it('validates against a contract changed while serving, without a restart', async () => {
    // Prepare: the contract of the previous test now allows only the label 'z'
    const watcher = new ContractFolderWatcher(contractsDir, stack);
    await watcher.scan();
    const before = 'pipelines/served/run-4/prep/things/part-0.csv';
    await upload(before, MATCHING_CSV);
    expect((await registered(before))?.status).toBe('passed');

    // Act
    writeFileSync(
      join(contractsDir, 'served-prep-things.yaml'),
      CONTRACT.replace('type: string, nullable: false }', "type: string, nullable: false, allowed: ['z'] }"),
    );
    await watcher.scan();
    const changed = await watcher.scan();
    await new Promise((resolve) => setTimeout(resolve, LOCAL_CONTRACT_CACHE_SECONDS * 1000 + 100));
    const after = 'pipelines/served/run-5/prep/things/part-0.csv';
    await upload(after, MATCHING_CSV);
    const entry = await registered(after);
    writeFileSync(join(contractsDir, 'served-prep-things.yaml'), CONTRACT);
    await watcher.scan();
    await watcher.scan();
    await new Promise((resolve) => setTimeout(resolve, LOCAL_CONTRACT_CACHE_SECONDS * 1000 + 100));

    // Assess
    expect(changed).toEqual([{ name: 'served-prep-things.yaml', action: 'uploaded' }]);
    expect(entry?.status).toBe('failed');
  });

  it('keeps the registry and objects across a restart with the same state folder and ports', async () => {
    // Prepare
    const key = 'pipelines/served/run-3/prep/things/part-0.csv';
    await upload(key, MATCHING_CSV);
    const before = await registered(key);
    expect(before?.status).toBe('passed');

    // Act
    await stack.stop();
    stack = await start();
    const after = await registered(key);
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: stack.resources.outputsBucket, Key: key }))
    ).Body!.transformToString();

    // Assess
    expect(stack.endpoints.s3).toBe(`http://127.0.0.1:${ports.s3}`);
    expect(after).toEqual(before);
    expect(body).toBe(MATCHING_CSV);
  });
});
