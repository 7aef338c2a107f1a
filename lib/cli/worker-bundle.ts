/**
 * Worker threads do not inherit the TypeScript loader the main thread runs under (tsx): given the
 * loader (ts-worker.mjs), a thread registers it and compiles its module graph itself, which took
 * 1–3.5 s per thread on a loaded 2-core machine — as long as validating a few hundred thousand
 * rows. So a worker module is bundled once into one plain JavaScript file with esbuild and cached
 * in the temporary folder beside a list of the files it was built from and a hash of their
 * content; a later run whose files have the same modification times and sizes (or, failing that,
 * hash the same) starts its threads from that file.
 * When bundling is not possible, threads start through the loader instead.
 */
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Manifest {
  readonly inputs: readonly string[];
  readonly hash: string;
  readonly bundle: string;
  /** Each input's modification time and size when `hash` was last confirmed. */
  readonly stamps?: readonly string[];
}

// From lib/cli or from the compiled CLI in dist/cli alike (both two folders below the root).
const LOADER_ENTRY = new URL('../../lib/cli/ts-worker.mjs', import.meta.url);

/** How to start a thread running `module` (a .ts file URL): a file and its workerData additions. */
export interface WorkerStart {
  readonly file: URL | string;
  /** workerData fields the start needs (the loader entry reads `entry`). */
  readonly data: { readonly entry?: string };
}

/**
 * A file's modification time and size: when every input still has the stamp the manifest
 * recorded, the bundle is current without reading the inputs (as make decides). Hashing them
 * read ~175 files on every start; a stamp that changed (an edit, a checkout) falls back to the hash.
 */
async function stamps(files: readonly string[]): Promise<string[]> {
  return Promise.all(
    files.map(async (file) => {
      const s = await stat(file);
      return `${s.mtimeMs}:${s.size}`;
    }),
  );
}

function sameStamps(a: readonly string[] | undefined, b: readonly string[]): boolean {
  return a !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

async function contentHash(files: readonly string[]): Promise<string> {
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(file);
    hash.update(await readFile(file));
  }
  return hash.digest('hex');
}

/** Writes through a temporary name: a concurrent run never reads half a file. */
async function writeAtomically(path: string, data: string): Promise<void> {
  const temp = `${path}.${process.pid}.${Date.now()}.tmp`;
  await writeFile(temp, data);
  await rename(temp, path);
}

export async function workerStart(module: URL): Promise<WorkerStart> {
  const entry = fileURLToPath(module);
  const dir = join(tmpdir(), 'prt-workers');
  const key = createHash('sha256').update(entry).digest('hex').slice(0, 16);
  const manifestPath = join(dir, `${basename(entry, '.ts')}-${key}.json`);
  let previous: string | undefined;
  try {
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
    previous = manifest.bundle;
    const now = await stamps(manifest.inputs);
    if (sameStamps(manifest.stamps, now)) {
      await access(manifest.bundle);
      return { file: manifest.bundle, data: {} };
    }
    if ((await contentHash(manifest.inputs)) === manifest.hash) {
      await access(manifest.bundle);
      await writeAtomically(manifestPath, JSON.stringify({ ...manifest, stamps: now } satisfies Manifest));
      return { file: manifest.bundle, data: {} };
    }
  } catch {
    // No bundle yet, or one of its files is gone: build it.
  }
  try {
    const { build } = await import('esbuild');
    const root = dirname(entry);
    const result = await build({
      entryPoints: [entry],
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      write: false,
      metafile: true,
      logLevel: 'silent',
      // Bundled CommonJS dependencies call require(); an ES module has none of its own.
      banner: {
        js: "import { createRequire as __prtRequire } from 'node:module'; const require = __prtRequire(import.meta.url);",
      },
    });
    const inputs = Object.keys(result.metafile.inputs)
      .map((p) => resolve(root, p))
      .sort();
    // Stamped before hashing: a file edited meanwhile then fails the stamp check next time.
    const inputStamps = await stamps(inputs);
    const hash = await contentHash(inputs);
    const bundle = join(dir, `${basename(entry, '.ts')}-${hash.slice(0, 16)}.mjs`);
    await mkdir(dir, { recursive: true });
    await writeAtomically(bundle, result.outputFiles[0]!.text);
    await writeAtomically(
      manifestPath,
      JSON.stringify({ inputs, hash, bundle, stamps: inputStamps } satisfies Manifest),
    );
    // The bundle of the sources before this edit is not used again: one bundle per module stays.
    if (previous !== undefined && previous !== bundle) await rm(previous, { force: true });
    return { file: bundle, data: {} };
  } catch {
    return { file: LOADER_ENTRY, data: { entry: module.href } };
  }
}
