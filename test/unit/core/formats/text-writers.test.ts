import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec, CsvOptions } from '../../../../lambdas/core/contracts/output-contract';
import { columnCodec, type TypedValue } from '../../../../lambdas/core/contracts/typed-values';
import { BufferSink } from '../../../../lambdas/core/formats/byte-io';
import { readCsv } from '../../../../lambdas/core/formats/csv-reader';
import { readJsonArray } from '../../../../lambdas/core/formats/json-array-reader';
import { readJsonLines } from '../../../../lambdas/core/formats/jsonl-reader';
import type { TypedRow } from '../../../../lambdas/core/formats/table-io';
import { CsvWriter, JsonArrayWriter, JsonLinesWriter } from '../../../../lambdas/core/formats/text-writers';
import { TypedColumnBuilder } from '../../../../lambdas/core/formats/typed-column';
import { chunked, rowsOf } from '../../../fixtures/format-io';

const TEXT: readonly ColumnSpec[] = [
  { name: 'id', type: 'int32', nullable: false },
  { name: 'text', type: 'string', nullable: true },
];

async function csvText(
  rows: readonly TypedRow[],
  schema = TEXT,
  options: Partial<CsvOptions> = {},
): Promise<string> {
  const sink = new BufferSink();
  const writer = new CsvWriter(sink, schema, options);
  await writer.write(rows);
  await writer.close();
  return Buffer.from(sink.bytes()).toString('utf8');
}

/** A sink that records the order of writes, close and abort. */
class RecordingSink extends BufferSink {
  readonly events: string[] = [];
  override write(chunk: Uint8Array): Promise<void> {
    this.events.push('write');
    return super.write(chunk);
  }
  override close(): Promise<void> {
    this.events.push('close');
    return super.close();
  }
  override abort(): Promise<void> {
    this.events.push('abort');
    return super.abort();
  }
}

const EVERY_TYPE: readonly ColumnSpec[] = [
  { name: 's', type: 'string', nullable: true },
  { name: 'i', type: 'int32', nullable: true },
  { name: 'l', type: 'int64', nullable: true },
  { name: 'f', type: 'float32', nullable: true },
  { name: 'd', type: 'float64', nullable: true },
  { name: 'b', type: 'boolean', nullable: true },
  { name: 'day', type: 'date', nullable: true },
  { name: 'at', type: 'timestamp', nullable: true, unit: 'us', zone: 'UTC' },
  { name: 'amount', type: 'decimal', nullable: true, precision: 12, scale: 3 },
];

const EVERY_TYPE_ROW: TypedRow = [
  'Zoë',
  -7,
  9007199254740993n,
  Math.fround(0.1),
  NaN,
  true,
  '2024-02-29',
  1717237230123456n,
  -1234567n,
];

