/**
 * Finds a Chromium for the HTML report test and launches it through playwright-core, so that
 * `npm ci && npm test` needs nothing but Node on Linux x64.
 *
 * Where the browser comes from, first match wins:
 * 1. `PRT_CHROMIUM`: an explicit binary (any platform); a path that does not exist is an error.
 * 2. Linux x64: the `@sparticuz/chromium` dev dependency, a brotli-packed headless Chromium that
 *    arrives with `npm ci`. It is unpacked once into a folder of the OS temp dir named after the
 *    package version, through a temporary name and a rename, so an interrupted unpack (or two test
 *    runs at once) never leaves a half-written binary that a later run would trust.
 * 3. A system Chromium at `/usr/bin/chromium` (e.g. Linux arm64, where the package has no binary).
 * Otherwise the suite fails with a message saying to set `PRT_CHROMIUM`: vitest would report a
 * skipped browser suite as a pass of nothing, and the checks it makes are not optional.
 */
import {
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { brotliDecompressSync, createBrotliDecompress } from 'node:zlib';
import { chromium, type BrowserContext } from 'playwright-core';

/** The package that carries the binary; a dev dependency, resolved from this project. */
const PACKAGE = '@sparticuz/chromium';
/** A system Chromium used where the package has no binary and PRT_CHROMIUM is not set. */
export const SYSTEM_CHROMIUM = '/usr/bin/chromium';
/**
 * The packed fonts are three Open Sans files (~450 KB unpacked); a tar larger than this is not
 * the archive we expect, and we would rather fail than unpack it into the temp dir.
 */
export const MAX_FONTS_TAR_BYTES = 8 * 1024 * 1024;

/**
 * Flags for a headless run that reaches for nothing outside the page: no sandbox (CI containers run
 * as root), no GPU, no QUIC, no first-run or sync or component-update traffic. A fresh
 * --user-data-dir (a persistent context on a new folder) is given per launch: runs never share a profile.
 */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Where a Chromium binary was found, and the environment it needs to run. */
export interface ChromiumBinary {
  readonly executablePath: string;
  readonly source: 'PRT_CHROMIUM' | typeof PACKAGE | 'system';
  /** Extra environment for the browser process (the packed Chromium's fontconfig). */
  readonly env: Readonly<Record<string, string>>;
}

/** What the choice depends on, passed in so the choice is testable without the real machine. */
export interface ChromiumHost {
  readonly override: string | undefined;
  readonly platform: NodeJS.Platform;
  readonly arch: string;
  readonly exists: (path: string) => boolean;
}

/** The error every browser test fails with when no Chromium can be found or started. */
export class ChromiumUnavailableError extends Error {
  override readonly name = 'ChromiumUnavailableError';
}

/** Which Chromium to use, without unpacking anything: `packed` means the npm package's binary. */
export function chooseChromium(
  host: ChromiumHost,
): { kind: 'path'; path: string; source: ChromiumBinary['source'] } | { kind: 'packed' } {
  if (host.override !== undefined && host.override !== '') {
    if (!host.exists(host.override)) {
      throw new ChromiumUnavailableError(`PRT_CHROMIUM is set to ${host.override}, which does not exist.`);
    }
    return { kind: 'path', path: host.override, source: 'PRT_CHROMIUM' };
  }
  // The package ships a Linux x64 binary only (its arm64 build is a separate download).
  if (host.platform === 'linux' && host.arch === 'x64') return { kind: 'packed' };
  if (host.exists(SYSTEM_CHROMIUM)) return { kind: 'path', path: SYSTEM_CHROMIUM, source: 'system' };
  throw new ChromiumUnavailableError(
    `No Chromium for the HTML report test on ${host.platform}-${host.arch}: ${PACKAGE} has a binary for ` +
      `linux-x64 only and ${SYSTEM_CHROMIUM} does not exist. Set PRT_CHROMIUM to a Chromium or Chrome ` +
      'binary (e.g. PRT_CHROMIUM="/Applications/Google Chrome.app/Contents/MacOS/Google Chrome").',
  );
}

/** The package's bin folder (chromium.br, fonts.tar.br) and version, from this project's node_modules. */
function packedChromium(): { bin: string; version: string } {
  const require = createRequire(import.meta.url);
  // The package exports only its entry (build/index.js); its root is one folder above that.
  const root = dirname(dirname(require.resolve(PACKAGE)));
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  return { bin: join(root, 'bin'), version };
}

/** Writes `target` through a temporary sibling and a rename: readers see all of it or nothing. */
async function writeAtomically(target: string, write: (partial: string) => Promise<void>): Promise<void> {
  const partial = `${target}.${process.pid}.partial`;
  try {
    await write(partial);
    renameSync(partial, target);
  } finally {
    rmSync(partial, { recursive: true, force: true });
  }
}

/**
 * Unpacks the regular files of a ustar archive under `folder`. The fonts archive holds a
 * fonts.conf and three .ttf files; names are checked to stay inside `folder`.
 */
export function extractTar(tar: Buffer, folder: string): string[] {
  const written: string[] = [];
  let offset = 0;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    if (name === '') break; // two zero blocks end the archive
    const prefix = header.subarray(345, 500).toString('utf8').replace(/\0.*$/s, '');
    const size = Number.parseInt(
      header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0',
      8,
    );
    const type = String.fromCharCode(header[156] ?? 0);
    if (!Number.isFinite(size) || size < 0 || offset + 512 + size > tar.length) {
      throw new ChromiumUnavailableError(`fonts archive: entry ${name} at byte ${offset} has a bad size`);
    }
    const path = normalize(join(folder, prefix === '' ? name : `${prefix}/${name}`));
    if (!path.startsWith(folder + sep)) {
      throw new ChromiumUnavailableError(`fonts archive: entry ${name} at byte ${offset} leaves its folder`);
    }
    if (type === '5') mkdirSync(path, { recursive: true });
    else if (type === '0' || type === '\0') {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, tar.subarray(offset + 512, offset + 512 + size));
      written.push(path);
    }
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  return written;
}

