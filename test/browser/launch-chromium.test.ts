/**
 * Where the HTML report test gets its Chromium: the npm package on Linux x64, PRT_CHROMIUM or a
 * system Chromium elsewhere, and a failure naming PRT_CHROMIUM (never a skip) when there is none.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { chooseChromium, ChromiumUnavailableError, extractTar, SYSTEM_CHROMIUM } from './launch-chromium';

const nothing = (): boolean => false;

/** A one-file ustar archive, built by hand so the test needs no tar tool. */
function tarOf(name: string, body: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 'utf8');
  header.write(`${body.length.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  header.write('0', 156, 'ascii');
  header.write('ustar', 257, 'ascii');
  const data = Buffer.alloc(Math.ceil(body.length / 512) * 512);
  data.write(body, 0, 'utf8');
  return Buffer.concat([header, data, Buffer.alloc(1024)]);
}

describe('chooseChromium', () => {
  it('Compliance: Linux x64 with nothing installed uses the npm package', () => {
    // Prepare
    const host = { override: undefined, platform: 'linux' as const, arch: 'x64', exists: nothing };

    // Act
    const choice = chooseChromium(host);

    // Assess
    expect(choice).toEqual({ kind: 'packed' });
  });

  it('Compliance: PRT_CHROMIUM wins on every platform', () => {
    // Prepare
    const path = '/opt/chrome/chrome';
    const host = {
      override: path,
      platform: 'linux' as const,
      arch: 'x64',
      exists: (p: string) => p === path,
    };

    // Act
    const choice = chooseChromium(host);

    // Assess
    expect(choice).toEqual({ kind: 'path', path, source: 'PRT_CHROMIUM' });
  });

  it('Compliance: Linux arm64 (no packed binary) uses a system Chromium', () => {
    // Prepare
    const host = {
      override: undefined,
      platform: 'linux' as const,
      arch: 'arm64',
      exists: (p: string) => p === SYSTEM_CHROMIUM,
    };

    // Act
    const choice = chooseChromium(host);

    // Assess
    expect(choice).toEqual({ kind: 'path', path: SYSTEM_CHROMIUM, source: 'system' });
  });

  it('Noncompliance 1: macOS without PRT_CHROMIUM fails saying to set PRT_CHROMIUM', () => {
    // Prepare
    const host = { override: undefined, platform: 'darwin' as const, arch: 'arm64', exists: nothing };

    // Act
    const choose = (): unknown => chooseChromium(host);

    // Assess
    expect(choose).toThrow(ChromiumUnavailableError);
    expect(choose).toThrow(/darwin-arm64.*Set PRT_CHROMIUM/s);
  });

  it('Noncompliance 2: PRT_CHROMIUM naming a missing file fails instead of falling back', () => {
    // Prepare
    const host = { override: '/nowhere/chrome', platform: 'linux' as const, arch: 'x64', exists: nothing };

    // Act
    const choose = (): unknown => chooseChromium(host);

    // Assess
    expect(choose).toThrow('PRT_CHROMIUM is set to /nowhere/chrome, which does not exist.');
  });
});

describe('extractTar', () => {
  it('Compliance: a regular file is written with its bytes', () => {
    // Prepare
    const folder = mkdtempSync(join(tmpdir(), 'prt-tar-'));

    try {
      // Act
      const written = extractTar(tarOf('fonts/a.conf', '<fontconfig/>'), folder);

      // Assess
      expect(written).toEqual([join(folder, 'fonts/a.conf')]);
      expect(readFileSync(join(folder, 'fonts/a.conf'), 'utf8')).toBe('<fontconfig/>');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('Noncompliance 1: an entry that climbs out of its folder is refused with its byte offset', () => {
    // Prepare
    const folder = mkdtempSync(join(tmpdir(), 'prt-tar-'));

    try {
      // Act
      const extract = (): unknown => extractTar(tarOf('../escaped.txt', 'x'), folder);

      // Assess
      expect(extract).toThrow('fonts archive: entry ../escaped.txt at byte 0 leaves its folder');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