describe('CsvWriter', () => {
  it.each([
    ['plain text', 'abc', 'abc'],
    ['an inner space', 'a b', 'a b'],
    ['unicode', 'Zoë 🌍 中文', 'Zoë 🌍 中文'],
    ['a delimiter', 'a,b', '"a,b"'],
    ['a quote', 'say "hi"', '"say ""hi"""'],
    ['a lone quote', '"', '""""'],
    ['a line feed', 'a\nb', '"a\nb"'],
    ['a carriage return', 'a\rb', '"a\rb"'],
    ['CRLF', 'a\r\nb', '"a\r\nb"'],
    ['a leading space', ' a', '" a"'],
    ['a trailing tab', 'a\t', '"a\t"'],
    ['the empty string', '', '""'],
  ])('writes %s as %j', async (_what, value, cell) => {
    // Prepare
    const rows: TypedRow[] = [[1, value]];

    // Act
    const text = await csvText(rows);

    // Assess
    expect(text).toBe(`id,text\n1,${cell}\n`);
  });

  it('writes null as an empty cell, distinct from the quoted empty string', async () => {
    // Prepare
    const rows: TypedRow[] = [
      [1, null],
      [2, ''],
    ];

    // Act
    const text = await csvText(rows);
    const read = await rowsOf(readCsv(chunked(text)));

    // Assess
    expect(text).toBe('id,text\n1,\n2,""\n');
    expect(read).toEqual([
      ['1', null],
      ['2', ''],
    ]);
  });

  it('quotes by the configured delimiter, not by commas', async () => {
    // Prepare
    const rows: TypedRow[] = [[1, 'a,b;c']];

    // Act
    const semicolon = await csvText(rows, TEXT, { delimiter: ';' });
    const tab = await csvText([[1, 'a\tb,c']], TEXT, { delimiter: '\t' });

    // Assess
    expect(semicolon).toBe('id;text\n1;"a,b;c"\n');
    expect(tab).toBe('id\ttext\n1\t"a\tb,c"\n');
  });

  it('quotes header names that need it and leaves the header out when asked', async () => {
    // Prepare
    const schema: ColumnSpec[] = [
      { name: 'a,b', type: 'string', nullable: true },
      { name: 'plain', type: 'string', nullable: true },
    ];

    // Act
    const withHeader = await csvText([['x', 'y']], schema);
    const without = await csvText([['x', 'y']], schema, { header: false });

    // Assess
    expect(withHeader).toBe('"a,b",plain\nx,y\n');
    expect(without).toBe('x,y\n');
  });

  it('renders every type with its column codec', async () => {
    // Prepare
    const rows = [EVERY_TYPE_ROW];

    // Act
    const text = await csvText(rows, EVERY_TYPE);

    // Assess
    expect(text).toBe(
      `s,i,l,f,d,b,day,at,amount\nZoë,-7,9007199254740993,0.1,NaN,true,2024-02-29,2024-06-01T10:20:30.123456Z,-1234.567\n`,
    );
  });

  it('writes the header of a table without rows', async () => {
    // Prepare
    const rows: TypedRow[] = [];

    // Act
    const text = await csvText(rows);

    // Assess
    expect(text).toBe('id,text\n');
  });

  it('hands output to the sink before close once a megabyte has gathered', async () => {
    // Prepare
    const sink = new RecordingSink();
    const writer = new CsvWriter(sink, TEXT);
    const rows: TypedRow[] = Array.from({ length: 3000 }, (_, i) => [i, 'x'.repeat(1000)]);

    // Act
    await writer.write(rows);
    const beforeClose = [...sink.events];
    await writer.close();

    // Assess
    expect(beforeClose.length).toBeGreaterThanOrEqual(2);
    expect(beforeClose.every((e) => e === 'write')).toBe(true);
    expect(sink.events.at(-1)).toBe('close');
  });

  it('publishes nothing when aborted', async () => {
    // Prepare
    const sink = new RecordingSink();
    const writer = new CsvWriter(sink, TEXT);
    await writer.write([[1, 'a']]);

    // Act
    await writer.abort();

    // Assess
    expect(sink.events).toEqual(['abort']);
    expect(() => sink.bytes()).toThrow(/not closed/);
  });
});

describe('JsonLinesWriter and JsonArrayWriter', () => {
  it('writes one object per line, keys in schema order, values by their codecs', async () => {
    // Prepare
    const sink = new BufferSink();
    const writer = new JsonLinesWriter(sink, EVERY_TYPE);

    // Act
    await writer.write([EVERY_TYPE_ROW, EVERY_TYPE.map(() => null)]);
    await writer.close();

    // Assess
    expect(Buffer.from(sink.bytes()).toString('utf8')).toBe(
      [
        `{"s":"Zoë","i":-7,"l":"9007199254740993","f":0.1,"d":"NaN","b":true,"day":"2024-02-29","at":"2024-06-01T10:20:30.123456Z","amount":"-1234.567"}`,
        '{"s":null,"i":null,"l":null,"f":null,"d":null,"b":null,"day":null,"at":null,"amount":null}',
        '',
      ].join('\n'),
    );
  });

  it('writes int64 values JSON numbers hold exactly as numbers, and infinities as text', async () => {
    // Prepare
    const sink = new BufferSink();
    const schema: ColumnSpec[] = [
      { name: 'l', type: 'int64', nullable: true },
      { name: 'd', type: 'float64', nullable: true },
    ];
    const writer = new JsonLinesWriter(sink, schema);

    // Act
    await writer.write([
      [Number.MAX_SAFE_INTEGER, Infinity],
      [-9007199254740993n, -Infinity],
    ]);
    await writer.close();

    // Assess
    expect(Buffer.from(sink.bytes()).toString('utf8')).toBe(
      '{"l":9007199254740991,"d":"Infinity"}\n{"l":"-9007199254740993","d":"-Infinity"}\n',
    );
  });

  it('writes a JSON array, one element per line, and an empty array for no rows', async () => {
    // Prepare
    const full = new BufferSink();
    const empty = new BufferSink();
    const fullWriter = new JsonArrayWriter(full, TEXT);
    const emptyWriter = new JsonArrayWriter(empty, TEXT);

    // Act
    await fullWriter.write([[1, 'a']]);
    await fullWriter.write([[2, null]]);
    await fullWriter.close();
    await emptyWriter.close();

    // Assess
    expect(Buffer.from(full.bytes()).toString('utf8')).toBe(
      '[\n{"id":1,"text":"a"},\n{"id":2,"text":null}\n]\n',
    );
    expect(JSON.parse(Buffer.from(empty.bytes()).toString('utf8'))).toEqual([]);
  });
});

