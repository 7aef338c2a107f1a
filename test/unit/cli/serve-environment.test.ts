/**
 * The exports `prt local --serve` prints and writes: sourced by a shell they give back every value
 * exactly, and they are the names the CLI's session reads (endpoints, path-style addressing,
 * registry table), so `prt outputs` / `prt download` reach the local stack with nothing else set.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AwsSession } from '../../../lib/cli/aws-session';
import { exportLines, serveEnvironment, writeServeEnvironment } from '../../../lib/cli/serve-environment';

const STACK = {
  endpoints: { s3: 'http://127.0.0.1:4569', dynamodb: 'http://127.0.0.1:4570' },
  resources: {
    outputsBucket: 'prt-dev-outputs',
    artifactsBucket: 'prt-dev-artifacts',
    registryTable: 'prt-dev-registry',
    stateMachine: 'prt-dev-output-testing',
  },
};

function sourced(file: string): Record<string, string> {
  const out = execFileSync('env', ['-i', 'bash', '-c', 'source "$0" && env -0', file], { encoding: 'utf8' });
  return Object.fromEntries(
    out
      .split('\0')
      .filter((line) => line.includes('='))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

describe('serve environment', () => {
  it('survives `source` byte for byte, hostile values included', () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), 'prt-env-'));
    const env = new Map([
      ['PLAIN', 'http://127.0.0.1:1/x'],
      ['HOSTILE', `it's $HOME "quoted" \`cmd\` \\ ; & |`],
      ['EMPTY', ''],
    ]);

    // Act
    writeServeEnvironment(join(dir, 'env'), env);
    const back = sourced(join(dir, 'env'));
    const text = readFileSync(join(dir, 'env'), 'utf8');
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(back['PLAIN']).toBe(env.get('PLAIN'));
    expect(back['HOSTILE']).toBe(env.get('HOSTILE'));
    expect(back['EMPTY']).toBe('');
    expect(text).toContain(exportLines(env).join('\n'));
  });

  it('sets what the CLI session reads, and nothing else is needed', () => {
    // Prepare
    const env = serveEnvironment(STACK);
    const saved = process.env;
    process.env = Object.fromEntries(env);

    // Act
    const session = new AwsSession();
    let seen;
    try {
      seen = {
        s3: session.s3Endpoint,
        dynamodb: session.dynamoEndpoint,
        forcePathStyle: session.s3.config.forcePathStyle,
        table: (session.registry(undefined) as unknown as { tableName: string }).tableName,
      };
    } finally {
      session.close();
      process.env = saved;
    }

    // Assess
    expect(seen).toEqual({
      s3: STACK.endpoints.s3,
      dynamodb: STACK.endpoints.dynamodb,
      forcePathStyle: true,
      table: STACK.resources.registryTable,
    });
    expect([...env.keys()]).toEqual(
      expect.arrayContaining([
        'AWS_ENDPOINT_URL_S3',
        'AWS_ENDPOINT_URL_DYNAMODB',
        'AWS_REGION',
        'AWS_ACCESS_KEY_ID',
        'AWS_SECRET_ACCESS_KEY',
        'PRT_S3_FORCE_PATH_STYLE',
        'PRT_REGISTRY_TABLE',
        'PRT_ARTIFACTS_BUCKET',
      ]),
    );
  });
});
