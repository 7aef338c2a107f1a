/**
 * The CLI's locations load the S3 side only for a command that names an s3:// location, and
 * refuse one it did not name rather than load the SDK late. Each test imports a fresh copy of the
 * module, since what was loaded is module state.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';

type Locations = typeof import('../../../lib/cli/locations');

async function freshLocations(): Promise<Locations> {
  vi.resetModules();
  return import('../../../lib/cli/locations');
}

beforeEach(() => {
  // The S3 client is built but never called: no request leaves the process.
  vi.stubEnv('AWS_REGION', 'eu-west-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'test');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'test');
});

describe('CLI locations', () => {
  it('opens local files without preparing anything', async () => {
    // Arrange
    const { sinkOf, sourceOf } = await freshLocations();
    const path = join(mkdtempSync(join(tmpdir(), 'prt-locations-')), 'a.txt');

    // Act
    const sink = sinkOf(path, 'text/plain');
    await sink.write(Buffer.from('abc'));
    await sink.close();
    const source = sourceOf(path);

    // Assert
    expect(readFileSync(path, 'utf8')).toBe('abc');
    expect(await source.size()).toBe(3);
    expect(Buffer.from(await source.readRange(1, 3)).toString()).toBe('bc');
  });

  it('refuses an s3:// location that the command did not prepare, local ones prepared', async () => {
    // Arrange
    const { prepareLocations, sinkOf, sourceOf } = await freshLocations();
    await prepareLocations(['data.csv', undefined, 'out/']);

    // Act
    const open = (): unknown => sourceOf('s3://bucket/key.csv');
    const write = (): unknown => sinkOf('s3://bucket/out.csv', 'text/csv');

    // Assert
    expect(open).toThrow('s3://bucket/key.csv: s3:// location opened before prepareLocations was given it');
    expect(write).toThrow('s3://bucket/out.csv: s3:// location opened before prepareLocations');
  });

  it('opens s3:// sources and sinks once a prepared location names S3', async () => {
    // Arrange
    const { closeClients, prepareLocations, sinkOf, sourceOf } = await freshLocations();
    await prepareLocations(['local.csv', 's3://bucket/in.csv']);

    // Act
    const source = sourceOf('s3://bucket/other.csv');
    const sink = sinkOf('s3://bucket/out.csv', 'text/csv');

    // Assert
    expect(source.name).toBe('s3://bucket/other.csv');
    expect(sink.name).toBe('s3://bucket/out.csv');
    closeClients();
  });
});
