/**
 * `prt local` options that keep a stack's endpoints and data across restarts: --port n puts S3 on
 * n and DynamoDB on n+1; without --state-dir the working folder starts empty, with it the objects
 * and the registry folder of the earlier run are kept.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UsageError } from '../../../lib/cli/aws-session';
import { localPorts, localStorage } from '../../../lib/cli/local-command';

describe('prt local --port', () => {
  it('puts S3 on the port and DynamoDB on the next', () => {
    // Prepare / Act / Assess
    expect(localPorts('4569')).toEqual({ s3: 4569, dynamodb: 4570 });
    expect(localPorts(undefined)).toBeUndefined();
  });

  it.each(['0', '65535', '12.5', 'http'])('refuses %s', (text) => {
    // Prepare / Act / Assess
    expect(() => localPorts(text)).toThrow(UsageError);
  });
});

describe('prt local --state-dir', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'prt-local-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('without it, empties the working folder on every start', () => {
    // Prepare
    const dir = join(root, 'local');
    mkdirSync(join(dir, 's3'), { recursive: true });
    writeFileSync(join(dir, 's3', 'old-object'), 'x');

    // Act
    const storage = localStorage({ dir });

    // Assess
    expect(storage).toEqual({ dataDir: join(dir, 's3') });
    expect(existsSync(join(dir, 's3', 'old-object'))).toBe(false);
  });

  it('with it, keeps the objects and the registry folder of the earlier run', () => {
    // Prepare
    const dir = join(root, 'local');
    const stateDir = join(root, 'state');
    mkdirSync(join(stateDir, 's3'), { recursive: true });
    mkdirSync(join(stateDir, 'dynamodb'), { recursive: true });
    writeFileSync(join(stateDir, 's3', 'old-object'), 'x');
    writeFileSync(join(stateDir, 'dynamodb', 'CURRENT'), 'x');

    // Act
    const storage = localStorage({ dir, stateDir });

    // Assess
    expect(storage).toEqual({ dataDir: join(stateDir, 's3'), dynamodbDir: join(stateDir, 'dynamodb') });
    expect(existsSync(join(stateDir, 's3', 'old-object'))).toBe(true);
    expect(existsSync(join(stateDir, 'dynamodb', 'CURRENT'))).toBe(true);
  });
});
