/**
 * `prt validate` judges a file's format as the workflow's Inspect and Validate steps do: a file in
 * another format than its contract's fails without a row being read (failed rule `format`), and a
 * name whose extension misleads about the content warns (`file_extension`).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerValidateCommand } from '../../../lib/cli/validate-command';
import { runPrt } from '../../fixtures/prt-in-process';
import { captureCli } from '../../fixtures/cli-capture';

const { folder, out } = captureCli('prt-validate-format-');

function contractFile(format: string): string {
  const path = join(folder, `${format}.yaml`);
  writeFileSync(
    path,
    `pipeline: p\nstep: s\noutput: o\npath: x/\nformat: ${format}\nschema:\n  - { name: id, type: int64, nullable: false }\n`,
  );
  return path;
}

interface Printed {
  readonly status: string;
  readonly rowCount: number;
  readonly failedRules: readonly string[];
  readonly summary: string;
  readonly format: { readonly expected: string; readonly detected: string; readonly matches: boolean };
}

async function validate(file: string, contract: string): Promise<{ code: number; doc: Printed }> {
  const code = await runPrt([registerValidateCommand], ['validate', file, '--contract', contract, '--json']);
  return { code, doc: JSON.parse(out.join('\n')) as Printed };
}

describe('prt validate: the file format', () => {
  it('fails a JSON Lines file validated against a CSV contract, reading no row, as the workflow does', async () => {
    // Arrange: JSON Lines content, named as such, for a CSV contract.
    const file = join(folder, 'orders.jsonl');
    writeFileSync(file, '{"id":1}\n{"id":2}\n');

    // Act
    const { code, doc } = await validate(file, contractFile('csv'));

    // Assess
    expect(code).toBe(1);
    expect(doc.status).toBe('failed');
    expect(doc.failedRules).toEqual(['format']);
    expect(doc.rowCount).toBe(0);
    expect(doc.summary).toBe('FAILED: expected csv, found jsonl');
    expect(doc.format).toMatchObject({ expected: 'csv', detected: 'jsonl', matches: false });
  });

  it('warns about a CSV file named .jsonl, and validates its rows', async () => {
    // Arrange: CSV content (two columns, so not readable as JSON values) under a JSON Lines name.
    const file = join(folder, 'orders.jsonl');
    writeFileSync(file, 'id,note\n1,a\n2,b\n');

    // Act
    const { code, doc } = await validate(file, contractFile('csv'));

    // Assess
    expect(code).toBe(0);
    expect(doc.status).toBe('warned');
    expect(doc.rowCount).toBe(2);
    expect(doc.failedRules).toEqual(['file_extension']);
    expect(doc.format).toMatchObject({ expected: 'csv', detected: 'csv', matches: true });
  });

  it('passes a CSV file named .csv with no format finding', async () => {
    // Arrange
    const file = join(folder, 'orders.csv');
    writeFileSync(file, 'id\n1\n2\n');

    // Act
    const { code, doc } = await validate(file, contractFile('csv'));

    // Assess
    expect(code).toBe(0);
    expect(doc.status).toBe('passed');
    expect(doc.failedRules).toEqual([]);
  });
});
