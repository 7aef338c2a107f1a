/**
 * The serve mode's contracts folder watcher: the first scan uploads the folder, later scans apply
 * a file added, changed or removed once two scans agree on it (a file still being written waits),
 * and a file that does not load is uploaded with the reason the functions will set it aside.
 */
import { mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ContractFolderWatcher, type ContractDestination } from '../../../lib/cli/contract-folder-watcher';

const CONTRACT = `pipeline: p
step: s
output: o
path: pipelines/p/{run_id}/s/o/
format: csv
schema:
  - { name: id, type: int32 }
`;

class RecordingDestination implements ContractDestination {
  readonly bucket = new Map<string, string>();
  readonly calls: string[] = [];
  putContract(name: string, body: Uint8Array): Promise<void> {
    this.bucket.set(name, Buffer.from(body).toString('utf8'));
    this.calls.push(`put ${name}`);
    return Promise.resolve();
  }
  deleteContract(name: string): Promise<void> {
    this.bucket.delete(name);
    this.calls.push(`delete ${name}`);
    return Promise.resolve();
  }
}

describe('ContractFolderWatcher', () => {
  let dir: string;
  let destination: RecordingDestination;
  let watcher: ContractFolderWatcher;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prt-contracts-'));
    destination = new RecordingDestination();
    watcher = new ContractFolderWatcher(dir, destination);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('uploads every contract file at the first scan, nested ones by their relative name', async () => {
    // Prepare
    mkdirSync(join(dir, 'team'));
    writeFileSync(join(dir, 'a.yaml'), CONTRACT);
    writeFileSync(join(dir, 'team', 'b.json'), '{}');
    writeFileSync(join(dir, 'notes.txt'), 'not a contract');

    // Act
    const changes = await watcher.scan();

    // Assess
    expect(changes.map((c) => c.name).sort()).toEqual(['a.yaml', 'team/b.json']);
    expect([...destination.bucket.keys()].sort()).toEqual(['a.yaml', 'team/b.json']);
  });

  it('uploads an added file once two scans see it unchanged', async () => {
    // Prepare
    await watcher.scan();
    writeFileSync(join(dir, 'new.yaml'), CONTRACT);

    // Act
    const seen = await watcher.scan();
    const settled = await watcher.scan();
    const again = await watcher.scan();

    // Assess
    expect(seen).toEqual([]);
    expect(settled).toEqual([{ name: 'new.yaml', action: 'uploaded' }]);
    expect(again).toEqual([]);
    expect(destination.bucket.get('new.yaml')).toBe(CONTRACT);
  });

  it('waits while a file keeps changing, then uploads its last content', async () => {
    // Prepare
    writeFileSync(join(dir, 'a.yaml'), CONTRACT);
    await watcher.scan();

    // Act: changed between every scan, then left alone
    writeFileSync(join(dir, 'a.yaml'), `${CONTRACT}# edit 1\n`);
    const during1 = await watcher.scan();
    writeFileSync(join(dir, 'a.yaml'), `${CONTRACT}# edit 1\n# edit 2\n`);
    utimesSync(join(dir, 'a.yaml'), new Date(), new Date(Date.now() + 5_000));
    const during2 = await watcher.scan();
    const settled = await watcher.scan();

    // Assess
    expect(during1).toEqual([]);
    expect(during2).toEqual([]);
    expect(settled).toEqual([{ name: 'a.yaml', action: 'uploaded' }]);
    expect(destination.bucket.get('a.yaml')).toBe(`${CONTRACT}# edit 1\n# edit 2\n`);
  });

  it('deletes a removed file from the bucket', async () => {
    // Prepare
    writeFileSync(join(dir, 'a.yaml'), CONTRACT);
    await watcher.scan();

    // Act
    unlinkSync(join(dir, 'a.yaml'));
    await watcher.scan();
    const settled = await watcher.scan();

    // Assess
    expect(settled).toEqual([{ name: 'a.yaml', action: 'deleted' }]);
    expect(destination.bucket.size).toBe(0);
    expect(destination.calls).toEqual(['put a.yaml', 'delete a.yaml']);
  });

  it('uploads a file that does not load and says why', async () => {
    // Prepare
    writeFileSync(join(dir, 'broken.yaml'), 'pipeline: p\nschema: [\n');

    // Act
    const [change] = await watcher.scan();

    // Assess
    expect(change?.action).toBe('uploaded');
    expect(change?.problem).toMatch(/broken\.yaml/);
    expect(destination.bucket.has('broken.yaml')).toBe(true);
  });
});
