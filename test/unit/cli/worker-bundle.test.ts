/**
 * workerStart bundles a worker module once and reuses the bundle while its files are unchanged:
 * judged by modification time and size first, by content when a stamp moved, rebuilt when the
 * content changed.
 */
import { mkdtempSync, readFileSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { workerStart, type WorkerStart } from '../../../lib/cli/worker-bundle';

/** Runs the started worker until its first message. */
async function firstMessage(start: WorkerStart): Promise<unknown> {
  const worker = new Worker(start.file, { workerData: start.data });
  try {
    return await new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  } finally {
    await worker.terminate();
  }
}

function manifestOf(): { stamps?: string[]; bundle: string } {
  const dir = join(tmpdir(), 'prt-workers');
  const file = readdirSync(dir).find((f) => f.startsWith('entry-') && f.endsWith('.json'));
  return JSON.parse(readFileSync(join(dir, file!), 'utf8')) as { stamps?: string[]; bundle: string };
}

describe('workerStart', () => {
  it('reuses the bundle while the stamps hold, keeps it when only a stamp moved, rebuilds on an edit', async () => {
    // Arrange: a worker module importing a second module.
    const folder = mkdtempSync(join(tmpdir(), 'prt-worker-bundle-'));
    const entry = join(folder, 'entry.ts');
    const answer = join(folder, 'answer.ts');
    writeFileSync(answer, 'export const ANSWER: number = 41;\n');
    writeFileSync(
      entry,
      "import { parentPort } from 'node:worker_threads';\nimport { ANSWER } from './answer';\nparentPort?.postMessage(ANSWER);\n",
    );
    const url = pathToFileURL(entry);

    // Act
    const first = await workerStart(url);
    const firstAnswer = await firstMessage(first);
    const again = await workerStart(url);
    const stampsBefore = manifestOf().stamps;
    const later = new Date(Date.now() + 5_000);
    utimesSync(answer, later, later);
    const touched = await workerStart(url);
    const stampsAfterTouch = manifestOf().stamps;
    writeFileSync(answer, 'export const ANSWER: number = 42;\n');
    const edited = await workerStart(url);

    // Assess
    expect(first.data).toEqual({});
    expect(firstAnswer).toBe(41);
    expect(again.file).toBe(first.file);
    expect(touched.file).toBe(first.file);
    expect(stampsAfterTouch).toHaveLength(2);
    expect(stampsAfterTouch).not.toEqual(stampsBefore);
    expect(edited.file).not.toBe(first.file);
    expect(await firstMessage(edited)).toBe(42);
    expect(manifestOf().bundle).toBe(edited.file);
    // The bundle of the sources before the edit is removed: one bundle per module stays.
    expect(
      readdirSync(join(tmpdir(), 'prt-workers')).filter((f) => f.startsWith('entry-') && f.endsWith('.mjs')),
    ).toEqual([basename(String(edited.file))]);
  });
});
