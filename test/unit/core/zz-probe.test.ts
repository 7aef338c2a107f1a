import { describe, expect, it } from 'vitest';
import { readCsv } from '../../../lambdas/core/formats/csv-reader';
async function* chunks(...parts: (string | Uint8Array)[]) { for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p; }
describe('probe', () => {
  it('batchSize single chunk', async () => {
    const sizes: number[] = [];
    for await (const b of readCsv(chunks('id\n1\n2\n3\n4\n5\n'), { batchSize: 2 })) sizes.push(b.rows.length);
    expect(sizes).toEqual([2, 2, 1]);
  });
  it('utf8 exact offset', async () => {
    await expect(async () => { for await (const _ of readCsv(chunks(Buffer.concat([Buffer.from('id,name\n1,'), Uint8Array.of(0xff), Buffer.from('\n')])))) void _; }).rejects.toMatchObject({ location: { byteOffset: 10 } });
  });
});
import { validateRecords } from '../../../lambdas/core/validation/validate-records';
describe('probe header only', () => {
  it('header-only csv missing required column', async () => {
    const report = await validateRecords({ pipeline: 'p', step: 's', output: 'o', path: 'a/', format: 'csv', compatibility: 'compatible', inputs: [], allowExtraColumns: false, schema: [{ name: 'id', type: 'string', nullable: false }], quality: [] }, readCsv(chunks('x,y\n')));
    expect(report.status).toBe('failed');
  });
});
describe('probe bigint precision', () => {
  it('between max 2^53', async () => {
    const report = await validateRecords({ pipeline: 'p', step: 's', output: 'o', path: 'a/', format: 'csv', compatibility: 'compatible', inputs: [], allowExtraColumns: false, schema: [{ name: 'id', type: 'int64', nullable: false }], quality: [{ name: 'r', type: 'accuracy', field: 'id', condition: { kind: 'between', min: 1, max: 2 ** 53 }, threshold: 1, severity: 'error' }] }, readCsv(chunks('id\n9007199254740993\n')));
    expect(report.rules[0]?.passed).toBe(0);
  });
});
