/**
 * Arrow IPC ranges: an IPC file is planned into runs of record batches from its footer; a stream,
 * or a file whose footer does not list every message of its body, is planned as the whole object,
 * because a reader of the listed blocks would miss rows one reader of the whole file reads.
 */
import { Footer, FileBlock } from 'apache-arrow/ipc/metadata/file';
import { Table, tableFromArrays, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { arrowFileBlocks } from '../../../../lambdas/core/formats/arrow-lazy';
import { planArrowRanges } from '../../../../lambdas/core/formats/arrow-ranges';
import { readArrow } from '../../../../lambdas/core/formats/arrow-reader';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';

/** An IPC file of `batches` record batches of 10 rows (ids 1..). */
function fileOf(batches: number, format: 'file' | 'stream' = 'file'): Uint8Array {
  const rows = batches * 10;
  const whole = tableFromArrays({ id: Int32Array.from({ length: rows }, (_, i) => i + 1) }).batches[0]!;
  const parts = Array.from({ length: batches }, (_, b) => whole.slice(b * 10, b * 10 + 10));
  return tableToIPC(new Table(whole.schema, parts), format);
}

async function idsOf(bytes: Uint8Array, recordBatches?: { start: number; end: number }): Promise<number[]> {
  const ids: number[] = [];
  for await (const batch of readArrow(bufferSource(bytes), recordBatches ? { recordBatches } : {}))
    for (const row of batch.rows) ids.push(Number(row[0]));
  return ids;
}

describe('planArrowRanges', () => {
  it('plans runs of record batches that read, in order, as one reader reads', async () => {
    // Arrange
    const bytes = fileOf(7);

    // Act
    const ranges = await planArrowRanges(bufferSource(bytes), 3);
    const byRanges: number[] = [];
    for (const r of ranges) byRanges.push(...(await idsOf(bytes, r)));

    // Assess
    expect(ranges.map((r) => [r.start, r.end, r.blocks])).toEqual([
      [0, 3, true],
      [3, 5, true],
      [5, 7, true],
    ]);
    expect(byRanges).toEqual(await idsOf(bytes));
    expect(byRanges).toHaveLength(70);
  });

  it('plans a stream as the whole object', async () => {
    // Act
    const ranges = await planArrowRanges(bufferSource(fileOf(4, 'stream')), 4);

    // Assess
    expect(ranges).toEqual([{ start: 0, end: 0, blocks: false }]);
  });

  it('does not trust a footer that leaves a record batch of the body unlisted', async () => {
    // Arrange: the same file with a footer listing only its first two of three record batches
    const bytes = fileOf(3);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const footerLength = view.getInt32(bytes.byteLength - 10, true);
    const footerStart = bytes.byteLength - 10 - footerLength;
    const footer = Footer.decode(bytes.subarray(footerStart, bytes.byteLength - 10));
    const listed = [...footer.recordBatches()].slice(0, 2);
    const short = Footer.encode(
      new Footer(
        footer.schema,
        footer.version,
        listed.map((b) => new FileBlock(b.metaDataLength, b.bodyLength, b.offset)),
        [...footer.dictionaryBatches()],
      ),
    );
    const length = new Uint8Array(4);
    new DataView(length.buffer).setInt32(0, short.byteLength, true);
    const lying = Buffer.concat([bytes.subarray(0, footerStart), short, length, Buffer.from('ARROW1')]);

    // Act
    const blocks = await arrowFileBlocks(bufferSource(lying));
    const ranges = await planArrowRanges(bufferSource(lying), 2);

    // Assess: one reader of the whole file still reads all 30 rows
    expect(await arrowFileBlocks(bufferSource(bytes))).not.toBeNull();
    expect(blocks).toBeNull();
    expect(ranges).toEqual([{ start: 0, end: 0, blocks: false }]);
    expect(await idsOf(lying)).toHaveLength(30);
  });
});
