/**
 * `prt validate`, `prt convert` and `prt infer` read PRT_READER_LIMITS where they start, as the
 * deployed functions do at cold start: a person raises a limit for a one-off file, or lowers one,
 * and a bad value stops the command (exit 2) naming the variable.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { registerConvertCommand } from '../../../lib/cli/convert-command';
import { registerInferCommand } from '../../../lib/cli/infer-command';
import { registerValidateCommand } from '../../../lib/cli/validate-command';
import { runPrt } from '../../fixtures/prt-in-process';

let folder: string;
let err: string[];

function prt(...args: string[]): Promise<number> {
  return runPrt([registerValidateCommand, registerConvertCommand, registerInferCommand], [...args]);
}

function file(name: string, text: string): string {
  const path = join(folder, name);
  writeFileSync(path, text);
  return path;
}

/** A CSV one column wider than CSV_MAX_COLUMNS (10,000) allows by default. */
function wideCsv(): string {
  const names = Array.from({ length: 10_001 }, (_, i) => `c${i}`);
  return file('wide.csv', `${names.join(',')}\n${names.map(() => '1').join(',')}\n`);
}

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'prt-limits-'));
  err = [];
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  rmSync(folder, { recursive: true, force: true });
});

describe('PRT_READER_LIMITS on the command line', () => {
  it('prt convert refuses a CSV wider than the default maxColumns', async () => {
    // Prepare
    const input = wideCsv();

    // Act
    const code = await prt('convert', input, join(folder, 'out.jsonl'));

    // Assess
    expect(code).toBe(1);
    expect(err.join('\n')).toContain('CSV header has more than 10000 columns (maxColumns)');
  });

  it('prt convert reads the same CSV once PRT_READER_LIMITS raises maxColumns for it', async () => {
    // Prepare
    const input = wideCsv();
    vi.stubEnv('PRT_READER_LIMITS', '{"maxColumns":10001}');

    // Act
    const code = await prt('convert', input, join(folder, 'out.jsonl'));

    // Assess
    expect(err).toEqual([]);
    expect(code).toBe(0);
  });

  it('prt validate holds the input to a lowered maxFieldsPerRow', async () => {
    // Prepare
    const input = file('in.csv', 'a,b\n1,2\n3,4,5,6\n');
    const contract = file(
      'c.yaml',
      [
        'pipeline: p',
        'step: s',
        'output: o',
        'path: o/',
        'schema:',
        '  - { name: a, type: int64 }',
        '  - { name: b, type: int64 }',
        '',
      ].join('\n'),
    );
    vi.stubEnv('PRT_READER_LIMITS', '{"maxFieldsPerRow":3}');

    // Act
    const code = await prt('validate', input, '--contract', contract);

    // Assess
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('FormatError: CSV row has more than 3 fields (maxFieldsPerRow)');
  });

  it('prt infer holds the input to a lowered maxRecordLength', async () => {
    // Prepare
    const input = file('in.jsonl', `{"a":1}\n{"a":"${'x'.repeat(100)}"}\n`);
    vi.stubEnv('PRT_READER_LIMITS', '{"maxRecordLength":50}');

    // Act
    const code = await prt('infer', input);

    // Assess
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('JSON Lines record longer than 50 characters');
  });

  it.each(['validate', 'convert', 'infer'])(
    'prt %s stops with exit 2 naming the variable when a limit is misspelt',
    async (command) => {
      // Prepare
      const input = file('in.csv', 'a,b\n1,2\n');
      const contract = file('c.yaml', 'pipeline: p\n');
      vi.stubEnv('PRT_READER_LIMITS', '{"maxFieldPerRow":3}');
      const args =
        command === 'validate'
          ? [input, '--contract', contract]
          : command === 'convert'
            ? [input, join(folder, 'out.jsonl')]
            : [input];

      // Act
      const code = await prt(command, ...args);

      // Assess
      expect(code).toBe(2);
      expect(err.join('\n')).toContain(
        "environment variable PRT_READER_LIMITS: 'maxFieldPerRow' is not a reader limit",
      );
    },
  );
});
