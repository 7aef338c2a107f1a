import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { csvRangeSource, planCsvRanges } from '../../../../lambdas/core/formats/csv-ranges';
import { readCsv, type CsvReadOptions } from '../../../../lambdas/core/formats/csv-reader';
import type { RawCell } from '../../../../lambdas/core/formats/record-batch';

interface Dialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly escape: string;
}

const RFC: Dialect = { delimiter: ',', quote: '"', escape: '"' };
const BACKSLASH: Dialect = { delimiter: ';', quote: "'", escape: '\\' };

/** A cell as written: null is an empty unquoted field; text is quoted when it must be (or at random). */
type Cell = { readonly text: string | null; readonly forceQuote: boolean };

function field(cell: Cell, d: Dialect): string {
  if (cell.text === null) return '';
  const special = [d.delimiter, d.quote, d.escape, '\n', '\r'].some((c) => cell.text!.includes(c));
  if (!special && !cell.forceQuote && cell.text !== '') return cell.text;
  let body = '';
  for (const ch of cell.text) {
    if (d.escape === d.quote) body += ch === d.quote ? ch + ch : ch;
    else body += ch === d.quote || ch === d.escape ? d.escape + ch : ch;
  }
  return d.quote + body + d.quote;
}

function serialize(
  columns: number,
  rows: readonly (readonly Cell[])[],
  ends: readonly string[],
  d: Dialect,
  trailing: boolean,
): string {
  const header = Array.from({ length: columns }, (_, i) => `c${i}`).join(d.delimiter);
  const lines = [header, ...rows.map((r) => r.map((c) => field(c, d)).join(d.delimiter))];
  let out = '';
  lines.forEach((l, i) => {
    out += l;
    if (i < lines.length - 1 || trailing) out += ends[i % ends.length]!;
  });
  return out;
}

async function rowsOf(
  stream: AsyncIterable<Uint8Array>,
  options: CsvReadOptions,
): Promise<{ rows: (readonly RawCell[])[]; numbers: number[] }> {
  const rows: (readonly RawCell[])[] = [];
  const numbers: number[] = [];
  for await (const b of readCsv(stream, { ...options, batchSize: 7 })) {
    b.rows.forEach((r, i) => {
      rows.push(r);
      numbers.push(b.firstRow + i);
    });
  }
  return { rows, numbers };
}

/** Reads every range (header prepended) and numbers its rows after the rows of the ranges before it. */
async function readRanges(
  bytes: Uint8Array,
  count: number,
  options: CsvReadOptions & { window?: number; checkRows?: number; maxRowBytes?: number },
): Promise<{ rows: (readonly RawCell[])[]; numbers: number[]; ranges: number }> {
  const source = bufferSource(bytes, 'x.csv', 5);
  const plan = await planCsvRanges(source, count, { ...options, minRangeBytes: 1 });
  const rows: (readonly RawCell[])[] = [];
  const numbers: number[] = [];
  for (let i = 0; i < plan.ranges.length; i++) {
    const part = await rowsOf(csvRangeSource(source, plan, i).stream(), options);
    const offset = rows.length;
    rows.push(...part.rows);
    numbers.push(...part.numbers.map((n) => n + offset));
  }
  // The ranges tile the body: consecutive, from the header's end to the object's.
  expect(plan.ranges[0]!.start).toBe(plan.headerEnd);
  expect(plan.ranges[plan.ranges.length - 1]!.end).toBe(bytes.byteLength);
  plan.ranges.slice(1).forEach((r, i) => expect(r.start).toBe(plan.ranges[i]!.end));
  return { rows, numbers, ranges: plan.ranges.length };
}

const text = fc.string({
  unit: fc.constantFrom('a', 'b', 'é', '1', ' ', ',', ';', '"', "'", '\\', '\n', '\r', '\r\n'),
  maxLength: 12,
});
const cell: fc.Arbitrary<Cell> = fc.record({
  text: fc.option(text, { nil: null, freq: 4 }),
  forceQuote: fc.boolean(),
});

