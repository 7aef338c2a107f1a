import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

import type { ColumnSpec, DataFormat } from '../../../../lambdas/core/contracts/output-contract';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { FormatError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { createTableWriter } from '../../../../lambdas/core/formats/create-table-writer';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import {
  inferContract,
  type ContractDraft,
  type InferContractOptions,
} from '../../../../lib/cli/profiling/infer-contract';
import { validateRecords } from '../../../../lambdas/core/validation/validate-records';

const NAME = { pipeline: 'sales', step: 'prep', output: 'orders' };

function csv(header: readonly string[], rows: readonly (readonly string[])[], delimiter = ','): string {
  return [header, ...rows].map((r) => r.join(delimiter)).join('\n') + '\n';
}

async function infer(
  text: string | Uint8Array,
  fileName = 'sample.csv',
  options: InferContractOptions = {},
): Promise<ContractDraft> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  return inferContract(bufferSource(bytes, fileName), { name: NAME, ...options });
}

function columnOf(draft: ContractDraft, name: string): ColumnSpec {
  const column = draft.contract.schema.find((c) => c.name === name);
  if (!column) throw new Error(`no column ${name} in ${draft.contract.schema.map((c) => c.name).join(', ')}`);
  return column;
}

/** The sample validated against its own draft, as `prt validate` reads it. */
async function expectSamplePasses(
  draft: ContractDraft,
  text: string | Uint8Array,
  fileName = 'sample.csv',
): Promise<void> {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
  const opened = await openTable(bufferSource(bytes, fileName), {
    format: draft.contract.format,
    csv: draft.contract.csv,
    ...(draft.contract.csv.header ? {} : { columns: draft.contract.schema.map((c) => c.name) }),
  });
  const report = await validateRecords(draft.contract, opened.batches);
  expect(report.failedRules, `${report.summary}`).toEqual([]);
  expect(report.status).toBe('passed');
  expect(report.schema.level).toBe('strict');
}

const repeat = <T>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

