import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { parseContract } from '../../../lambdas/core/contracts/parse-contract';
import { parseOutputName, registerInferCommand } from '../../../lib/cli/infer-command';
import { runPrt } from '../../fixtures/prt-in-process';
import { captureCli } from '../../fixtures/cli-capture';

function prt(...args: string[]): Promise<number> {
  return runPrt([registerInferCommand], ['infer', ...args]);
}

const { folder, out, err } = captureCli('prt-infer-', { stdout: true });

describe('prt infer', () => {
  it('Compliance: prints a draft that loads, or writes it with --out', async () => {
    // Prepare
    const sample = join(folder, 'orders.csv');
    writeFileSync(sample, 'id,channel\n1,web\n2,web\n3,app\n4,app\n');
    const target = join(folder, 'orders.yaml');

    // Act
    const printed = await prt(sample, '--name', 'sales/prep/orders');
    const printedYaml = out.join('');
    out.length = 0;
    const written = await prt(sample, '--name', 'sales/prep/orders', '--out', target, '--sample-rows', 'all');

    // Assess
    expect(printed).toBe(0);
    expect(parseContract(printedYaml, 'stdout').output).toBe('orders');
    expect(err.join('\n')).toContain('prt infer: drafted sales/prep/orders: 2 columns');
    expect(written).toBe(0);
    expect(parseContract(readFileSync(target, 'utf8'), target).schema.map((c) => c.name)).toEqual([
      'id',
      'channel',
    ]);
    expect(out.join('\n')).toContain(
      `wrote ${target}: sales/prep/orders: 2 columns, 1 suggested rule, from all 4 rows`,
    );
  });

  it('Noncompliance 1: an existing --out is not overwritten without --force (exit 2)', async () => {
    // Prepare
    const sample = join(folder, 'a.csv');
    writeFileSync(sample, 'id\n1\n');
    const target = join(folder, 'edited.yaml');
    writeFileSync(target, '# edited by hand\n');

    // Act
    const refused = await prt(sample, '--out', target);
    const forced = await prt(sample, '--out', target, '--force');

    // Assess
    expect(refused).toBe(2);
    expect(err.join('\n')).toContain('exists: pass --force to overwrite it');
    expect(forced).toBe(0);
    expect(readFileSync(target, 'utf8')).toContain('# Draft contract by `prt infer`');
  });

  it.each([
    [['missing.csv'], 'ENOENT'],
    [['x.csv', '--name', 'only/two'], "--name 'only/two' must be pipeline/step/output"],
    [['x.csv', '--sample-rows', '0'], "--sample-rows '0' must be a positive integer or 'all'"],
    [['x.csv', '--from', 'xml'], "--from 'xml' is not one of"],
    [['x.csv', '--delimiter', ';;'], '--delimiter must be one character'],
    [['empty.csv'], 'FormatError'],
  ])('Noncompliance 2: %j is a usage or input error (exit 2)', async (args, message) => {
    // Prepare
    writeFileSync(join(folder, 'x.csv'), 'a\n1\n');
    writeFileSync(join(folder, 'empty.csv'), '');
    const [file, ...rest] = args;

    // Act
    const code = await prt(join(folder, file!), ...rest);

    // Assess
    expect(code).toBe(2);
    expect(err.join('\n')).toContain(message);
  });

  it('Compliance: parseOutputName splits pipeline/step/output', () => {
    expect(parseOutputName('sales/prep/orders')).toEqual({
      pipeline: 'sales',
      step: 'prep',
      output: 'orders',
    });
    expect(() => parseOutputName('sales/prep/or ders')).toThrow('must be pipeline/step/output');
  });
});