/**
 * Unpacks the package's Chromium and fonts once per package version. The package's own
 * `executablePath()` writes straight to /tmp/chromium, so a run killed mid-unpack leaves a truncated
 * binary it then trusts; and its fonts.conf names /tmp/fonts. We keep both in our own folder.
 */
async function unpackChromium(): Promise<ChromiumBinary> {
  const { bin, version } = packedChromium();
  const folder = join(tmpdir(), `prt-chromium-${version}`);
  mkdirSync(folder, { recursive: true });
  const executablePath = join(folder, 'chromium');
  if (!existsSync(executablePath)) {
    await writeAtomically(executablePath, (partial) =>
      pipeline(
        createReadStream(join(bin, 'chromium.br')),
        createBrotliDecompress(),
        createWriteStream(partial, { mode: 0o700 }),
      ),
    );
  }
  const fonts = join(folder, 'fonts');
  if (!existsSync(fonts)) {
    await writeAtomically(fonts, async (partial) => {
      const tar = brotliDecompressSync(readFileSync(join(bin, 'fonts.tar.br')), {
        maxOutputLength: MAX_FONTS_TAR_BYTES,
      });
      mkdirSync(partial, { recursive: true });
      extractTar(tar, partial);
      // Our own fonts.conf: the packed one lists /tmp/fonts, a shared path we do not write.
      writeFileSync(
        join(partial, 'fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
          `  <dir>${join(fonts, 'fonts')}</dir>\n  <cachedir>${join(folder, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
      );
      return Promise.resolve();
    });
  }
  return { executablePath, source: PACKAGE, env: { FONTCONFIG_PATH: fonts } };
}

/** Finds (unpacking if needed) the Chromium for this machine. */
export async function findChromium(): Promise<ChromiumBinary> {
  const choice = chooseChromium({
    override: process.env['PRT_CHROMIUM'],
    platform: process.platform,
    arch: process.arch,
    exists: existsSync,
  });
  if (choice.kind === 'path') return { executablePath: choice.path, source: choice.source, env: {} };
  return unpackChromium();
}

/**
 * Launches the Chromium for this machine on a fresh profile folder `profile` (the caller makes and
 * removes it). playwright-core refuses --user-data-dir in `args`; a persistent context is how it
 * takes one.
 */
export async function launchChromium(
  profile: string,
  viewport: { width: number; height: number },
): Promise<BrowserContext> {
  const binary = await findChromium();
  try {
    return await chromium.launchPersistentContext(profile, {
      executablePath: binary.executablePath,
      args: [...CHROMIUM_FLAGS],
      env: { ...process.env, ...binary.env },
      viewport,
    });
  } catch (error) {
    throw new ChromiumUnavailableError(
      `Chromium from ${binary.source} at ${binary.executablePath} did not start: ${(error as Error).message}. ` +
        'Set PRT_CHROMIUM to a working Chromium binary.',
    );
  }
}
