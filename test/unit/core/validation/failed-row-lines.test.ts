import { describe, expect, it } from 'vitest';

import { FailedRowLines } from '../../../../lambdas/core/validation/failed-row-lines';

// Failing rows go out as JSON Lines in blocks of about 1 MiB: every block holds whole lines, in
// the order they were added, and nothing is written until a block is full or flush is called.

describe('FailedRowLines', () => {
  it('writes whole lines in order, in blocks of at least 1 MiB until the last', async () => {
    // Arrange
    const blocks: string[] = [];
    const lines = new FailedRowLines((block) => {
      blocks.push(block.toString('utf8'));
      return Promise.resolve();
    });
    const rows = Array.from({ length: 20_000 }, (_, i) => ({
      row: i + 1,
      values: { id: String(i), note: 'é'.repeat(50) },
      broke: ['id_positive'],
    }));

    // Act
    for (const row of rows) await lines.add(row);
    const beforeFlush = blocks.length;
    await lines.flush();
    await lines.flush();

    // Assess
    expect(lines.count).toBe(rows.length);
    expect(beforeFlush).toBeGreaterThan(1);
    expect(blocks.length).toBe(beforeFlush + 1);
    for (const block of blocks) expect(block.endsWith('\n')).toBe(true);
    for (const block of blocks.slice(0, -1)) expect(block.length).toBeGreaterThanOrEqual(1 << 20);
    const written = blocks.join('').split('\n').slice(0, -1);
    expect(written.map((l) => JSON.parse(l) as unknown)).toEqual(rows);
  });

  it('writes nothing when no line was added, and takes encoded lines as they are', async () => {
    // Arrange
    const blocks: Buffer[] = [];
    const lines = new FailedRowLines((block) => Promise.resolve(blocks.push(block)));

    // Act
    await lines.flush();
    const empty = blocks.length;
    await lines.addLine('{"row":7,"values":{},"broke":[]}\n');
    await lines.flush();

    // Assess
    expect(empty).toBe(0);
    expect(blocks.map((b) => b.toString('utf8'))).toEqual(['{"row":7,"values":{},"broke":[]}\n']);
    expect(lines.count).toBe(1);
  });
});
