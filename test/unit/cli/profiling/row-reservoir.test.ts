/**
 * The reservoir behind `prt infer`'s sample: rows from the whole stream, the same rows for the same
 * seed, and a byte bound that holds by count of the bytes it keeps.
 */
import { describe, expect, it } from 'vitest';
import { cellBytes, RowReservoir } from '../../../../lib/cli/profiling/row-reservoir';

function offer(reservoir: RowReservoir, rows: number, cell: (i: number) => string | number): void {
  for (let i = 0; i < rows; i++) {
    const slot = reservoir.admits();
    if (slot !== undefined) reservoir.keep(slot, [cell(i)]);
  }
}

describe('RowReservoir', () => {
  it('keeps every row while they fit', () => {
    // Prepare
    const reservoir = new RowReservoir(10, 1_000_000, 1);

    // Act
    offer(reservoir, 7, (i) => i);

    // Assess
    expect(reservoir.complete).toBe(true);
    expect(reservoir.rows().map((r) => r.cells[0])).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('samples the whole stream, each tenth of it about equally', () => {
    // Prepare
    const reservoir = new RowReservoir(1_000, 100_000_000, 7);

    // Act
    offer(reservoir, 100_000, (i) => i);
    const tenths = new Array<number>(10).fill(0);
    for (const row of reservoir.rows()) tenths[Math.floor(row.index / 10_000)]!++;

    // Assess: 100 expected per tenth; the bounds are 5 standard deviations wide
    expect(reservoir.complete).toBe(false);
    expect(reservoir.rows()).toHaveLength(1_000);
    for (const n of tenths) {
      expect(n).toBeGreaterThan(50);
      expect(n).toBeLessThan(150);
    }
  });

  it('draws the same rows for the same seed', () => {
    // Prepare
    const a = new RowReservoir(50, 1_000_000, 42);
    const b = new RowReservoir(50, 1_000_000, 42);

    // Act
    offer(a, 5_000, (i) => i);
    offer(b, 5_000, (i) => i);

    // Assess
    expect(b.rows().map((r) => r.index)).toEqual(a.rows().map((r) => r.index));
  });

  it('keeps its rows within the byte bound by evicting at random, and says it shrank', () => {
    // Prepare: rows of one 100-character cell; room for about 20 of them
    const maxBytes = 20 * (32 + 8 + cellBytes('x'.repeat(100)));
    const reservoir = new RowReservoir(1_000, maxBytes, 3);

    // Act
    offer(reservoir, 10_000, () => 'x'.repeat(100));
    const rows = reservoir.rows();

    // Assess
    expect(reservoir.shrunk).toBe(true);
    expect(rows.reduce((sum, r) => sum + r.bytes, 0)).toBeLessThanOrEqual(maxBytes);
    expect(rows.length).toBeGreaterThanOrEqual(19);
    expect(rows.at(-1)!.index).toBeGreaterThan(5_000);
  });
});
