import { S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { DownloadCache } from '../../../../lambdas/core/download/download-cache';
import { FolderChangedError } from '../../../../lambdas/core/download/download-errors';
import {
  folderLocalPaths,
  folderOfEntry,
  partsOfFolder,
} from '../../../../lambdas/core/download/folder-parts';
import { ObjectDownloader } from '../../../../lambdas/core/download/object-downloader';
import { S3DownloadSource } from '../../../../lambdas/adapters/aws/s3-download-source';
import type { RegistryEntry } from '../../../../lambdas/core/registry/output-registry';
import { FakeBucket } from '../../../fixtures/fake-s3-bucket';

const s3Mock = mockClient(S3Client);
const FOLDER = 'datasets/flights/r1/flights_parts/';
const TESTED = '2026-11-01T10:00:00.000Z';
let bucket: FakeBucket;
let dir: string;

function downloader(): ObjectDownloader {
  const cache = new DownloadCache({ dir: join(dir, 'cache'), ttlMs: 86_400_000, maxBytes: 1e9 });
  return new ObjectDownloader(new S3DownloadSource(new S3Client({ region: 'eu-west-1' })), cache);
}

function folderEntry(overrides: Partial<RegistryEntry> = {}): RegistryEntry {
  const uri = `s3://landing/${FOLDER}`;
  return {
    pk: `OBJ#${uri}`,
    sk: 'VER#marker-0001',
    uri,
    bucket: 'landing',
    key: FOLDER,
    versionId: null,
    etag: 'd41d8cd98f00b204e9800998ecf8427e',
    size: 0,
    status: 'passed',
    dataType: 'pipeline',
    registeredAt: '2026-11-01T09:00:00.000Z',
    eventTime: '2026-11-01T09:00:00.000Z',
    partitioned: true,
    marker: `s3://landing/${FOLDER}_SUCCESS`,
    updatedAt: TESTED,
    ...overrides,
  };
}

function putPart(key: string, body: string, at = '2026-11-01T09:00:00.000Z'): void {
  bucket.put(`${FOLDER}${key}`, { bytes: Buffer.from(body), lastModified: new Date(at) });
}

describe('partsOfFolder', () => {
  beforeEach(() => {
    s3Mock.reset();
    bucket = new FakeBucket(s3Mock);
    dir = mkdtempSync(join(tmpdir(), 'prt-folder-'));
    putPart('_SUCCESS', '');
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('is the data parts of the folder in key order, each fetched by the ETag it was listed with', async () => {
    // Prepare
    putPart('p=2/data_0.csv', 'a\n2\n');
    putPart('p=1/data_0.csv', 'a\n1\n');
    putPart('p=1/.data_0.csv.crc', 'x');
    putPart('_temporary/0/part-9.csv', 'a\n9\n');

    // Act
    const parts = await partsOfFolder(downloader(), folderOfEntry(folderEntry())!);

    // Assess
    expect(parts.map((p) => p.key)).toEqual([`${FOLDER}p=1/data_0.csv`, `${FOLDER}p=2/data_0.csv`]);
    expect(parts[0]!.target).toEqual({
      bucket: 'landing',
      key: `${FOLDER}p=1/data_0.csv`,
      etag: bucket.objects.get(`${FOLDER}p=1/data_0.csv`)!.etag,
    });
  });

  it('refuses a folder whose part was written after the version was tested, naming the part by its full key', async () => {
    // Prepare
    putPart('p=1/data_0.csv', 'a\n1\n');
    putPart('p=2/data_0.csv', 'a\n22\n', '2026-11-01T11:00:00.000Z');

    // Act
    const act = partsOfFolder(downloader(), folderOfEntry(folderEntry())!);

    // Assess
    await expect(act).rejects.toBeInstanceOf(FolderChangedError);
    await expect(act).rejects.toThrow(`s3://landing/${FOLDER}p=2/data_0.csv`);
  });

  it('refuses a version whose marker was written again (a versioned bucket)', async () => {
    // Prepare
    putPart('p=1/data_0.csv', 'a\n1\n');
    bucket.put(`${FOLDER}_SUCCESS`, { bytes: Buffer.alloc(0), versionId: 'v2' });

    // Act
    const act = partsOfFolder(downloader(), folderOfEntry(folderEntry({ sk: 'VER#v1' }))!);

    // Assess
    await expect(act).rejects.toThrow(/published again: its marker .* is now version v2/);
  });

  it('refuses a folder past the stated part limit instead of holding an unbounded listing', async () => {
    // Prepare
    for (let i = 0; i < 4; i++) putPart(`part-${i}.csv`, 'a\n1\n');

    // Act
    const act = partsOfFolder(downloader(), folderOfEntry(folderEntry())!, { maxParts: 3 });

    // Assess
    await expect(act).rejects.toThrow(/more than 3 parts \(MAX_FOLDER_PARTS\)/);
  });
});

describe('folderLocalPaths', () => {
  it("mirrors the parts below the folder's own name, one file per part", () => {
    // Act
    const paths = folderLocalPaths(FOLDER, [
      `${FOLDER}p=1/data_0.parquet`,
      `${FOLDER}p=2/data_0.parquet`,
      `${FOLDER}p=2/data_0.parquet.`,
    ]);

    // Assess
    expect(paths.map((p) => p.path)).toEqual([
      'flights_parts/p=1/data_0.parquet',
      'flights_parts/p=2/data_0.parquet',
      expect.stringMatching(/^flights_parts\/p=2\/data_0~[0-9a-f]{12}\.parquet$/),
    ]);
  });
});