describe('round trips', () => {
  const special = fc.constantFrom(
    '"',
    ',',
    ';',
    '\t',
    '|',
    '\n',
    '\r\n',
    '\r',
    ' ',
    'é',
    '🌍',
    '中',
    '""',
    ',"',
    '\\',
    '{',
    ']',
  );
  const text = fc
    .array(fc.oneof(special, fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 5 })
    .map((p) => p.join(''));
  const tables = fc.integer({ min: 2, max: 5 }).chain((width) =>
    fc.record({
      schema: fc.constant<ColumnSpec[]>(
        Array.from({ length: width }, (_, i) => ({ name: `c${i}`, type: 'string', nullable: true })),
      ),
      rows: fc.array(fc.array(fc.option(text, { nil: null }), { minLength: width, maxLength: width }), {
        minLength: 1,
        maxLength: 8,
      }),
      chunk: fc.integer({ min: 1, max: 64 }),
    }),
  );

  it('reads back any table of strings written as CSV, with every delimiter, header or not', async () => {
    // Prepare
    const dialects = fc.record({ delimiter: fc.constantFrom(',', ';', '\t', '|'), header: fc.boolean() });

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(tables, dialects, async ({ schema, rows, chunk }, csv) => {
        const written = await csvText(rows, schema, csv);
        const read = await rowsOf(
          readCsv(chunked(written, chunk), {
            ...csv,
            ...(csv.header ? {} : { columns: schema.map((c) => c.name) }),
          }),
        );
        expect(read).toEqual(rows);
      }),
      { numRuns: 200 },
    );
  });

  it.each(['jsonl', 'json'] as const)('reads back any table of strings written as %s', async (format) => {
    // Prepare
    const write = async (schema: readonly ColumnSpec[], rows: readonly TypedRow[]): Promise<Uint8Array> => {
      const sink = new BufferSink();
      const writer =
        format === 'jsonl' ? new JsonLinesWriter(sink, schema) : new JsonArrayWriter(sink, schema);
      await writer.write(rows);
      await writer.close();
      return sink.bytes();
    };

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(tables, async ({ schema, rows, chunk }) => {
        const bytes = await write(schema, rows);
        const read = await rowsOf(
          (format === 'jsonl' ? readJsonLines : readJsonArray)(chunked(bytes, chunk)),
        );
        expect(read).toEqual(rows);
      }),
      { numRuns: 150 },
    );
  });
});

