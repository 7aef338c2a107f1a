/**
 * `prt contract export --to odcs|jsonschema` and `prt contract import`: a contract written out and
 * read back is the same contract; an import names on stderr what prt does not use; `prt contract
 * check` loads an ODCS file and prints the same warnings.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { parseContract } from '../../../lambdas/core/contracts';
import { registerContractCommands } from '../../../lib/cli/contract-command';
import { runPrt } from '../../fixtures/prt-in-process';
import { captureCli } from '../../fixtures/cli-capture';

const TRAINING_DATA = join(import.meta.dirname, '../../../contracts/sales-preprocessing-training_data.yaml');

const { folder: dir, out, err } = captureCli('prt-contract-standard-', { stdout: true });

function prt(...args: string[]): Promise<number> {
  return runPrt([registerContractCommands], ['contract', ...args]);
}

describe('prt contract export and import', () => {
  it('exports to ODCS and imports back the same contract', async () => {
    // Arrange
    const odcsFile = join(dir, 'training_data.odcs.yaml');
    const prtFile = join(dir, 'training_data.yaml');

    // Act
    const exported = await prt(
      'export',
      '--to',
      'odcs',
      '--bucket',
      'acme-outputs',
      '--out',
      odcsFile,
      TRAINING_DATA,
    );
    const imported = await prt('import', odcsFile, '--out', prtFile);

    // Assess
    expect([exported, imported]).toEqual([0, 0]);
    const doc = parse(readFileSync(odcsFile, 'utf8')) as {
      apiVersion: string;
      servers: { location: string }[];
    };
    expect(doc.apiVersion).toBe('v3.1.0');
    expect(doc.servers[0]!.location).toBe(
      's3://acme-outputs/pipelines/sales/%7Brun_id%7D/preprocessing/training_data/',
    );
    expect(parseContract(readFileSync(prtFile, 'utf8'), prtFile)).toEqual(
      parseContract(readFileSync(TRAINING_DATA, 'utf8'), TRAINING_DATA),
    );
    expect(err).toEqual([
      `warn ${odcsFile}: line 13: servers[0].location: 'acme-outputs' is not kept: a prt contract names keys, and each environment's outputs bucket is watched`,
    ]);
  });

  it('prints the JSON Schema of one record', async () => {
    // Act
    const code = await prt('export', '--to', 'jsonschema', TRAINING_DATA);

    // Assess
    expect(code).toBe(0);
    const schema = JSON.parse(out.join('')) as { required: string[]; properties: Record<string, unknown> };
    expect(schema.required).toEqual(['order_id', 'customer_id', 'ordered_at']);
    expect(Object.keys(schema.properties)).toEqual([
      'order_id',
      'customer_id',
      'purchase_amount',
      'ordered_at',
    ]);
  });

  it('refuses an unknown export target, and an ODCS document it cannot read, with exit 2', async () => {
    // Arrange
    const odcsFile = join(dir, 'tables.odcs.yaml');
    writeFileSync(
      odcsFile,
      'apiVersion: v3.1.0\nkind: DataContract\nschema:\n  - name: t\n    properties: [{ name: a, logicalType: time }]\n',
    );

    // Act
    const target = await prt('export', '--to', 'avro', TRAINING_DATA).catch((error: Error) => error.message);
    const imported = await prt('import', odcsFile, '--pipeline', 'p', '--step', 's', '--path', 'k/');

    // Assess
    expect(target).toMatch(/odcs or jsonschema/);
    expect(imported).toBe(2);
    expect(err.at(-1)).toMatch(
      /^prt contract import: .*line 5: schema\[0\]\.properties\[0\]\.logicalType: 'time' has no prt column type/,
    );
  });

  it('prints prt YAML on stdout and the unmapped parts on stderr', async () => {
    // Arrange
    const odcsFile = join(dir, 'orders.odcs.yaml');
    writeFileSync(
      odcsFile,
      [
        'apiVersion: v3.0.2',
        'kind: DataContract',
        'id: orders',
        'version: 1.0.0',
        'status: active',
        'name: ingestion',
        'domain: sales',
        'tenant: acme',
        'servers:',
        '  - { server: lake, type: s3, location: "s3://lake/orders/{run_id}/", format: csv }',
        'schema:',
        '  - name: orders',
        '    properties:',
        '      - { name: id, logicalType: string, required: true }',
        '      - name: amount',
        '        logicalType: number',
        '        quality:',
        '          - { metric: rowCount, mustBeGreaterThan: 0 }',
        '          - { metric: nullValues, mustBeLessOrEqualTo: 1, unit: percent }',
        '',
      ].join('\n'),
    );

    // Act
    const code = await prt('import', odcsFile);

    // Assess
    expect(code).toBe(0);
    const file = parse(out.join('')) as Record<string, unknown>;
    expect(file).toMatchObject({
      pipeline: 'sales',
      step: 'ingestion',
      output: 'orders',
      path: 'orders/{run_id}/',
      format: 'csv',
    });
    expect(file.quality).toEqual([
      {
        name: 'amount_nullValues',
        field: 'amount',
        condition: 'not_null',
        threshold: 0.99,
        severity: 'error',
      },
    ]);
    expect(err).toEqual([
      expect.stringContaining('line 10: servers[0].location:'),
      `warn ${odcsFile}: line 18: schema[0].properties[1].quality[0]: not mapped: prt has no row-count rule`,
      `warn ${odcsFile}: line 8: tenant: not mapped: prt does not use it`,
    ]);
  });

  it('checks an ODCS file with prt contract check, naming what prt does not use', async () => {
    // Arrange
    const odcsFile = join(dir, 'training_data.odcs.yaml');
    await prt('export', '--to', 'odcs', '--out', odcsFile, TRAINING_DATA);

    // Act
    const code = await prt('check', odcsFile);

    // Assess
    expect(code).toBe(1);
    expect(out.some((line) => line.startsWith(`warn ${odcsFile}: line 13: servers[0].location:`))).toBe(true);
    // Its input is produced by no contract in the temporary folder: the check still follows edges.
    expect(
      out.some((line) => line.includes("inputs[0]: 'ingestion/raw_orders' is produced by no contract here")),
    ).toBe(true);
  });
});
