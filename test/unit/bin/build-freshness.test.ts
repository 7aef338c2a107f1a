/**
 * bin/prt.mjs runs the compiled CLI only while it is fresh: every source file the build read is
 * older than the build's start. Anything else (an edited or deleted source, no build, a damaged
 * record) sends it to the sources, so a stale build never runs.
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BUILD_DIR, BUILD_RECORD, buildIsFresh } from '../../../bin/build-freshness.mjs';

const BUILT_AT = Date.UTC(2026, 0, 1);
const INPUTS = ['bin/prt.ts', 'lib/cli/command-table.ts'];

describe('buildIsFresh', () => {
  let root: string;

  const writeSource = (path: string, modifiedAt: number): void => {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), '// source\n');
    utimesSync(join(root, path), modifiedAt / 1000, modifiedAt / 1000);
  };
  const writeRecord = (text: string): void => {
    mkdirSync(join(root, BUILD_DIR), { recursive: true });
    writeFileSync(join(root, BUILD_DIR, BUILD_RECORD), text);
  };

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'prt-build-'));
    for (const input of INPUTS) writeSource(input, BUILT_AT - 60_000);
    writeRecord(JSON.stringify({ builtAt: BUILT_AT, inputs: INPUTS }));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is fresh when every input is older than the build', () => {
    // Prepare / Act / Assess
    expect(buildIsFresh(root)).toBe(true);
  });

  it('is stale when an input was saved after the build started', () => {
    // Prepare
    writeSource(INPUTS[1]!, BUILT_AT + 1);

    // Act / Assess
    expect(buildIsFresh(root)).toBe(false);
  });

  it('is stale when an input is gone', () => {
    // Prepare
    unlinkSync(join(root, INPUTS[0]!));

    // Act / Assess
    expect(buildIsFresh(root)).toBe(false);
  });

  it('is stale when there is no build', () => {
    // Prepare
    rmSync(join(root, BUILD_DIR), { recursive: true });

    // Act / Assess
    expect(buildIsFresh(root)).toBe(false);
  });

  it.each([
    ['not JSON', '{'],
    ['no start time', JSON.stringify({ inputs: INPUTS })],
    ['no inputs', JSON.stringify({ builtAt: BUILT_AT, inputs: [] })],
    ['an input that is not a path', JSON.stringify({ builtAt: BUILT_AT, inputs: [1] })],
  ])('is stale when the record has %s', (_what, text) => {
    // Prepare
    writeRecord(text);

    // Act / Assess
    expect(buildIsFresh(root)).toBe(false);
  });
});
