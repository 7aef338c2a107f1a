/**
 * JSON Lines ranges: consecutive, covering the object, each starting where a line starts, and
 * read by separate readers they give the records one reader gives, whatever the lines hold
 * (blank lines, CRLF, escaped line feeds and non-ASCII text inside strings).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bufferSource, byteRangeSource } from '../../../../lambdas/core/formats/byte-io';
import { planJsonLinesRanges } from '../../../../lambdas/core/formats/jsonl-ranges';
import { readJsonLines } from '../../../../lambdas/core/formats/jsonl-reader';
import type { RawCell } from '../../../../lambdas/core/formats/record-batch';

const utf8 = new TextEncoder();

async function recordsOf(stream: AsyncIterable<Uint8Array>, fromObjectStart = true): Promise<RawCell[][]> {
  const records: RawCell[][] = [];
  for await (const batch of readJsonLines(stream, { batchSize: 7, fromObjectStart })) {
    // Rows as objects by column name: a later range may see its columns in another order.
    for (const row of batch.rows) records.push(batch.columns.map((c, i) => `${c}=${String(row[i])}`));
  }
  return records.map((r) => r.filter((cell) => !String(cell).endsWith('=undefined')).sort());
}

const line = fc.oneof(
  fc
    .record({ id: fc.integer(), note: fc.string({ unit: 'grapheme', maxLength: 30 }) })
    .map((r) => JSON.stringify(r)),
  fc
    .record({ id: fc.integer(), note: fc.constantFrom('two\nlines', 'Zürich', 'tab\tand "quotes"') })
    .map((r) => JSON.stringify(r)),
  fc.constant(''),
  fc.constant('   '),
);

describe('planJsonLinesRanges', () => {
  it('plans consecutive ranges at line starts that read as one reader reads', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 80 }),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 200 }),
        async (lines, end, trailing, count, minRangeBytes) => {
          // Arrange: at least one record, so that one reader reads the object
          const text = [JSON.stringify({ id: 0, note: 'first' }), ...lines].join(end) + (trailing ? end : '');
          const bytes = utf8.encode(text);
          const source = bufferSource(bytes, 'o.jsonl', 13);

          // Act
          const ranges = await planJsonLinesRanges(source, count, { minRangeBytes, window: 8 });
          const byRanges: RawCell[][] = [];
          for (const r of ranges) {
            byRanges.push(
              ...(await recordsOf(byteRangeSource(source, r.start, r.end).stream(), r.start === 0)),
            );
          }

          // Assess
          expect(ranges.length).toBeGreaterThanOrEqual(1);
          expect(ranges.length).toBeLessThanOrEqual(count);
          expect(ranges[0]!.start).toBe(0);
          expect(ranges[ranges.length - 1]!.end).toBe(bytes.length);
          expect(ranges.every((r) => r.end > r.start)).toBe(true);
          expect(ranges.slice(1).map((r) => r.start)).toEqual(ranges.slice(0, -1).map((r) => r.end));
          expect(ranges.slice(1).map((r) => bytes[r.start - 1])).toEqual(ranges.slice(1).map(() => 10));
          expect(byRanges).toEqual(await recordsOf(source.stream()));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('splits a large object into about equal ranges', async () => {
    // Arrange: 1,000 lines of about 30 bytes
    const text = Array.from({ length: 1000 }, (_, i) =>
      JSON.stringify({ id: i, v: 'x'.repeat(i % 20) }),
    ).join('\n');
    const source = bufferSource(utf8.encode(text));

    // Act
    const ranges = await planJsonLinesRanges(source, 4, { minRangeBytes: 1000 });

    // Assess
    expect(ranges).toHaveLength(4);
    const sizes = ranges.map((r) => r.end - r.start);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThan(100);
  });

  it('gives up a split point with no line feed within the longest record, never cutting a line', async () => {
    // Arrange: a short line, one line of 1,009 bytes (past 4 bytes a character of a 100-character
    // record), a short line; cuts are tried at 341 and 683, both inside the long line
    const text = `{"a":1}\n{"a":"${'y'.repeat(1000)}"}\n{"a":2}\n`;
    const source = bufferSource(utf8.encode(text));

    // Act
    const ranges = await planJsonLinesRanges(source, 3, {
      minRangeBytes: 10,
      maxRecordLength: 100,
      window: 16,
    });

    // Assess: no line feed within 401 bytes of 341, so that split is given up; the one 335 bytes
    // after 683 ends the long line
    expect(ranges).toEqual([
      { start: 0, end: 1017 },
      { start: 1017, end: text.length },
    ]);
  });

  it('keeps a byte order mark at a range start a part of its line, as one reader does', async () => {
    // Arrange: a line starting with U+FEFF in the middle of the object, where the plan cuts
    const text = `{"a":1,"b":"xxxxxx"}\n\ufeff{"a":2}\n`;
    const bytes = utf8.encode(text);
    const source = bufferSource(bytes);
    const ranges = await planJsonLinesRanges(source, 2, { minRangeBytes: 1 });
    const second = ranges[1]!;

    // Act
    const whole = await recordsOf(source.stream()).catch((e: unknown) => e);
    const range = await recordsOf(byteRangeSource(source, second.start, second.end).stream(), false).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(second.start).toBe(21);
    expect(String(whole)).toContain('not valid JSON');
    expect(String(range)).toContain('not valid JSON');
  });
});
