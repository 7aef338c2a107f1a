/**
 * Each test file gets a temporary folder of its own as the process's TMPDIR, removed after the
 * file. CDK synthesizes an App without an outdir into a new `cdk.out*` folder under the system's
 * temporary folder and never removes it (about 95 MB with the bundled functions): a machine that
 * ran the suite a few hundred times had its disk filled by them, and the next run's bundling failed
 * with "no space left on device". Child processes the tests start inherit the folder.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

const previous = process.env['TMPDIR'];
const dir = mkdtempSync(join(tmpdir(), 'prt-test-'));
process.env['TMPDIR'] = dir;

afterAll(() => {
  if (previous === undefined) delete process.env['TMPDIR'];
  else process.env['TMPDIR'] = previous;
  rmSync(dir, { recursive: true, force: true });
});