describe('CsvWriter.writeColumns numbers', () => {
  /** Each value of a one-column table written from its typed column, one cell per line. */
  async function cellsOf(spec: ColumnSpec, values: readonly TypedValue[]): Promise<string[]> {
    const builder = new TypedColumnBuilder(spec, Math.max(1, values.length));
    for (const v of values) builder.append(v);
    const sink = new BufferSink();
    const writer = new CsvWriter(sink, [spec], { header: false });
    await writer.writeColumns([builder.finish()], values.length);
    await writer.close();
    const text = Buffer.from(sink.bytes()).toString('utf8');
    return text === '' ? [] : text.slice(0, -1).split('\n');
  }

  const formatted = (spec: ColumnSpec, values: readonly TypedValue[]): string[] =>
    values.map((v) => (v === null ? '' : columnCodec(spec).format(v)));

  const FLOAT64: ColumnSpec = { name: 'x', type: 'float64', nullable: true };

  it('writes every double as String() does, decimals of few digits and all others', async () => {
    // Prepare: short decimals (the usual data), their neighbours, and doubles of every kind
    const decimal = fc
      .tuple(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 9 }))
      .map(([m, k]) => m / 10 ** k);
    const double = fc.oneof(
      decimal,
      decimal.map((d) => d * (1 + Number.EPSILON)),
      fc.double(),
      fc.integer({ min: 0, max: 2 ** 31 - 1 }).map((m) => m * 1e-6),
      fc.constantFrom(
        0,
        -0,
        0.1 + 0.2,
        1e-6,
        9.99999e-7,
        1e-7,
        123456789012345,
        999999999999999,
        1e15,
        1e15 - 0.5,
        12345678901234.5,
        0.000001234567,
        2 ** 53,
        5e-324,
        1e21,
        NaN,
        Infinity,
        -Infinity,
      ),
    );

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(fc.array(fc.option(double, { nil: null }), { maxLength: 20 }), async (values) => {
        expect(await cellsOf(FLOAT64, values)).toEqual(formatted(FLOAT64, values));
      }),
      { numRuns: 400 },
    );
  });

  it('writes -0, 0 and the neighbours of the limits of the short form exactly', async () => {
    // Prepare
    const values = [-0, 0, 1e-6, -1e-6, 1e-6 * (1 - Number.EPSILON), 999999999999999, -123.45, 1047.29];

    // Act
    const cells = await cellsOf(FLOAT64, values);

    // Assess
    expect(cells).toEqual(values.map((v) => (Object.is(v, -0) ? '-0' : String(v))));
    expect(cells.slice(0, 4)).toEqual(['-0', '0', '0.000001', '-0.000001']);
  });

  it.each([
    ['int64', { name: 'x', type: 'int64', nullable: true }],
    ['int32', { name: 'x', type: 'int32', nullable: true }],
    ['decimal(18, 4)', { name: 'x', type: 'decimal', precision: 18, scale: 4, nullable: true }],
    ['decimal(38, 16)', { name: 'x', type: 'decimal', precision: 38, scale: 16, nullable: true }],
    ['decimal(38, 25)', { name: 'x', type: 'decimal', precision: 38, scale: 25, nullable: true }],
    ['timestamp us', { name: 'x', type: 'timestamp', unit: 'us', zone: 'naive', nullable: true }],
  ] as const)('writes %s values at the edges of 2^31 and 2^53 as the codec does', async (_, spec) => {
    // Prepare
    const safe = Number.MAX_SAFE_INTEGER;
    const edges = [
      0,
      1,
      -1,
      9,
      10,
      -10,
      99,
      100,
      10_000,
      2 ** 31 - 1,
      2 ** 31,
      -(2 ** 31),
      -(2 ** 31) - 1,
      2 ** 32,
      100_000_000,
      1e15,
      1e15 + 1,
      safe,
      -safe,
    ];
    const values: TypedValue[] = (spec.type === 'int32' ? edges.filter((v) => (v | 0) === v) : edges).map(
      (v) => (spec.type === 'decimal' || spec.type === 'timestamp' ? BigInt(v) : v),
    );
    const past: TypedValue[] =
      spec.type === 'int64' ? [2n ** 53n, 2n ** 53n + 1n, -(2n ** 63n), 2n ** 63n - 1n] : [];

    // Act
    const cells = await cellsOf(spec, [...values, null]);
    const exact = await cellsOf(spec, past);

    // Assess
    expect(cells).toEqual(formatted(spec, [...values, null]));
    expect(exact).toEqual(past.map(String));
  });

  it('writes any safe integer at any scale as the codec does', async () => {
    // Prepare
    const scaled = fc.tuple(
      fc.integer({ min: 0, max: 20 }),
      fc.array(
        fc.option(fc.oneof(fc.maxSafeInteger(), fc.integer(), fc.integer({ min: -999, max: 999 })), {
          nil: null,
        }),
        { maxLength: 12 },
      ),
    );

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(scaled, async ([scale, values]) => {
        const spec: ColumnSpec = { name: 'x', type: 'decimal', precision: 38, scale, nullable: true };
        const int64: ColumnSpec = { name: 'x', type: 'int64', nullable: true };
        const exact = values.map((v) => (v === null ? null : BigInt(v)));
        expect(await cellsOf(spec, exact)).toEqual(formatted(spec, exact));
        expect(await cellsOf(int64, values)).toEqual(formatted(int64, values));
      }),
      { numRuns: 300 },
    );
  });
});