describe('inferContract: types from text', () => {
  it.each([
    ['small integers', ['1', '-7', '2147483647'], 'int32'],
    ['integers past int32', ['1', '2147483648'], 'int64'],
    ['integers past 2^53 keep every digit', ['9007199254740993', '-9223372036854775808'], 'int64'],
    ['integers past int64', ['9223372036854775808', '1'], 'decimal'],
    ['integers of more than 38 digits', ['1'.repeat(40), '2'], 'string'],
    ['mixed integers and fractions', ['1', '2.5', '-3'], 'float64'],
    ['exponents', ['1e5', '2.5E-3'], 'float64'],
    ['NaN and infinities with numbers', ['1.5', 'NaN', '-inf'], 'float64'],
    ['fixed scale', ['12.50', '0.99', '-3.10'], 'decimal'],
    ['scale 1 of zeros only (pandas floats)', ['1.0', '2.0'], 'float64'],
    ['mixed scales', ['1.5', '2.25'], 'float64'],
    ['true and false in any case', ['true', 'FALSE', 'True'], 'boolean'],
    ['0 and 1 are integers, not booleans', ['0', '1', '1'], 'int32'],
    ['dates', ['2026-01-31', '2024-02-29'], 'date'],
    ['an invalid date is text', ['2026-01-31', '2023-02-29'], 'string'],
    ['dates mixed with timestamps', ['2026-01-31', '2026-02-01T10:00:00Z'], 'timestamp'],
    ['zip codes with leading zeros stay text', ['01234', '98765', '00501'], 'string'],
    ['codes with leading zeros and points stay text', ['01.5', '2.5'], 'string'],
    ['words', ['apple', 'pear'], 'string'],
  ])('%s → %s', async (_case, values, type) => {
    // Prepare
    const text = csv(
      ['v'],
      values.map((v) => [v]),
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(columnOf(draft, 'v').type).toBe(type);
    await expectSamplePasses(draft, text);
  });

  it('Compliance: decimal precision has headroom (10) and grows with the largest value', async () => {
    // Act
    const small = await infer(csv(['v'], [['12.50'], ['3.99']]));
    const large = await infer(csv(['v'], [['123456789012.345'], ['0.001']]));
    const huge = await infer(csv(['v'], [['99999999999999999999999'], ['1']]));

    // Assess
    expect(columnOf(small, 'v')).toMatchObject({ type: 'decimal', precision: 10, scale: 2 });
    expect(columnOf(large, 'v')).toMatchObject({ type: 'decimal', precision: 15, scale: 3 });
    expect(columnOf(huge, 'v')).toMatchObject({ type: 'decimal', precision: 23, scale: 0 });
  });

  it.each([
    [['2026-01-01T10:00:00Z', '2026-01-01 10:00:01Z'], 'ms'],
    [['2026-01-01T10:00:00.123Z'], 'ms'],
    [['2026-01-01T10:00:00.1234Z', '2026-01-01T10:00:00.5Z'], 'us'],
    [['2026-01-01T10:00:00.123456000Z'], 'us'],
    [['2026-01-01T10:00:00.123456789Z'], 'ns'],
    [['2026-01-01T10:00:00.123456789+05:30', '1970-01-01T00:00:00Z'], 'ns'],
  ])('timestamps %j → unit %s (trailing zeros do not count)', async (values, unit) => {
    // Prepare
    const text = csv(
      ['at'],
      values.map((v) => [v]),
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(columnOf(draft, 'at')).toMatchObject({ type: 'timestamp', unit });
    await expectSamplePasses(draft, text);
  });

  it('Compliance: zone-less timestamps are read as UTC, and the draft says so', async () => {
    // Prepare
    const text = csv(['at'], [['2026-01-01T10:00:00'], ['2026-01-01 11:30:00']]);

    // Act
    const draft = await infer(text);

    // Assess
    expect(columnOf(draft, 'at')).toMatchObject({ type: 'timestamp', zone: 'UTC' });
    expect(draft.yaml).toContain(
      "no value carries a zone: zone-less ones read as UTC (set zone: '+05:30' if they are local time)",
    );
  });
});

describe('inferContract: nullability, constraints and rules', () => {
  it('Compliance: nulls make a column nullable with a completeness rule at the observed rate, rounded down', async () => {
    // Prepare: 97 of 100 values present; 2 of 3 present
    const text = csv(
      ['a', 'b', 'c'],
      repeat(300, (i) => [i % 100 < 3 ? '' : String(i), i % 3 === 0 ? '' : 'x', String(i)]),
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(columnOf(draft, 'a').nullable).toBe(true);
    expect(columnOf(draft, 'c').nullable).toBe(false);
    const rules = Object.fromEntries(draft.contract.quality.map((r) => [r.name, r]));
    expect(rules['a_completeness']).toMatchObject({
      field: 'a',
      condition: { kind: 'not_null' },
      threshold: 0.97,
      severity: 'warn',
    });
    expect(rules['b_completeness']).toMatchObject({ threshold: 0.66 });
    expect(rules['c_completeness']).toBeUndefined();
    await expectSamplePasses(draft, text);
  });

  it('Compliance: an all-null column and an empty file draft nullable strings', async () => {
    // Prepare
    const nulls = csv(
      ['id', 'empty'],
      [
        ['1', ''],
        ['2', ''],
      ],
    );
    const headerOnly = 'id,name\n';

    // Act
    const withNulls = await infer(nulls);
    const empty = await infer(headerOnly);

    // Assess
    expect(columnOf(withNulls, 'empty')).toMatchObject({ type: 'string', nullable: true });
    expect(withNulls.yaml).toContain('every value null in the sample: type unknown, drafted as string');
    expect(empty.rowsSampled).toBe(0);
    expect(empty.contract.schema.map((c) => [c.name, c.type, c.nullable])).toEqual([
      ['id', 'string', true],
      ['name', 'string', true],
    ]);
    expect(empty.contract.quality).toEqual([]);
    await expectSamplePasses(withNulls, nulls);
    await expectSamplePasses(empty, headerOnly);
  });

  it('Compliance: a few repeated values become allowed categories, in their own type', async () => {
    // Prepare
    const text = csv(
      ['channel', 'grade', 'flag_text', 'free'],
      repeat(60, (i) => [['web', 'store', 'app'][i % 3]!, String(i % 4), i % 2 ? 'true' : '123', `w${i}`]),
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(columnOf(draft, 'channel').allowed).toEqual(['app', 'store', 'web']);
    expect(columnOf(draft, 'grade')).toMatchObject({ type: 'int32', allowed: [0, 1, 2, 3] });
    // Text that looks like other YAML types stays text through the YAML.
    expect(columnOf(draft, 'flag_text')).toMatchObject({ type: 'string', allowed: ['123', 'true'] });
    expect(columnOf(draft, 'free').allowed).toBeUndefined();
    await expectSamplePasses(draft, text);
  });

  it('Noncompliance 1: distinct values seen once are not categories, nor are more than maxCategories', async () => {
    // Prepare
    const few = csv(['c'], [['a'], ['b'], ['c']]);
    const many = csv(
      ['c'],
      repeat(100, (i) => [`v${i % 25}`]),
    );

    // Act
    const fewDraft = await infer(few);
    const manyDraft = await infer(many);
    const raised = await infer(many, 'sample.csv', { maxCategories: 30 });

    // Assess
    expect(columnOf(fewDraft, 'c').allowed).toBeUndefined();
    expect(columnOf(manyDraft, 'c').allowed).toBeUndefined();
    expect(columnOf(raised, 'c').allowed).toHaveLength(25);
  });

  it('Compliance: code shapes, e-mails and UUIDs become patterns; names do not', async () => {
    // Prepare
    const text = csv(
      ['order_id', 'code', 'email', 'uid', 'name', 'zip'],
      repeat(12, (i) => [
        `o-${i * 37}`,
        `${'ABCDEFGHIJKL'[i]}${'XYZ'[i % 3]}-${1000 + i * 7}`,
        `user${i}@example.com`,
        `${(0x1000_0000 + i).toString(16)}-1b2c-4d3e-8f40-${(0x5a6b7c8d9e0f + i).toString(16)}`,
        ['Alice', 'Bob', 'Christopher', 'Dee'][i % 4]! + String.fromCharCode(97 + i),
        String(i * 1234).padStart(5, '0'),
      ]),
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(columnOf(draft, 'order_id').pattern).toBe('o-[0-9]+');
    expect(columnOf(draft, 'code').pattern).toBe('[A-Z]{2}-[0-9]{4}');
    expect(columnOf(draft, 'email').pattern).toBe('[^@\\s]+@[^@\\s]+\\.[^@\\s]+');
    expect(columnOf(draft, 'uid').pattern).toBe(
      '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}',
    );
    expect(columnOf(draft, 'name').pattern).toBeUndefined();
    expect(columnOf(draft, 'zip')).toMatchObject({ type: 'string', pattern: '[0-9]{5}' });
    expect(draft.yaml).toContain('# length: [4, 12]   <- observed; uncomment to enforce');
    await expectSamplePasses(draft, text);
  });

  it('Compliance: unique keys are proposed from enough distinct values, compared in their type', async () => {
    // Prepare: '+1' and '1' are the same int32 value
    const text = csv(
      ['id', 'dup', 'few'],
      repeat(12, (i) => [String(i + 1), i === 11 ? '+1' : String(i + 1), i < 3 ? String(i) : '']).slice(
        0,
        12,
      ),
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(columnOf(draft, 'id').unique).toBe(true);
    expect(columnOf(draft, 'dup').unique).toBeUndefined();
    expect(columnOf(draft, 'few').unique).toBeUndefined();
    await expectSamplePasses(draft, text);
  });

  it('Compliance: observed ranges are suggestions (commented) and warn rules with exact outward bounds', async () => {
    // Prepare
    const text = csv(
      ['n', 'big', 'price', 'day'],
      [
        ['5', '9007199254740993', '0.10', '2026-01-03'],
        ['-2', '9223372036854775807', '129.99', '2026-01-01'],
      ],
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(draft.yaml).toContain('# range: [-2, 5]   <- observed in the sample');
    expect(draft.yaml).toContain("# range: ['9007199254740993', '9223372036854775807']");
    expect(draft.yaml).toContain("# range: ['0.10', '129.99']");
    expect(draft.yaml).toContain('# range: [2026-01-01, 2026-01-03]');
    expect(columnOf(draft, 'n').range).toBeUndefined();
    const big = draft.contract.quality.find((r) => r.name === 'big_range')!;
    expect(big.severity).toBe('warn');
    expect(big.threshold).toBe(0.99);
    // 2^53 + 1 is not a double: the lower bound is the double below it, the upper the one above 2^63 - 1.
    expect(big.condition).toEqual({ kind: 'between', min: 9007199254740992, max: 9223372036854775808 });
    expect(draft.contract.quality.some((r) => r.field === 'day')).toBe(false);
    await expectSamplePasses(draft, text);
  });

  it('Compliance: column names that are not rule names are cleaned for rule names, and collisions numbered', async () => {
    // Prepare
    const text = csv(
      ['a b', 'a#b', '"x: y"'],
      [
        ['1', '2', ''],
        ['', '', '3'],
      ],
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(draft.contract.schema.map((c) => c.name)).toEqual(['a b', 'a#b', 'x: y']);
    expect(draft.contract.quality.map((r) => r.name)).toEqual(
      expect.arrayContaining(['a_b_completeness', 'a_b_completeness_2', 'x_y_completeness']),
    );
    await expectSamplePasses(draft, text);
  });
});

describe('inferContract: formats and reading', () => {
  it('Compliance: the YAML has a comment for each choice, and loads as the contract returned', async () => {
    // Prepare
    const text = csv(
      ['id', 'amount'],
      [
        ['1', '2.50'],
        ['2', ''],
      ],
    );

    // Act
    const draft = await infer(text);

    // Assess
    expect(draft.yaml).toMatch(/^# Draft contract by `prt infer` from sample\.csv \(csv; all 2 rows\)\./);
    expect(draft.yaml).toContain(
      '  # 2 values, no nulls, 2 distinct, min 1, max 2\n  # every value is an integer within int32',
    );
    expect(draft.yaml).toContain('  - { name: id, type: int32, nullable: false }');
    expect(draft.yaml).toContain("  - { name: amount, type: 'decimal(10,2)', nullable: true }");
    expect(draft.yaml).toContain("csv: { delimiter: ',', header: true }");
    expect(parseContract(draft.yaml, 'draft')).toEqual(draft.contract);
    expect(parseYaml(draft.yaml)).toMatchObject({
      pipeline: 'sales',
      step: 'prep',
      output: 'orders',
      format: 'csv',
    });
  });

  it('Compliance: the name defaults from the file, and the path from an S3 key', async () => {
    // Act
    const draft = await inferContract(
      bufferSource(Buffer.from('a\n1\n'), 's3://bucket/pipelines/sales/run-7/prep/daily orders.csv.gz'),
    );

    // Assess
    expect(draft.contract).toMatchObject({
      pipeline: 'pipeline',
      step: 'step',
      output: 'daily_orders',
      path: 'pipelines/sales/run-7/prep/',
    });
    expect(draft.yaml).toContain('replace run-specific segments with {placeholders} such as {run_id}');
  });

  it.each([
    ['tab', '\t'],
    ['semicolon', ';'],
    ['pipe', '|'],
  ])('Compliance: a %s-separated file is sniffed', async (_name, delimiter) => {
    // Prepare: commas inside values must not fool the sniffer
    const text = csv(
      ['id', 'note'],
      [
        ['1', 'a, b'],
        ['2', 'c, d'],
      ],
      delimiter,
    );

    // Act
    const draft = await infer(text, 'sample.txt', { formatHint: 'csv' });

    // Assess
    expect(draft.contract.csv.delimiter).toBe(delimiter);
    expect(draft.contract.schema.map((c) => c.name)).toEqual(['id', 'note']);
    await expectSamplePasses(draft, text, 'sample.txt');
  });

  it('Compliance: CSV without a header gets column_1..n', async () => {
    // Prepare
    const text = '1,x\n2,y\n';

    // Act
    const draft = await infer(text, 'sample.csv', { csv: { header: false } });

    // Assess
    expect(draft.contract.csv.header).toBe(false);
    expect(draft.contract.schema.map((c) => c.name)).toEqual(['column_1', 'column_2']);
    await expectSamplePasses(draft, text);
  });

  it('Compliance: gzip is detected and recorded', async () => {
    // Prepare
    const bytes = gzipSync(Buffer.from(csv(['id'], [['1'], ['2']])));

    // Act
    const draft = await infer(bytes, 'sample.csv.gz');

    // Assess
    expect(draft.contract.compression).toBe('gzip');
    expect(draft.compression).toBe('gzip');
    await expectSamplePasses(draft, bytes, 'sample.csv.gz');
  });

  it('Compliance: JSON Lines: native numbers and booleans, nested values, keys that appear late', async () => {
    // Prepare
    const text = [
      '{"id": 1, "score": 0.5, "ok": true, "tags": ["a"]}',
      '{"id": 3000000000, "score": 2, "ok": false, "tags": {"k": 1}}',
      '{"id": 3, "score": 1e3, "ok": true, "late": "x", "tags": null}',
    ].join('\n');

    // Act
    const draft = await infer(text, 'sample.jsonl');

    // Assess
    expect(draft.contract.format).toBe('jsonl');
    expect(columnOf(draft, 'id').type).toBe('int64');
    expect(columnOf(draft, 'tags')).toMatchObject({ type: 'string', nullable: true });
    expect(columnOf(draft, 'score').type).toBe('float64');
    expect(columnOf(draft, 'ok').type).toBe('boolean');
    expect(columnOf(draft, 'late')).toMatchObject({ type: 'string', nullable: true });
    await expectSamplePasses(draft, text, 'sample.jsonl');
  });

  it.each<[DataFormat]>([['parquet'], ['arrow']])(
    'Compliance: %s files give their declared types',
    async (format) => {
      // Prepare
      const schema: ColumnSpec[] = [
        { name: 'id', type: 'int64', nullable: false },
        { name: 'price', type: 'decimal', nullable: true, precision: 12, scale: 3 },
        { name: 'at', type: 'timestamp', nullable: false, unit: 'ns', zone: 'UTC' },
        { name: 'day', type: 'date', nullable: true },
        { name: 'ratio', type: 'float32', nullable: false },
        { name: 'label', type: 'string', nullable: true },
      ];
      const rows: TypedRow[] = repeat(30, (i) => [
        i,
        i % 5 === 0 ? null : BigInt(i * 1001),
        BigInt(i) * 1_000_000_007n,
        '2026-01-0' + String(1 + (i % 9)),
        0.5,
        i % 2 ? 'a' : 'b',
      ]);
      const sink = new BufferSink(`sample.${format}`);
      const writer = createTableWriter(format, sink, { schema });
      await writer.write(rows);
      await writer.close();
      const bytes = sink.bytes();

      // Act
      const draft = await infer(bytes, `sample.${format}`);

      // Assess
      expect(draft.contract.schema.map((c) => [c.name, c.type])).toEqual(schema.map((c) => [c.name, c.type]));
      expect(columnOf(draft, 'price')).toMatchObject({ precision: 12, scale: 3, nullable: true });
      expect(columnOf(draft, 'at')).toMatchObject({ unit: 'ns', nullable: false });
      expect(columnOf(draft, 'day').nullable).toBe(false);
      expect(draft.yaml).toContain('type decimal(12,3) as the file declares it');
      await expectSamplePasses(draft, bytes, `sample.${format}`);
    },
  );

  it('Compliance: past sampleRows the draft comes from a sample across the file, and says so', async () => {
    // Prepare
    const text = csv(
      ['id'],
      repeat(5000, (i) => [String(i)]),
    );

    // Act
    const draft = await infer(text, 'sample.csv', { sampleRows: 1200 });

    // Assess
    expect(draft.rowsSampled).toBe(1200);
    expect(draft.rowsRead).toBe(5000);
    expect(draft.sampleComplete).toBe(false);
    expect(draft.yaml).toContain('a random sample of 1,200 of its 5,000 rows, drawn across the whole file');
  });

  it('Compliance: distinct tracking is bounded; past the bound unique becomes a commented suggestion', async () => {
    // Prepare
    const text = csv(
      ['id', 'kind'],
      repeat(3000, (i) => [`k${i}`, i % 2 ? 'a' : 'b']),
    );

    // Act
    const draft = await infer(text, 'sample.csv', { distinctBudget: 2000 });

    // Assess: 2 columns share 2000, but each keeps at least 1000
    expect(columnOf(draft, 'id').unique).toBeUndefined();
    expect(draft.yaml).toContain(
      '# unique: true   <- no repeat in the first 1,000 values; not checked beyond',
    );
    expect(draft.yaml).toContain('more than 1,000 distinct');
    expect(columnOf(draft, 'kind').allowed).toEqual(['a', 'b']);
  });

  it('Noncompliance 2: an empty file is a FormatError', async () => {
    await expect(infer('')).rejects.toBeInstanceOf(FormatError);
  });

  it('Noncompliance 3: an invalid name is refused before reading', async () => {
    await expect(
      inferContract(bufferSource(Buffer.from('a\n1\n'), 'x.csv'), { name: { ...NAME, step: 'a b' } }),
    ).rejects.toThrow("step 'a b' must be a name");
  });
});