describe('planCsvRanges', () => {
  for (const [name, dialect] of [
    ['RFC 4180 (doubled quotes)', RFC],
    ['semicolon, single quote, backslash escape', BACKSLASH],
  ] as const) {
    it(`ranges read with the header prepended give the whole file's rows, ${name}`, async () => {
      let runs = 0;
      let splitRuns = 0;
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }).chain((columns) =>
            fc.record({
              columns: fc.constant(columns),
              rows: fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { maxLength: 40 }),
              ends: fc.array(fc.constantFrom('\n', '\r\n', '\r'), { minLength: 1, maxLength: 3 }),
              trailing: fc.boolean(),
              count: fc.integer({ min: 1, max: 6 }),
              window: fc.integer({ min: 1, max: 64 }),
              checkRows: fc.integer({ min: 1, max: 4 }),
            }),
          ),
          async (t) => {
            const csv = serialize(t.columns, t.rows, t.ends, dialect, t.trailing);
            const bytes = Buffer.from(csv, 'utf8');
            const options = { delimiter: dialect.delimiter, quote: dialect.quote, escape: dialect.escape };
            const whole = await rowsOf(bufferSource(bytes, 'x.csv', 5).stream(), options);
            const split = await readRanges(bytes, t.count, {
              ...options,
              window: t.window,
              checkRows: t.checkRows,
              maxRowBytes: 4096,
            });
            expect(split.rows).toEqual(whole.rows);
            expect(split.numbers).toEqual(whole.numbers);
            expect(split.ranges).toBeLessThanOrEqual(t.count);
            runs++;
            if (split.ranges > 1) splitRuns++;
          },
        ),
        { numRuns: 300 },
      );
      // The property is about split files: most generated files must actually be split.
      expect(splitRuns).toBeGreaterThan(runs / 3);
    });
  }

  it('never starts a range with an LF after a header that ends in a lone CR', async () => {
    // Prepended to such a range, the header's CR and the range's LF would read as one line end,
    // and the blank line (a row of one null in a one-column table) would be lost.
    const bytes = Buffer.from("c0\r''\n\n");
    const options = { delimiter: ';', quote: "'", escape: '\\' };
    const whole = await rowsOf(bufferSource(bytes).stream(), options);
    const split = await readRanges(bytes, 2, { ...options, window: 1, checkRows: 1 });
    expect(whole.rows).toEqual([[''], [null]]);
    expect(split.rows).toEqual(whole.rows);
  });

  it('splits a file whose quoted fields hold line ends and delimiters into the ranges asked for', async () => {
    const lines = ['id,note,amount'];
    for (let i = 0; i < 4000; i++)
      lines.push(i % 3 === 0 ? `${i},"multi\nline, ""quoted""\n${i}",${i}.5` : `${i},plain ${i},${i}`);
    const bytes = Buffer.from(lines.join('\n') + '\n');
    const whole = await rowsOf(bufferSource(bytes).stream(), {});
    const split = await readRanges(bytes, 4, { window: 64 });
    expect(split.ranges).toBe(4);
    expect(split.rows).toEqual(whole.rows);
    expect(whole.rows).toHaveLength(4000);
  });

  it('splits a file without any quote, the inside-quotes reading ruled out by the row limit', async () => {
    const lines = ['a,b'];
    for (let i = 0; i < 3000; i++) lines.push(`${i},${i * 2}`);
    const bytes = Buffer.from(lines.join('\r\n'));
    const split = await readRanges(bytes, 3, { maxRowBytes: 1000 });
    expect(split.ranges).toBe(3);
    expect(split.rows).toHaveLength(3000);
  });

  it('gives up a split it cannot settle: fewer ranges, never a wrong one', async () => {
    // One column of quoted two-line values, with bare quotes allowed as text: from a line start,
    // `b"` then `"a` reads consistently both as the end of a quoted value and as a value of its
    // own, so no split point can be settled.
    const lines = ['only'];
    for (let i = 0; i < 300; i++) lines.push('"a', 'b"');
    const bytes = Buffer.from(lines.join('\n'));
    const options = { lenientQuotes: true };
    const plan = await planCsvRanges(bufferSource(bytes), 4, { ...options, minRangeBytes: 1 });
    expect(plan.ranges).toEqual([{ start: plan.headerEnd, end: bytes.byteLength }]);
    const whole = await rowsOf(bufferSource(bytes).stream(), options);
    expect(whole.rows).toHaveLength(300);
    expect(whole.rows[0]).toEqual(['a\nb']);
  });

  it('keeps a byte order mark with the header, which every range then starts with', async () => {
    const lines = ['\ufeffid,name'];
    for (let i = 0; i < 400; i++) lines.push(`${i},"n\n${i}"`);
    const bytes = Buffer.from(lines.join('\r\n'));
    const whole = await rowsOf(bufferSource(bytes).stream(), {});
    const split = await readRanges(bytes, 3, {});
    expect(split.ranges).toBe(3);
    expect(split.rows).toEqual(whole.rows);
    expect(whole.rows[0]).toEqual(['0', 'n\n0']);
  });

  it('keeps small objects in one range and header-only files whole', async () => {
    const small = Buffer.from('a,b\n1,2\n3,4\n');
    expect((await planCsvRanges(bufferSource(small), 4)).ranges).toHaveLength(1);
    const headerOnly = Buffer.from('a,b\n');
    const plan = await planCsvRanges(bufferSource(headerOnly), 4, { minRangeBytes: 1 });
    expect(plan.ranges).toEqual([{ start: 0, end: headerOnly.byteLength }]);
  });

  it('plans a file without a header from the schema columns', async () => {
    const lines: string[] = [];
    for (let i = 0; i < 500; i++) lines.push(`${i},"x,${i}"`);
    const bytes = Buffer.from(lines.join('\n'));
    const options = { header: false, columns: ['n', 's'] };
    const whole = await rowsOf(bufferSource(bytes).stream(), options);
    const split = await readRanges(bytes, 3, options);
    expect(split.ranges).toBe(3);
    expect(split.rows).toEqual(whole.rows);
  });
});
