/**
 * `prt contract check`: every contract file loads, and every `inputs` edge is produced by a
 * contract around it (the folders given, the folder of each file given); an edge to nowhere is an
 * error naming the file and the line. `prt contract diff`: a change graded for the output's
 * readers, exit 1 below what they accept.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkContractFiles, registerContractCommands } from '../../../lib/cli/contract-command';
import { runPrt } from '../../fixtures/prt-in-process';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'prt-contract-check-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function contract(file: string, step: string, output: string, inputs: readonly string[]): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    [
      'pipeline: sales',
      `step: ${step}`,
      `output: ${output}`,
      `path: pipelines/sales/{run_id}/${step}/${output}/`,
      'format: csv',
      ...(inputs.length > 0 ? ['inputs:', ...inputs.map((i) => `  - ${i}`)] : []),
      'schema:',
      '  - { name: id, type: int64 }',
      '',
    ].join('\n'),
  );
  return path;
}

function check(paths: readonly string[]): { failures: number; lines: string[] } {
  const lines: string[] = [];
  const failures = checkContractFiles(paths, (line) => lines.push(line));
  return { failures, lines };
}

describe('prt contract check', () => {
  it('resolves every input of a folder of contracts, in the same pipeline or named in full', () => {
    // Arrange
    contract('raw.yaml', 'ingestion', 'raw_orders', []);
    contract('train.yaml', 'preprocessing', 'training_data', ['ingestion/raw_orders']);
    contract('features.yaml', 'features', 'order_features', ['sales/preprocessing/training_data']);

    // Act
    const { failures, lines } = check([dir]);

    // Assess
    expect(failures).toBe(0);
    const files = lines.filter((l) => /^(ok|error) /.test(l));
    expect(files).toHaveLength(3);
    expect(files.every((l) => l.startsWith('ok    '))).toBe(true);
    expect(lines.find((l) => l.includes('features.yaml'))).toContain('1 input(s) resolved');
  });

  it('reports an input no contract produces, with its file and line', () => {
    // Arrange
    contract('raw.yaml', 'ingestion', 'raw_orders', []);
    const train = contract('train.yaml', 'preprocessing', 'training_data', [
      'ingestion/raw_orders',
      'nowhere/nothing',
    ]);

    // Act
    const { failures, lines } = check([dir]);

    // Assess: inputs start on line 6, the second entry is on line 8.
    expect(failures).toBe(1);
    expect(lines).toContain(
      `error ${train}: line 8: inputs[1]: 'nowhere/nothing' is produced by no contract here (sales/nowhere/nothing)`,
    );
    const ok = lines.filter((l) => l.startsWith('ok    '));
    expect(ok).toHaveLength(1);
    expect(ok[0]).toContain('raw.yaml');
  });

  it('resolves the inputs of one file against the contracts beside it', () => {
    // Arrange
    contract('raw.yaml', 'ingestion', 'raw_orders', []);
    const train = contract('train.yaml', 'preprocessing', 'training_data', ['ingestion/raw_orders']);
    mkdirSync(join(dir, 'other'));
    const lonely = join(dir, 'other', 'lonely.yaml');
    writeFileSync(
      lonely,
      'pipeline: sales\nstep: s\noutput: o\npath: x/\ninputs: [ingestion/raw_orders]\nschema:\n  - { name: id, type: int64 }\n',
    );

    // Act
    const beside = check([train]);
    const alone = check([lonely]);

    // Assess: only train.yaml is checked and reported; the lonely file has no raw_orders beside it.
    expect(beside.failures).toBe(0);
    expect(beside.lines.filter((l) => /^(ok|error) /.test(l))).toHaveLength(1);
    expect(alone.failures).toBe(1);
    expect(alone.lines).toEqual([
      `error ${lonely}: line 5: inputs[0]: 'ingestion/raw_orders' is produced by no contract here (sales/ingestion/raw_orders)`,
    ]);
  });

  it('still reports a contract that does not load, with its line', () => {
    // Arrange
    const bad = join(dir, 'bad.yaml');
    writeFileSync(
      bad,
      'pipeline: sales\nstep: s\noutput: o\npath: x/\nschema:\n  - { name: id, type: integer }\n',
    );

    // Act
    const { failures, lines } = check([bad]);

    // Assess
    expect(failures).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error .*bad\.yaml: line 6: schema\[0\]\.type: 'integer' is not a type/);
  });
});

describe('prt contract diff', () => {
  let out: string[];
  beforeEach(() => {
    out = [];
    vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
    vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  });
  afterEach(() => vi.restoreAllMocks());

  function producer(file: string, amountType: string): string {
    const path = join(dir, file);
    writeFileSync(
      path,
      `pipeline: sales\nstep: preprocessing\noutput: training_data\npath: x/\ncompatibility: compatible\nschema:\n  - { name: id, type: int64, nullable: false }\n  - { name: amount, type: ${amountType} }\n`,
    );
    return path;
  }

  it('fails a narrowing below the accepted level, naming the readers, and passes a widening', async () => {
    // Arrange: the old contract and its reader in one folder, the changes elsewhere.
    mkdirSync(join(dir, 'contracts'));
    const old = producer('contracts/training.yaml', 'float64');
    writeFileSync(
      join(dir, 'contracts', 'features.yaml'),
      'pipeline: sales\nstep: features\noutput: f\npath: y/\ninputs: [preprocessing/training_data]\nschema:\n  - { name: id, type: int64 }\n',
    );
    const narrowed = producer('narrowed.yaml', 'int64');
    const widened = producer('widened.yaml', 'float32');
    const consumers = join(dir, 'contracts');

    // Act
    const breaking = await runPrt(
      [registerContractCommands],
      ['contract', 'diff', old, narrowed, '--consumers', consumers],
    );
    const breakingText = out.join('\n');
    out = [];
    const fine = await runPrt(
      [registerContractCommands],
      ['contract', 'diff', old, widened, '--consumers', consumers, '--format', 'json'],
    );

    // Assess
    expect(breaking).toBe(1);
    expect(breakingText).toContain(
      'sales/preprocessing/training_data: BREAKING: convertible, below the compatible its readers accept',
    );
    expect(breakingText).toContain('readers: sales/features/f');
    expect(breakingText).toMatch(
      /amount +float64 → int64 +convertible +cast int64 to float64; values that do not fit fail/,
    );
    expect(fine).toBe(0);
    expect(JSON.parse(out.join('\n'))).toMatchObject({
      output: 'sales/preprocessing/training_data',
      accepted: 'compatible',
      consumers: ['sales/features/f'],
      breaks: false,
      diff: { level: 'compatible' },
    });
  });

  it('reads the old contract from git, and refuses two different outputs', async () => {
    // Act: the repository's own contract against its committed version; then two outputs.
    const repo = 'contracts/sales-preprocessing-training_data.yaml';
    const same = await runPrt(
      [registerContractCommands],
      ['contract', 'diff', `git:HEAD:${repo}`, repo, '--format', 'markdown'],
    );
    const sameText = out.join('\n');
    out = [];
    const mixed = await runPrt(
      [registerContractCommands],
      ['contract', 'diff', repo, 'contracts/sales-ingestion-raw_orders.yaml'],
    );

    // Assess
    expect(same).toBe(0);
    expect(sameText).toContain('**sales/preprocessing/training_data**: ok: strict');
    expect(sameText).toContain('Readers: sales/features/order_features.');
    expect(mixed).toBe(2);
    expect(out.join('\n')).toContain('both must describe the same output');
  });
});

describe('the contracts around a file (bounded)', () => {
  it('skips hidden folders and installed packages, which hold no contracts of the project', () => {
    // Arrange: an input produced only by a contract under node_modules/ and one under .cache/
    mkdirSync(join(dir, 'node_modules', 'pkg'), { recursive: true });
    mkdirSync(join(dir, '.cache'));
    contract('node_modules/pkg/raw.yaml', 'ingestion', 'raw_orders', []);
    contract('.cache/raw.yaml', 'ingestion', 'raw_orders', []);
    const train = contract('train.yaml', 'preprocessing', 'training_data', ['ingestion/raw_orders']);

    // Act
    const { failures, lines } = check([train]);

    // Assess: the edge finds no producer
    expect(failures).toBe(1);
    expect(lines.join('\n')).toContain('produced by no contract here');
  });

  it('stops with what to do when the folder around a file holds more than it walks', () => {
    // Arrange: a file named in a folder of 20,001 other files
    for (let i = 0; i <= 20_000; i++) writeFileSync(join(dir, `x${i}.txt`), '');
    const raw = contract('raw.yaml', 'ingestion', 'raw_orders', []);

    // Act
    const run = () => check([raw]);

    // Assess
    expect(run).toThrow(
      /holds more than 20000 files and folders: point the command at the contracts folder itself/,
    );
  });
});