describe('CsvWriter.writeColumns bytes', () => {
  /**
   * A table written twice: by write() from rows (the reference: each cell the codec's text,
   * quoted by the dialect) and by writeColumns() from typed columns built from the same rows, in
   * batches of `batch` rows; string columns as dictionaries when asked.
   */
  async function bothWays(
    schema: readonly ColumnSpec[],
    rows: readonly TypedRow[],
    options: Partial<CsvOptions> = {},
    batch = Math.max(1, rows.length),
    dictionary = false,
  ): Promise<[Buffer, Buffer]> {
    const fromRows = new BufferSink();
    const rowWriter = new CsvWriter(fromRows, schema, options);
    await rowWriter.write(rows);
    await rowWriter.close();
    const fromColumns = new BufferSink();
    const columnWriter = new CsvWriter(fromColumns, schema, options);
    for (let start = 0; start < rows.length; start += batch) {
      const part = rows.slice(start, start + batch);
      const columns = schema.map((spec, c) => {
        const builder = new TypedColumnBuilder(spec, part.length);
        const cells = part.map((row) => row[c] ?? null);
        if (dictionary && spec.type === 'string' && cells.every((v) => v === null || typeof v === 'string')) {
          const texts = [...new Set(cells.filter((v): v is string => v !== null))];
          builder.takeDictionary(
            Int32Array.from(cells, (v) => (v === null ? -1 : texts.indexOf(v))),
            texts,
          );
        } else for (const v of cells) builder.append(v);
        return builder.finish();
      });
      await columnWriter.writeColumns(columns, part.length);
    }
    await columnWriter.close();
    return [Buffer.from(fromRows.bytes()), Buffer.from(fromColumns.bytes())];
  }

  const DIALECTS: readonly Partial<CsvOptions>[] = [
    {},
    { delimiter: ';' },
    { delimiter: '\t', header: false },
    { delimiter: '|', quote: "'" },
    { delimiter: '.', quote: '"' },
    { delimiter: '1' },
    { delimiter: '::' },
    { delimiter: ',', quote: '"', escape: '\\' },
  ];

  const UNITS = ['ms', 'us', 'ns'] as const;
  const PER_SECOND = { ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n } as const;
  /** 0001-01-01T00:00:00 and 9999-12-31T23:59:59, in seconds since the epoch. */
  const FIRST_SECOND = -62135596800n;
  const LAST_SECOND = 253402300799n;

  /** Timestamps of a unit: the ends of the range, around the epoch and around 2^53, with fractions. */
  function timestampEdges(unit: (typeof UNITS)[number]): bigint[] {
    const s = PER_SECOND[unit];
    const safe = BigInt(Number.MAX_SAFE_INTEGER);
    return [
      FIRST_SECOND * s,
      FIRST_SECOND * s + 1n,
      FIRST_SECOND * s + s - 1n,
      LAST_SECOND * s,
      LAST_SECOND * s + s - 1n,
      LAST_SECOND * s + 1000n,
      0n,
      -1n,
      1n,
      -s,
      -s - 1n,
      s * 86400n - 1n,
      1_767_225_600n * s + 17n * s,
      1_717_237_230_123_456n * (s / 1000n) + 7n,
      1_717_237_230_000n * (s / 1000n) + (s / 1000n) * 250n,
      safe,
      -safe,
      safe - 1n,
      safe + 1n,
      -safe - 1n,
      ...Array.from({ length: 8 }, (_, k) => 1_000_000_000n * 10n ** BigInt(k) + 10n ** BigInt(k)),
    ];
  }

  const STRINGS: readonly (string | null)[] = [
    null,
    '',
    ' ',
    'plain',
    'a,b',
    'a;b',
    'tab\there',
    'pipe|',
    'say "hi"',
    '"',
    '""',
    "it's",
    'line\nbreak',
    'cr\rhere',
    'crlf\r\n',
    ' lead',
    'trail ',
    '\ttabbed',
    'Zoë',
    '中文',
    '🌍 world',
    '\u0000nul',
    '\u007fdel',
    '\u00a0nbsp',
    'back\\slash',
    'back\\',
    '1.5',
    '::',
    'x'.repeat(40),
  ];

  it('writes strings, plain and as dictionaries, as write() does under every dialect', async () => {
    // Arrange
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int32', nullable: false },
      { name: 'text, "quoted"', type: 'string', nullable: true },
    ];
    const rows: TypedRow[] = STRINGS.map((s, i) => [i, s]);

    for (const options of DIALECTS) {
      for (const dictionary of [false, true]) {
        // Act
        const [expected, actual] = await bothWays(schema, rows, options, 7, dictionary);

        // Assert
        expect(actual.toString('hex')).toBe(expected.toString('hex'));
      }
    }
  });

  it('writes timestamps of every unit, zoned and naive, at the ends of the range as write() does', async () => {
    // Arrange
    const cases = UNITS.flatMap((unit) =>
      (['UTC', 'naive'] as const).map((zone) => ({ unit, zone, values: timestampEdges(unit) })),
    );

    for (const { unit, zone, values } of cases) {
      const schema: ColumnSpec[] = [{ name: 'at', type: 'timestamp', unit, zone, nullable: true }];
      const rows: TypedRow[] = [...values, null].map((v) => [v]);
      for (const options of [DIALECTS[0]!, DIALECTS[4]!, DIALECTS[5]!]) {
        // Act
        const [expected, actual] = await bothWays(schema, rows, options, 5);

        // Assert
        expect(actual.toString('utf8')).toBe(expected.toString('utf8'));
      }
    }
  });

  it('writes timestamps of days sharing a date-cache slot, and fractions of every width, as write() does', async () => {
    // Arrange: days 4096 apart (one slot of the writer's date cache) alternate row by row, each
    // with a fraction of a random width and trailing zeros, around years 1, 1970, 2024 and 9999.
    let seed = 20261207;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const anchors = [FIRST_SECOND / 86400n + 1n, -1n, 0n, 19_723n, LAST_SECOND / 86400n - 8192n];
    for (const unit of UNITS) {
      const s = PER_SECOND[unit];
      const rows: TypedRow[] = [];
      for (let i = 0; i < 600; i++) {
        const day = anchors[random(anchors.length)]! + BigInt(4096 * random(3));
        const second = day * 86400n + BigInt(random(86400));
        const zeros = 10n ** BigInt(random(unit === 'ns' ? 10 : unit === 'us' ? 7 : 4));
        const fraction = (BigInt(random(1_000_000_000)) % s) - ((BigInt(random(1_000_000_000)) % s) % zeros);
        rows.push([second * s + (fraction < 0n ? 0n : fraction)]);
      }
      for (const zone of ['UTC', 'naive'] as const) {
        const schema: ColumnSpec[] = [{ name: 'at', type: 'timestamp', unit, zone, nullable: true }];

        // Act
        const [expected, actual] = await bothWays(schema, rows, {}, 64);

        // Assert
        expect(actual.toString('utf8')).toBe(expected.toString('utf8'));
      }
    }
  });

  it('writes fixed-width cells after long texts across buffer boundaries as write() does', async () => {
    // Arrange: texts of up to 200 KB (which make their own room in the buffer) between integers,
    // wide decimals and dictionary texts (for which room is made once per row), over 3 MB.
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % n;
    };
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'text', type: 'string', nullable: true },
      { name: 'wide', type: 'decimal', precision: 38, scale: 30, nullable: true },
      { name: 'at', type: 'timestamp', unit: 'ns', zone: 'UTC', nullable: true },
      { name: 'kind', type: 'string', nullable: true },
      { name: 'last', type: 'int64', nullable: true },
    ];
    const kinds = ['short', 'k'.repeat(5000), null];
    const rows: TypedRow[] = Array.from({ length: 60 }, (_, i) => [
      -Number.MAX_SAFE_INTEGER + i,
      i % 7 === 0 ? null : 'x'.repeat(random(200_000)),
      BigInt(-Number.MAX_SAFE_INTEGER + random(1000)),
      BigInt(random(1_000_000_000)) * 1_000_000_007n,
      kinds[random(3)]!,
      i % 5 === 0 ? null : Number.MAX_SAFE_INTEGER - i,
    ]);

    for (const dictionary of [false, true]) {
      // Act
      const [expected, actual] = await bothWays(schema, rows, {}, 16, dictionary);

      // Assert
      expect(actual.length).toBeGreaterThan(3_000_000);
      expect(actual.toString('hex')).toBe(expected.toString('hex'));
    }
  });

  it('writes the cells after a text that fills the buffer to its last byte as write() does', async () => {
    // Arrange: one row per table, no header, in a new writer's buffer of 1.25 MB (FLUSH_AT and a
    // quarter): its text, after a 17-digit id and a comma, ends 0 to 7 bytes before the buffer's
    // end, where the double, integers, decimal and dictionary text that follow need room again
    // (Math.PI and 1.79e308 take the double's text from its codec, the others their digits).
    const capacity = (1 << 20) + (1 << 18);
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'text', type: 'string', nullable: false },
      { name: 'ratio', type: 'float64', nullable: false },
      { name: 'wide', type: 'decimal', precision: 38, scale: 30, nullable: false },
      { name: 'kind', type: 'string', nullable: false },
      { name: 'last', type: 'int64', nullable: false },
    ];
    const ratios = [-123456789012.3456, Math.PI, -1e-7, 1047.29, -0, 1.7976931348623157e308];

    for (let gap = 0; gap < 8; gap++) {
      const row: TypedRow = [
        -Number.MAX_SAFE_INTEGER + gap,
        'x'.repeat(capacity - 18 - gap),
        ratios[gap % ratios.length]!,
        BigInt(-Number.MAX_SAFE_INTEGER + gap),
        ['books', 'games'][gap % 2]!,
        Number.MAX_SAFE_INTEGER - gap,
      ];
      const [expected] = await bothWays(schema, [row], { header: false });
      const fromColumns = new BufferSink();
      const writer = new CsvWriter(fromColumns, schema, { header: false });
      const columns = schema.map((spec, c) => {
        const builder = new TypedColumnBuilder(spec, 1);
        if (c === 4) builder.takeDictionary(Int32Array.of(row[c] === 'books' ? 0 : 1), ['books', 'games']);
        else builder.append(row[c] ?? null);
        return builder.finish();
      });

      // Act
      await writer.writeColumns(columns, 1);
      await writer.close();

      // Assert
      expect(Buffer.from(fromColumns.bytes()).toString('hex')).toBe(expected.toString('hex'));
    }
  });

  it('hands the sink chunks that later writes leave as they were', async () => {
    // Arrange: a sink keeping the very chunks it is given (an upload gathering a part does), and
    // rows enough for several flushes of the writer's buffer.
    const kept: Uint8Array[] = [];
    const keeping = {
      name: 'keeping',
      write: (chunk: Uint8Array) => {
        kept.push(chunk);
        return Promise.resolve();
      },
      close: () => Promise.resolve(),
      abort: () => Promise.resolve(),
    };
    const schema: ColumnSpec[] = [
      { name: 'id', type: 'int64', nullable: false },
      { name: 'at', type: 'timestamp', unit: 'us', zone: 'UTC', nullable: false },
    ];
    const rows: TypedRow[] = Array.from({ length: 60_000 }, (_, i) => [
      i,
      1_717_237_230_123_456n + BigInt(i) * 7n,
    ]);
    const [expected] = await bothWays(schema, rows);
    const writer = new CsvWriter(keeping, schema);

    // Act
    for (let start = 0; start < rows.length; start += 8192) {
      const part = rows.slice(start, start + 8192);
      const columns = schema.map((spec, c) => {
        const builder = new TypedColumnBuilder(spec, part.length);
        for (const row of part) builder.append(row[c] ?? null);
        return builder.finish();
      });
      await writer.writeColumns(columns, part.length);
    }
    await writer.close();

    // Assert
    expect(kept.length).toBeGreaterThanOrEqual(2);
    expect(Buffer.concat(kept).toString('hex')).toBe(expected.toString('hex'));
  });

  /** 120,000 rows of an id and a timestamp: four flushes of the writer's buffer. */
  const FLUSHING_SCHEMA: readonly ColumnSpec[] = [
    { name: 'id', type: 'int64', nullable: false },
    { name: 'at', type: 'timestamp', unit: 'us', zone: 'UTC', nullable: false },
  ];
  const FLUSHING_ROWS: readonly TypedRow[] = Array.from({ length: 120_000 }, (_, i) => [
    i,
    1_717_237_230_123_456n + BigInt(i) * 7n,
  ]);

  /** Writes FLUSHING_ROWS by writeColumns in batches of 8192 rows, then closes. */
  async function writeFlushing(writer: CsvWriter): Promise<void> {
    for (let start = 0; start < FLUSHING_ROWS.length; start += 8192) {
      const part = FLUSHING_ROWS.slice(start, start + 8192);
      const columns = FLUSHING_SCHEMA.map((spec, c) => {
        const builder = new TypedColumnBuilder(spec, part.length);
        for (const row of part) builder.append(row[c] ?? null);
        return builder.finish();
      });
      await writer.writeColumns(columns, part.length);
    }
    await writer.close();
  }

  it('fills a buffer handed to a sink that releases chunks only once the write of it has ended', async () => {
    // Arrange: a sink done with each chunk when its write resolves, a few ticks later; it checks
    // that the chunk is still what it was given, and counts the writes under way at once.
    const [expected] = await bothWays(FLUSHING_SCHEMA, FLUSHING_ROWS);
    const received: Buffer[] = [];
    const changedInFlight: number[] = [];
    let underWay = 0;
    let mostUnderWay = 0;
    const slow = {
      name: 'slow',
      releasesChunks: true,
      async write(chunk: Uint8Array) {
        const copy = Buffer.from(chunk);
        underWay++;
        mostUnderWay = Math.max(mostUnderWay, underWay);
        for (let tick = 0; tick < 5; tick++) await new Promise((resolve) => setImmediate(resolve));
        if (!copy.equals(chunk)) changedInFlight.push(received.length);
        received.push(copy);
        underWay--;
      },
      close: () => Promise.resolve(),
      abort: () => Promise.resolve(),
    };

    // Act
    await writeFlushing(new CsvWriter(slow, FLUSHING_SCHEMA));

    // Assert
    expect(received.length).toBeGreaterThanOrEqual(3);
    expect(changedInFlight).toEqual([]);
    expect(mostUnderWay).toBe(1);
    expect(Buffer.concat(received).toString('hex')).toBe(expected.toString('hex'));
  });

  it('fails with the error of a failed write, and aborts the sink once that write has ended', async () => {
    for (const releasesChunks of [true, false]) {
      // Arrange: the second write fails a tick after it starts.
      const failure = new Error('disk full');
      const events: string[] = [];
      let writes = 0;
      const failing = {
        name: 'failing',
        releasesChunks,
        async write() {
          const n = ++writes;
          events.push(`write ${n}`);
          await new Promise((resolve) => setImmediate(resolve));
          events.push(`written ${n}`);
          if (n === 2) throw failure;
        },
        close: () => {
          events.push('close');
          return Promise.resolve();
        },
        abort: () => {
          events.push('abort');
          return Promise.resolve();
        },
      };
      const writer = new CsvWriter(failing, FLUSHING_SCHEMA);

      // Act
      const error = await writeFlushing(writer).then(
        () => undefined,
        (e: unknown) => e,
      );
      await writer.abort();

      // Assert
      expect(error).toBe(failure);
      expect(events).not.toContain('close');
      expect(events.indexOf('written 2')).toBeLessThan(events.indexOf('abort'));
      expect(events.filter((e) => e.startsWith('write '))).toEqual(['write 1', 'write 2']);
    }
  });

  it('writes numbers, decimals, dates and booleans at their edges as write() does', async () => {
    // Arrange
    const safe = Number.MAX_SAFE_INTEGER;
    const schema: ColumnSpec[] = [
      { name: 'i', type: 'int32', nullable: true },
      { name: 'l', type: 'int64', nullable: true },
      { name: 'f', type: 'float32', nullable: true },
      { name: 'd', type: 'float64', nullable: true },
      { name: 'm0', type: 'decimal', precision: 18, scale: 0, nullable: true },
      { name: 'm2', type: 'decimal', precision: 12, scale: 2, nullable: true },
      { name: 'm38', type: 'decimal', precision: 38, scale: 10, nullable: true },
      { name: 'b', type: 'boolean', nullable: true },
      { name: 'day', type: 'date', nullable: true },
    ];
    const int32s = [0, -1, 1, 2 ** 31 - 1, -(2 ** 31), 100, -100, null];
    const int64s: TypedValue[] = [0, -1, safe, -safe, 2n ** 53n, -(2n ** 63n), 2n ** 63n - 1n, null];
    const doubles = [-0, 0, NaN, Infinity, -Infinity, 0.1 + 0.2, 1e21, 5e-324, 1047.29, -1e-7, null];
    const decimals: TypedValue[] = [
      0n,
      -1n,
      5n,
      -5n,
      123456789n,
      BigInt(safe),
      -BigInt(safe),
      10n ** 37n,
      null,
    ];
    const days = ['0001-01-01', '9999-12-31', '1970-01-01', '2024-02-29', null];
    const height = Math.max(int32s.length, int64s.length, doubles.length, decimals.length, days.length);
    const at = <T>(values: readonly T[], r: number): T => values[r % values.length]!;
    const rows: TypedRow[] = Array.from({ length: height * 3 }, (_, r) => [
      at(int32s, r),
      at(int64s, r),
      ((f) => (f === null ? null : Math.fround(f)))(at(doubles, r + 1)),
      at(doubles, r),
      at(decimals, r),
      at(decimals, r + 2),
      at(decimals, r + 4),
      r % 3 === 2 ? null : r % 2 === 0,
      at(days, r),
    ]);

    for (const options of DIALECTS) {
      // Act
      const [expected, actual] = await bothWays(schema, rows, options, 4);

      // Assert
      expect(actual.toString('utf8')).toBe(expected.toString('utf8'));
    }
  });

  it('writes random tables of every type as write() does, byte for byte', async () => {
    // Arrange
    const schema: ColumnSpec[] = [
      { name: 's', type: 'string', nullable: true },
      { name: 'i', type: 'int32', nullable: true },
      { name: 'l', type: 'int64', nullable: true },
      { name: 'd', type: 'float64', nullable: true },
      { name: 'm', type: 'decimal', precision: 18, scale: 3, nullable: true },
      { name: 't', type: 'timestamp', unit: 'ms', zone: 'UTC', nullable: true },
      { name: 'u', type: 'timestamp', unit: 'us', zone: 'naive', nullable: true },
      { name: 'n', type: 'timestamp', unit: 'ns', zone: 'UTC', nullable: true },
      { name: 'b', type: 'boolean', nullable: true },
    ];
    const timestamp = (unit: (typeof UNITS)[number]): fc.Arbitrary<bigint> =>
      fc.oneof(
        fc.bigInt({ min: FIRST_SECOND * PER_SECOND[unit], max: LAST_SECOND * PER_SECOND[unit] }),
        fc.bigInt({ min: -(2n ** 53n), max: 2n ** 53n }),
        fc.integer({ min: 0, max: 10 ** 9 }).map((k) => 1_700_000_000n * PER_SECOND[unit] + BigInt(k)),
      );
    const row = fc.tuple(
      fc.option(fc.oneof(fc.constantFrom(...STRINGS), fc.string({ unit: 'grapheme', maxLength: 6 })), {
        nil: null,
      }),
      fc.option(fc.integer(), { nil: null }),
      fc.option(fc.oneof(fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), {
        nil: null,
      }),
      fc.option(
        fc.oneof(
          fc.double(),
          fc.tuple(fc.integer(), fc.integer({ min: 0, max: 8 })).map(([m, k]) => m / 10 ** k),
        ),
        { nil: null },
      ),
      fc.option(fc.bigInt({ min: -(10n ** 18n) + 1n, max: 10n ** 18n - 1n }), { nil: null }),
      fc.option(timestamp('ms'), { nil: null }),
      fc.option(timestamp('us'), { nil: null }),
      fc.option(timestamp('ns'), { nil: null }),
      fc.option(fc.boolean(), { nil: null }),
    );
    const tables = fc.record({
      rows: fc.array(row, { maxLength: 24 }),
      options: fc.constantFrom(...DIALECTS),
      batch: fc.integer({ min: 1, max: 10 }),
      dictionary: fc.boolean(),
    });

    // Act + Assert
    await fc.assert(
      fc.asyncProperty(tables, async ({ rows, options, batch, dictionary }) => {
        const [expected, actual] = await bothWays(schema, rows, options, batch, dictionary);
        expect(actual.toString('hex')).toBe(expected.toString('hex'));
      }),
      { numRuns: 300, seed: 20261207 },
    );
  });
});
