/**
 * Validating a CSV or a Parquet file on several lanes gives the one-pass report and the same
 * failing rows in the same order with the same row numbers; what a lane cannot validate alone goes
 * through one pass, so errors keep their location in the file.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseContract } from '../../../lambdas/core/contracts/parse-contract';
import { FormatError } from '../../../lambdas/core/errors';
import type { ColumnSpec } from '../../../lambdas/core/contracts/output-contract';
import { createParquetWriter } from '../../../lambdas/core/formats/parquet-writer';
import type { TypedRow } from '../../../lambdas/core/formats/table-io';
import { fileSink, fileSource } from '../../../lambdas/core/storage/file-byte-io';
import { runValidation } from '../../../lambdas/core/validation/run-validation';
import type { ValidationReport } from '../../../lambdas/core/validation/validation-report';
import { guidedRanges, runParallelValidation } from '../../../lib/cli/parallel-validation';

const dir = mkdtempSync(join(tmpdir(), 'prt-parallel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CONTRACT = `
pipeline: p
step: s
output: orders
path: x/
format: csv
schema:
  - { name: id, type: int64, nullable: false }
  - { name: customer, type: int64 }
  - { name: amount, type: float64 }
  - { name: at, type: timestamp }
  - { name: note, type: string }
  - { name: category, type: string, allowed: [a, b, c] }
quality:
  - { name: amount_positive, field: amount, condition: greater_than, value: 0, threshold: 0.9 }
  - { name: customer_in_range, field: customer, condition: between, value: [1, 900], threshold: 0.9 }
  - { name: note_present, field: note, condition: not_null, threshold: 0.5, severity: warn }
  - { name: cheap, condition: expression, expression: 'amount < 500 or is_null(amount)', threshold: 0.5 }
`;
const contract = parseContract(CONTRACT, 'parallel-test');

/** Deterministic rows: some failing, quoted notes holding delimiters, line ends and quotes. */
function ordersCsv(rows: number): string {
  // `extra` is not in the contract: graded as an extra column, and carried in quarantined rows.
  const out = ['id,customer,amount,at,note,category,extra'];
  let seed = 12345;
  const next = (): number => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const notes = ['', 'plain', '"with, comma"', '"two\nlines"', '"say ""hi"""', '"tail\r\nline, and ""q"""'];
  for (let i = 1; i <= rows; i++) {
    const customer = next() < 0.01 ? 'x12' : String(Math.floor(next() * 1000));
    const amount = next() < 0.03 ? '' : (next() * 600 - 20).toFixed(2);
    const at = new Date(Date.UTC(2026, 0, 1) + Math.floor(next() * 1e10)).toISOString();
    const note = notes[Math.floor(next() * notes.length)]!;
    const category = next() < 0.02 ? 'z' : ['a', 'b', 'c'][i % 3]!;
    out.push(`${i},${customer},${amount},${at},${note},${category},x${i % 7}`);
  }
  return `${out.join('\n')}\n`;
}

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** The report without mean and standard deviation, which merged moments give up to rounding. */
function withoutMoments(report: ValidationReport): unknown {
  return { ...report, profile: report.profile?.map(({ mean: _m, stddev: _s, ...rest }) => rest) };
}

function expectSameReport(actual: ValidationReport, expected: ValidationReport): void {
  expect(withoutMoments(actual)).toEqual(withoutMoments(expected));
  actual.profile!.forEach((p, i) => {
    const e = expected.profile![i]!;
    for (const key of ['mean', 'stddev'] as const) {
      if (e[key] === undefined) expect(p[key]).toBeUndefined();
      else expect(Math.abs(p[key]! - e[key]) / Math.max(1, Math.abs(e[key]))).toBeLessThan(1e-12);
    }
  });
}

