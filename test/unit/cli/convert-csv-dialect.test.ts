/**
 * `prt convert --delimiter` overrides the contract's delimiter only: the rest of the contract's
 * CSV dialect (quote, escape, lenient_quotes) still applies to the input.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { registerConvertCommand } from '../../../lib/cli/convert-command';
import { runPrt } from '../../fixtures/prt-in-process';

let folder: string;
let err: string[];

function prt(...args: string[]): Promise<number> {
  return runPrt([registerConvertCommand], ['convert', ...args]);
}

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'prt-convert-dialect-'));
  err = [];
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});

afterEach(() => {
  vi.restoreAllMocks();
  rmSync(folder, { recursive: true, force: true });
});

describe('prt convert with a contract dialect', () => {
  it("keeps the contract's quote and escape when --delimiter is given", async () => {
    // Prepare: fields quoted with ' and escaped with a backslash, as the contract says
    const input = join(folder, 'in.csv');
    writeFileSync(input, "id;note\n1;'a;b'\n2;'it\\'s'\n");
    const contract = join(folder, 'c.yaml');
    writeFileSync(
      contract,
      [
        'pipeline: p',
        'step: s',
        'output: o',
        'path: o/',
        `csv: { delimiter: ",", quote: "'", escape: "\\\\" }`,
        'schema:',
        '  - { name: id, type: int64 }',
        '  - { name: note, type: string }',
        '',
      ].join('\n'),
    );
    const output = join(folder, 'out.jsonl');

    // Act
    const code = await prt(input, output, '--contract', contract, '--delimiter', ';');

    // Assess
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(readFileSync(output, 'utf8')).toBe('{"id":1,"note":"a;b"}\n{"id":2,"note":"it\'s"}\n');
  });
});
