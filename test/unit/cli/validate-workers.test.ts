/**
 * `prt validate --workers <n>`: the same document as one thread (moments up to rounding), and a
 * worker count that is not a whole number from 1 to 64 is a usage error.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { registerValidateCommand } from '../../../lib/cli/validate-command';
import { runPrt } from '../../fixtures/prt-in-process';
import { captureCli } from '../../fixtures/cli-capture';

const { folder, out } = captureCli('prt-workers-');

const CONTRACT = `
pipeline: p
step: s
output: o
path: x/
format: csv
schema:
  - { name: id, type: int64, nullable: false }
  - { name: amount, type: float64 }
  - { name: note, type: string }
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, threshold: 0.99 }
`;

/** About 2.6 MB: past the 1 MiB a range must hold, so two workers get a range each. */
function files(): { csv: string; contract: string } {
  const lines = ['id,amount,note'];
  for (let i = 1; i <= 60_000; i++)
    lines.push(`${i},${i % 97 === 0 ? '-1' : (i / 7).toFixed(2)},${i % 5 === 0 ? '"a, ""b""\nc"' : 'plain'}`);
  const csv = join(folder, 'in.csv');
  writeFileSync(csv, `${lines.join('\n')}\n`);
  const contract = join(folder, 'c.yaml');
  writeFileSync(contract, CONTRACT);
  return { csv, contract };
}

/** The printed document without what differs by run (time) or by rounding (merged moments). */
function documentOf(text: string): unknown {
  const {
    validatedAt: _t,
    profile,
    ...rest
  } = JSON.parse(text) as {
    validatedAt: string;
    profile: Record<string, unknown>[];
  };
  return { ...rest, profile: profile.map(({ mean: _m, stddev: _s, ...column }) => column) };
}

describe('prt validate --workers', () => {
  it('prints the document one thread prints', async () => {
    const { csv, contract } = files();
    const prt = (...args: string[]): Promise<number> => runPrt([registerValidateCommand], args);

    expect(await prt('validate', csv, '--contract', contract, '--json')).toBe(1);
    const one = documentOf(out.join('\n'));
    out.length = 0;
    expect(await prt('validate', csv, '--contract', contract, '--json', '--workers', '2')).toBe(1);
    const two = documentOf(out.join('\n'));

    expect(two).toEqual(one);
    expect((one as { rowCount: number }).rowCount).toBe(60_000);
  });

  it('refuses a worker count that is not a whole number from 1 to 64', async () => {
    const { csv, contract } = files();
    await expect(
      runPrt([registerValidateCommand], ['validate', csv, '--contract', contract, '--workers', '0']),
    ).rejects.toThrow(/whole number from 1 to 64/);
  });
});
