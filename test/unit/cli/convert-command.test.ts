/**
 * `prt convert` says how many source columns its proof covers, and names every renamed column.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { registerConvertCommand } from '../../../lib/cli/convert-command';
import { runPrt } from '../../fixtures/prt-in-process';
import { captureCli } from '../../fixtures/cli-capture';

function prt(...args: string[]): Promise<number> {
  return runPrt([registerConvertCommand], ['convert', ...args]);
}

const { folder, out, err } = captureCli('prt-convert-');

describe('prt convert', () => {
  it('counts every source column in its proof, the ones the contract does not list included', async () => {
    // Prepare
    const input = join(folder, 'in.csv');
    writeFileSync(input, ',station,temp,wind,at\n0,A,21.5,3,2024-06-01\n1,B,,7,2024-06-02\n');
    const contract = join(folder, 'c.yaml');
    writeFileSync(
      contract,
      [
        'pipeline: weather',
        'step: clean',
        'output: readings',
        'path: readings/',
        'schema:',
        '  - { name: station, type: string, nullable: false }',
        '  - { name: temp, type: float64 }',
        '  - { name: at, type: date }',
        '',
      ].join('\n'),
    );

    // Act
    const code = await prt(input, join(folder, 'out.parquet'), '--contract', contract);

    // Assess
    expect(err).toEqual([]);
    expect(code).toBe(0);
    const printed = out.join('\n');
    expect(printed).toContain("renamed    '' → 'column_1' (input column 1 has no name)");
    expect(printed).toContain('checksums  equal for all 5 of 5 source columns');
    expect(printed).toContain(
      'columns    column_1:string, station:string, temp:float64, wind:string, at:date',
    );
  });
});
