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