async function onePass(
  path: string,
  quarantine?: string,
): Promise<ValidationReport & { quarantined: number }> {
  const run = await runValidation(contract, fileSource(path), {
    openSource: fileSource,
    ...(quarantine ? { quarantineSink: () => fileSink(quarantine) } : {}),
  });
  return { ...run.report, quarantined: run.quarantinedRows };
}

describe('runParallelValidation', () => {
  const csv = write('orders.csv', ordersCsv(3000));

  it('gives the one-pass report and failing rows, on 2 and on 3 workers', async () => {
    const { quarantined, ...expected } = await onePass(csv, join(dir, 'one.jsonl'));
    expect(expected.failedRowCount).toBeGreaterThan(100);
    expect(quarantined).toBe(expected.failedRowCount);
    for (const workers of [2, 3]) {
      const out = join(dir, `w${workers}.jsonl`);
      const run = await runParallelValidation(contract, csv, {
        workers,
        minRangeBytes: 1024,
        openSource: fileSource,
        quarantineSink: () => fileSink(out),
      });
      expect(run.onePassBecause).toBeUndefined();
      expect(run.lanes).toBe(workers);
      // Several ranges per lane, handed out as lanes come free.
      expect(run.ranges).toBeGreaterThan(workers);
      expect(run.rangesByLane).toHaveLength(workers);
      expect(run.rangesByLane.reduce((a, b) => a + b, 0)).toBe(run.ranges);
      // The timeline names each range's lane, in the counts above, and the rows add up.
      const timeline = run.timeline!;
      expect(timeline.ranges).toHaveLength(run.ranges);
      for (let lane = 0; lane < workers; lane++)
        expect(timeline.ranges.filter((r) => r.lane === lane)).toHaveLength(run.rangesByLane[lane]!);
      expect(timeline.ranges.reduce((a, r) => a + r.rows, 0)).toBe(expected.rowCount);
      for (const r of timeline.ranges) expect(r.endMs).toBeGreaterThanOrEqual(r.startMs);
      expect(timeline.workerReadyMs).toHaveLength(workers - 1);
      expectSameReport(run.report, expected);
      expect(run.quarantinedRows).toBe(quarantined);
      expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'one.jsonl'), 'utf8'));
    }
  });

  it('gives the one-pass report from a worker thread that validates every range', async () => {
    const { quarantined, ...expected } = await onePass(csv, join(dir, 'one-lane.jsonl'));
    const out = join(dir, 'thread.jsonl');
    const run = await runParallelValidation(contract, csv, {
      workers: 2,
      thisThreadValidates: false,
      minRangeBytes: 1024,
      openSource: fileSource,
      quarantineSink: () => fileSink(out),
    });
    expect(run.onePassBecause).toBeUndefined();
    expect(run.ranges).toBeGreaterThan(1);
    expect(run.rangesByLane).toEqual([0, run.ranges]);
    expectSameReport(run.report, expected);
    expect(run.quarantinedRows).toBe(quarantined);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'one-lane.jsonl'), 'utf8'));
  });

  it('reports a malformed row as one pass does: same error, same location in the file', async () => {
    const lines = ordersCsv(3000).split('\n');
    lines[2500] = '2500,1,2.00,2026-01-01T00:00:00Z,one field short,a';
    const bad = write('bad.csv', lines.join('\n'));
    const expected = await onePass(bad).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(expected).toBeInstanceOf(FormatError);
    const actual = await runParallelValidation(contract, bad, {
      workers: 2,
      minRangeBytes: 1024,
      openSource: fileSource,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(actual).toBeInstanceOf(FormatError);
    const fields = (e: unknown): unknown => {
      const f = e as FormatError;
      return { message: f.message, location: f.location };
    };
    expect(fields(actual)).toEqual(fields(expected));
  });

  it('validates in one pass what ranges cannot check alone: uniqueness across the file', async () => {
    const unique = parseContract(
      CONTRACT.replace(
        '{ name: id, type: int64, nullable: false }',
        '{ name: id, type: int64, nullable: false, unique: true }',
      ),
      'unique-test',
    );
    const run = await runParallelValidation(unique, csv, {
      workers: 2,
      minRangeBytes: 1024,
      openSource: fileSource,
    });
    expect(run.ranges).toBe(1);
    expect(run.onePassBecause).toMatch(/unique/);
    expect(run.report.rowCount).toBe(3000);
  });

  it('validates in one pass a file too small to split', async () => {
    const small = write('small.csv', ordersCsv(5));
    const run = await runParallelValidation(contract, small, { workers: 2, openSource: fileSource });
    expect(run.ranges).toBe(1);
    expectSameReport(run.report, await onePass(small).then(({ quarantined: _q, ...r }) => r));
  });

  it('gives the one-pass report and failing rows for a Parquet file, a run of row groups per range', async () => {
    const parquetContract = parseContract(CONTRACT.replace('format: csv', 'format: parquet'), 'pq-test');
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'customer', type: 'int64', nullable: true },
      { name: 'amount', type: 'float64', nullable: true },
      { name: 'at', type: 'timestamp', unit: 'us', nullable: true },
      { name: 'note', type: 'string', nullable: true },
      { name: 'category', type: 'string', nullable: true },
      { name: 'extra', type: 'string', nullable: true },
    ];
    const rows: TypedRow[] = [];
    for (let i = 1; i <= 3000; i++) {
      rows.push([
        i,
        i % 97 === 0 ? 950 : i % 1000,
        i % 31 === 0 ? null : ((i * 37) % 600) - 20 + 0.25,
        BigInt(Date.UTC(2026, 0, 1) + i * 60_000) * 1000n,
        i % 3 === 0 ? null : `note ${i}`,
        i % 53 === 0 ? 'z' : ['a', 'b', 'c'][i % 3]!,
        `x${i % 7}`,
      ]);
    }
    const path = join(dir, 'orders.parquet');
    const writer = createParquetWriter(fileSink(path), { schema, parquet: { rowGroupRows: 250 } });
    await writer.write(rows);
    await writer.close();

    const one = await runValidation(parquetContract, fileSource(path), {
      openSource: fileSource,
      quarantineSink: () => fileSink(join(dir, 'pq-one.jsonl')),
    });
    expect(one.report.failedRowCount).toBeGreaterThan(100);
    const out = join(dir, 'pq-two.jsonl');
    const run = await runParallelValidation(parquetContract, path, {
      workers: 2,
      openSource: fileSource,
      quarantineSink: () => fileSink(out),
    });
    expect(run.onePassBecause).toBeUndefined();
    expect(run.format).toBe('parquet');
    expect(run.lanes).toBe(2);
    expect(run.ranges).toBe(4);
    expectSameReport(run.report, one.report);
    expect(run.quarantinedRows).toBe(one.quarantinedRows);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(dir, 'pq-one.jsonl'), 'utf8'));
  });
});

describe('guidedRanges', () => {
  it('covers every piece once, in order, in ranges that never grow', () => {
    for (let lanes = 2; lanes <= 8; lanes++) {
      for (let pieces = 1; pieces <= 40; pieces++) {
        // Act
        const ranges = guidedRanges(pieces, lanes);

        // Assert
        expect(ranges[0]!.first).toBe(0);
        expect(ranges[ranges.length - 1]!.end).toBe(pieces);
        ranges.forEach((r) => expect(r.end).toBeGreaterThan(r.first));
        const sizes = ranges.map((r) => r.end - r.first);
        expect(ranges.slice(1).map((r) => r.first)).toEqual(ranges.slice(0, -1).map((r) => r.end));
        expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
      }
    }
  });

  it('makes 3 pieces per lane into 2 ranges per lane, the last ones one piece long', () => {
    // Arrange
    const lanes = 2;

    // Act
    const ranges = guidedRanges(3 * lanes, lanes);

    // Assert
    expect(ranges.map((r) => r.end - r.first)).toEqual([2, 2, 1, 1]);
  });
});
