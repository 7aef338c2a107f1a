/**
 * The typing stage of the column path gives, for every kind of vector, the values and the first
 * error that typing the same cells one by one through the column codecs gives (the row path's
 * typing, the specification); and the digest of typed columns equals the digest of the same rows.
 */
import fc from 'fast-check';
import type { SchemaElement } from 'hyparquet';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { describe, expect, it } from 'vitest';

import { TableDigest } from '../../../../lambdas/core/conversion/table-digest';
import {
  ColumnBatchTyper,
  flatColumn,
  typeColumnBatch,
  type TypingPlan,
} from '../../../../lambdas/core/conversion/type-column-batch';
import type { ColumnSpec } from '../../../../lambdas/core/contracts/output-contract';
import {
  columnCodec,
  NOT_CONFORMING,
  type TypedValue,
} from '../../../../lambdas/core/contracts/typed-values';
import { FormatError } from '../../../../lambdas/core/errors';
import {
  columnBatchOf,
  rawCellOf,
  TEXT_ESCAPED,
  TEXT_NULL,
  TEXT_QUOTED,
  type ColumnBatch,
  type ColumnVector,
} from '../../../../lambdas/core/formats/column-batch';
import { readCsvColumns } from '../../../../lambdas/core/formats/csv-column-reader';
import { readParquetColumns } from '../../../../lambdas/core/formats/index';
import {
  rowsOfColumns,
  TypedColumnBuilder,
  type TypedColumn,
} from '../../../../lambdas/core/formats/typed-column';
import { parts } from '../../../fixtures/format-io';
import { sourceOf } from '../../../fixtures/parquet-arrow-tables';
import {
  columnArbitrary,
  trickyText,
  typedTableArbitrary,
  valueArbitrary,
} from '../../../fixtures/typed-tables';
import { seededRandom } from '../../../fixtures/seeded-random';

/** Each cell through its codec, row by row: the row path's typing. */
function typeByCells(batch: ColumnBatch, plan: TypingPlan): TypedValue[][] {
  const codecs = plan.schema.map(columnCodec);
  const at = plan.sourceNames.map((name) => batch.columns.indexOf(name));
  const rows: TypedValue[][] = [];
  for (let r = 0; r < batch.length; r++) {
    rows.push(
      plan.schema.map((spec, i) => {
        const vector = at[i]! >= 0 ? batch.vectors[at[i]!]! : null;
        const raw = vector === null ? null : rawCellOf(vector, r);
        if (raw === null) {
          if (!spec.nullable)
            throw new FormatError(
              `row ${batch.firstRow + r}: ${spec.name} is null but not nullable; cannot convert`,
            );
          return null;
        }
        const v = codecs[i]!.parse(raw);
        if (v === NOT_CONFORMING)
          throw new FormatError(
            `row ${batch.firstRow + r}: '${String(raw).slice(0, 60)}' in ${spec.name} is not ${spec.type}; cannot convert`,
          );
        return v;
      }),
    );
  }
  return rows;
}

type Outcome = { readonly rows: TypedValue[][] } | { readonly error: string };

function outcome(act: () => TypedValue[][]): Outcome {
  try {
    return { rows: act() };
  } catch (e) {
    if (!(e instanceof FormatError)) throw e;
    return { error: e.message };
  }
}

/** The column path's outcome for a batch, as rows of typed values. */
function byColumns(batch: ColumnBatch, plan: TypingPlan): Outcome {
  return outcome(() => rowsOfColumns(typeColumnBatch(batch, plan), plan.schema, batch.length));
}

/**
 * An outcome as canonical text per cell, with the value's JS type except for int64 (where 5 and 5n
 * are one value: writers take either).
 */
function canonical(plan: TypingPlan, o: Outcome): unknown {
  if ('error' in o) return o;
  const codecs = plan.schema.map(columnCodec);
  return o.rows.map((row) =>
    row.map((v, i) => {
      const text = codecs[i]!.canonical(v);
      return plan.schema[i]!.type === 'int64' ? text : `${typeof v}:${text}`;
    }),
  );
}

/** The column path's and the row path's typing of a batch, comparable. */
function typings(batch: ColumnBatch, plan: TypingPlan): { actual: unknown; expected: unknown } {
  return {
    actual: canonical(plan, byColumns(batch, plan)),
    expected: canonical(
      plan,
      outcome(() => typeByCells(batch, plan)),
    ),
  };
}

const ENCODER = new TextEncoder();

/** A text vector over one shared buffer, as the CSV column reader gives (cells interleaved). */
function textBatch(columns: readonly string[], rows: readonly (readonly (string | null)[])[]): ColumnBatch {
  const parts: number[] = [];
  const starts = columns.map(() => new Int32Array(rows.length));
  const ends = columns.map(() => new Int32Array(rows.length));
  const flags = columns.map(() => new Uint8Array(rows.length));
  rows.forEach((row, r) =>
    row.forEach((cell, k) => {
      starts[k]![r] = parts.length;
      if (cell === null) flags[k]![r] = TEXT_NULL;
      else {
        // A cell holding a quote is stored escaped (doubled), as in a quoted CSV field.
        const escaped = cell.includes('"');
        const stored = escaped ? cell.replaceAll('"', '""') : cell;
        flags[k]![r] = (escaped ? TEXT_ESCAPED : 0) | (cell === '' || escaped ? TEXT_QUOTED : 0);
        for (const b of ENCODER.encode(stored)) parts.push(b);
      }
      ends[k]![r] = parts.length;
    }),
  );
  const bytes = Uint8Array.from(parts);
  const vectors = columns.map((_, k): ColumnVector => ({
    kind: 'text',
    bytes,
    start: starts[k]!,
    end: ends[k]!,
    flags: flags[k]!,
    unescape: (t) => t.replaceAll('""', '"'),
  }));
  return { columns, vectors, length: rows.length, firstRow: 1 };
}

function planOf(schema: readonly ColumnSpec[]): TypingPlan {
  return { schema, sourceNames: schema.map((c) => c.name) };
}

describe('typeColumnBatch', () => {
  it('types text cells as the codecs type them, whatever the cell holds', () => {
    // Prepare: per column, a contract column and text cells: values that fit, tricky text, nulls
    const cellsOf = (spec: ColumnSpec) =>
      fc.array(
        fc.oneof(
          valueArbitrary(spec).map((v) => columnCodec(spec).format(v)),
          trickyText,
          fc.constantFrom(null, '', ' 1', '+7', '-0', '1.', '.5', '1e3', '2024-02-30', '9007199254740993'),
        ),
        { minLength: 1, maxLength: 6 },
      );
    const batches = fc
      .array(columnArbitrary('c'), { minLength: 1, maxLength: 4 })
      .map((specs) => specs.map((s, i) => ({ ...s, name: `c${i}` })))
      .chain((schema) =>
        fc.record({
          schema: fc.constant(schema),
          columns: fc.tuple(...schema.map(cellsOf)),
        }),
      );

    // Act + Assess
    fc.assert(
      fc.property(batches, ({ schema, columns }) => {
        const n = Math.min(...columns.map((c) => c.length));
        const rows = Array.from({ length: n }, (_, r) => columns.map((c) => c[r]!));
        const typed = typings(
          textBatch(
            schema.map((c) => c.name),
            rows,
          ),
          planOf(schema),
        );
        expect(typed.actual).toEqual(typed.expected);
      }),
      { numRuns: 300 },
    );
  });

  it('decodes the text of every batch of the CSV column reader, which reuses its buffer', async () => {
    // Prepare: ASCII rows in one chunk, then a non-ASCII cell appended to the same buffer
    const chunks = () => parts(`s,n\n${'abc,1\n'.repeat(4)}`, 'é,2\n"q""x",3\n');
    const schema: ColumnSpec[] = [
      { name: 's', type: 'string', nullable: true },
      { name: 'n', type: 'int64', nullable: true },
    ];

    // Act
    const rows: TypedValue[][] = [];
    for await (const batch of readCsvColumns(chunks(), { batchSize: 2 }))
      rows.push(...rowsOfColumns(typeColumnBatch(batch, planOf(schema)), schema, batch.length));

    // Assess
    expect(rows).toEqual([
      ['abc', 1],
      ['abc', 1],
      ['abc', 1],
      ['abc', 1],
      ['é', 2],
      ['q"x', 3],
    ]);
  });

  it('decodes string columns that share one batch of bytes, ASCII or not, escaped or null', async () => {
    // Arrange: three string columns over one buffer; the last holds non-ASCII text in one batch
    const csv = 'a,b,n,c\nx1,"y,1",1,z\nx2,,2,"é"\n"x""3",y3,3,\nx4,y4,4,w\n';
    const schema: ColumnSpec[] = [
      { name: 'a', type: 'string', nullable: true },
      { name: 'b', type: 'string', nullable: true },
      { name: 'n', type: 'int64', nullable: true },
      { name: 'c', type: 'string', nullable: true },
    ];

    // Act
    const rows: TypedValue[][] = [];
    for (const batchSize of [2, 4]) {
      for await (const batch of readCsvColumns(parts(csv), { batchSize }))
        rows.push(...rowsOfColumns(typeColumnBatch(batch, planOf(schema)), schema, batch.length));
    }

    // Assess
    const expected = [
      ['x1', 'y,1', 1, 'z'],
      ['x2', null, 2, 'é'],
      ['x"3', 'y3', 3, null],
      ['x4', 'y4', 4, 'w'],
    ];
    expect(rows).toEqual([...expected, ...expected]);
  });

  it('reports the first failing cell in row order, then column order', () => {
    // Prepare: column b fails in row 2, column a in row 3 and a null in non-nullable c in row 2
    const schema: ColumnSpec[] = [
      { name: 'a', type: 'int32', nullable: true },
      { name: 'b', type: 'float64', nullable: true },
      { name: 'c', type: 'string', nullable: false },
    ];
    const batch = textBatch(
      ['a', 'b', 'c'],
      [
        ['1', '1.5', 'x'],
        ['2', 'abc', null],
        ['x', '2', 'y'],
      ],
    );

    // Act
    const result = byColumns(batch, planOf(schema));

    // Assess
    expect(result).toEqual({ error: "row 2: 'abc' in b is not float64; cannot convert" });
  });

  it('types a column the batch lacks as nulls, and refuses it when not nullable', () => {
    // Prepare
    const batch = textBatch(['a'], [['1'], ['2']]);
    const nullable: ColumnSpec[] = [
      { name: 'a', type: 'int64', nullable: false },
      { name: 'late', type: 'string', nullable: true },
    ];
    const required: ColumnSpec[] = [nullable[0]!, { name: 'late', type: 'string', nullable: false }];

    // Act
    const kept = byColumns(batch, planOf(nullable));
    const refused = byColumns(batch, planOf(required));

    // Assess
    expect(kept).toEqual({
      rows: [
        [1, null],
        [2, null],
      ],
    });
    expect(refused).toEqual({ error: 'row 1: late is null but not nullable; cannot convert' });
  });

  describe('typed vectors', () => {
    const valid = (n: number, nulls: readonly number[]): Uint8Array => {
      const v = new Uint8Array(n).fill(1);
      for (const r of nulls) v[r] = 0;
      return v;
    };

    it('takes int64 values past 2^53 exactly and safe ones as numbers', () => {
      // Prepare: the edges of the safe range and of int64
      const values = BigInt64Array.from([
        0n,
        -1n,
        2n ** 53n - 1n,
        2n ** 53n,
        -(2n ** 53n) + 1n,
        -(2n ** 53n),
        2n ** 63n - 1n,
        -(2n ** 63n),
        2n ** 32n,
        -(2n ** 32n),
        0n,
      ]);
      const vector: ColumnVector = { kind: 'int64', values, valid: valid(values.length, [10]) };
      const batch: ColumnBatch = {
        columns: ['n', 'm'],
        vectors: [vector, vector],
        length: values.length,
        firstRow: 1,
      };

      // Act + Assess: into int64, and into int32 (where all but the small ones do not fit)
      const asInt64 = typings(batch, {
        schema: [{ name: 'n', type: 'int64', nullable: true }],
        sourceNames: ['n'],
      });
      expect(asInt64.actual).toEqual(asInt64.expected);
      const asInt32 = typings(batch, {
        schema: [{ name: 'm', type: 'int32', nullable: true }],
        sourceNames: ['m'],
      });
      expect(asInt32.actual).toEqual(asInt32.expected);
      expect(byColumns(batch, planOf([{ name: 'n', type: 'int64', nullable: true }]))).toEqual({
        rows: [
          [0],
          [-1],
          [2 ** 53 - 1],
          [2n ** 53n],
          [-(2 ** 53) + 1],
          [-(2n ** 53n)],
          [2n ** 63n - 1n],
          [-(2n ** 63n)],
          [2 ** 32],
          [-(2 ** 32)],
          [null],
        ],
      });
    });

    it.each([
      ['us', true, { unit: 'us', zone: 'UTC' }],
      ['us', false, { unit: 'us', zone: 'UTC' }],
      ['us', true, { unit: 'us', zone: 'naive' }],
      ['us', false, { unit: 'us', zone: 'naive' }],
      ['us', true, { unit: 'us', zone: '+05:30' }],
      ['us', false, { unit: 'us', zone: '+05:30' }],
      ['ms', true, { unit: 'us', zone: 'UTC' }],
      ['ns', true, { unit: 'ms', zone: 'UTC' }],
      ['ns', false, { unit: 'ns', zone: 'UTC' }],
    ] as const)('types %s timestamps (utc: %s) into a %o column as their text does', (unit, utc, column) => {
      // Prepare: years 0001 and 9999, beyond them, the epoch, sub-second counts
      const perSecond = { ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n }[unit];
      const seconds = [-62135596800n, 253402300799n, 253402300800n, -62167219201n, 0n, -1n, 1717237230n];
      const values = BigInt64Array.from([...seconds.map((s) => s * perSecond), 123n, -123n, 0n]);
      const vector: ColumnVector = { kind: 'timestamp', values, unit, utc, valid: valid(values.length, [9]) };
      const batch: ColumnBatch = { columns: ['t'], vectors: [vector], length: values.length, firstRow: 1 };

      // Act + Assess: row by row, each value alone, so that one misfit does not hide the others
      for (let r = 0; r < values.length; r++) {
        const one: ColumnBatch = {
          columns: ['t'],
          vectors: [{ ...vector, values: values.slice(r, r + 1), valid: vector.valid!.slice(r, r + 1) }],
          length: 1,
          firstRow: r + 1,
        };
        const asTimestamp = typings(
          one,
          planOf([{ name: 't', type: 'timestamp', nullable: true, ...column }]),
        );
        expect(asTimestamp.actual).toEqual(asTimestamp.expected);
      }
      const asText = typings(batch, planOf([{ name: 't', type: 'string', nullable: true }]));
      expect(asText.actual).toEqual(asText.expected);
    });

    it('types dates of years 0000 to 9999 as their text, and refuses the others as the codec does', () => {
      // Prepare
      const values = Int32Array.from([0, -719162, 2932896, 2932897, -719528, -719529, 19000]);
      const vector: ColumnVector = { kind: 'date', values, valid: valid(values.length, [6]) };

      // Act + Assess
      for (let r = 0; r < values.length; r++) {
        const one: ColumnBatch = {
          columns: ['d'],
          vectors: [{ ...vector, values: values.slice(r, r + 1), valid: vector.valid!.slice(r, r + 1) }],
          length: 1,
          firstRow: r + 1,
        };
        const asDate = typings(one, planOf([{ name: 'd', type: 'date', nullable: true }]));
        expect(asDate.actual).toEqual(asDate.expected);
        const asString = typings(one, planOf([{ name: 'd', type: 'string', nullable: true }]));
        expect(asString.actual).toEqual(asString.expected);
      }
    });

    it('parses each dictionary string by the column codec, failing at the first row holding a misfit', () => {
      // Prepare
      const vector: ColumnVector = {
        kind: 'dictionary',
        indices: Int32Array.from([0, 1, -1, 0, 2, 1]),
        dictionary: ['2024-01-01', '2024-02-29', 'not a date'],
      };
      const batch: ColumnBatch = { columns: ['d'], vectors: [vector], length: 6, firstRow: 11 };

      // Act + Assess
      const asString = typings(batch, planOf([{ name: 'd', type: 'string', nullable: true }]));
      expect(asString.actual).toEqual(asString.expected);
      const asDate = typings(batch, planOf([{ name: 'd', type: 'date', nullable: true }]));
      expect(asDate.actual).toEqual(asDate.expected);
      expect(byColumns(batch, planOf([{ name: 'd', type: 'date', nullable: true }]))).toEqual({
        error: "row 15: 'not a date' in d is not date; cannot convert",
      });
    });

    it('types floats, int32 and booleans through the codecs', () => {
      // Prepare
      const floats: ColumnVector = {
        kind: 'float64',
        values: Float64Array.from([0.1, -0, NaN, Infinity, 3.5e38, 1e-46, 0]),
        valid: valid(7, [6]),
      };
      const ints: ColumnVector = {
        kind: 'int32',
        values: Int32Array.from([1, -129, 40000, 0, 0, 0, 0]),
        valid: null,
      };
      const bools: ColumnVector = {
        kind: 'boolean',
        values: Uint8Array.from([1, 0, 1, 0, 1, 0, 1]),
        valid: null,
      };
      const batch: ColumnBatch = {
        columns: ['f', 'i', 'b'],
        vectors: [floats, ints, bools],
        length: 7,
        firstRow: 1,
      };
      const specs: ColumnSpec[][] = [
        [{ name: 'f', type: 'float64', nullable: true }],
        [{ name: 'f', type: 'float32', nullable: true }],
        [{ name: 'i', type: 'int32', nullable: true, physical: 'int8' }],
        [{ name: 'i', type: 'int64', nullable: true }],
        [{ name: 'b', type: 'boolean', nullable: true }],
      ];

      // Act + Assess
      for (const schema of specs) {
        const same = typings(batch, planOf(schema));
        expect(same.actual).toEqual(same.expected);
      }
    });
  });

  it('types text timestamps of repeated and changing dates as each cell alone, invalid dates failing', () => {
    // Prepare: runs of one date, a date that does not exist after a valid one of the same day
    // and month, and the valid date again
    const cells = [
      '2024-02-29 10:00:00',
      '2024-02-29T23:59:59.5',
      '2024-02-29 00:00:00Z',
      '2024-03-01 00:00:00',
      '2024-02-29 01:02:03',
      '2023-02-29 00:00:00',
      '2024-02-29 01:02:03',
    ];
    const schema: ColumnSpec[] = [{ name: 't', type: 'timestamp', unit: 'us', zone: 'UTC', nullable: true }];

    // Act + Assess
    for (const n of [5, 7]) {
      const batch = textBatch(
        ['t'],
        cells.slice(0, n).map((c) => [c]),
      );
      const result = typings(batch, planOf(schema));
      expect(result.actual).toEqual(result.expected);
    }
    expect(
      byColumns(
        textBatch(
          ['t'],
          cells.map((c) => [c]),
        ),
        planOf(schema),
      ),
    ).toEqual({
      error: "row 6: '2023-02-29 00:00:00' in t is not timestamp; cannot convert",
    });
  });

  it('takes doubles into a float64 column as they are, failing at a null it does not allow', () => {
    // Prepare
    const vector: ColumnVector = {
      kind: 'float64',
      values: Float64Array.from([1.5, -0, NaN, -Infinity, 5e-324, 7]),
      valid: Uint8Array.from([1, 1, 1, 1, 0, 1]),
    };
    const batch: ColumnBatch = { columns: ['f'], vectors: [vector], length: 6, firstRow: 3 };

    // Act + Assess
    const nullable = typings(batch, planOf([{ name: 'f', type: 'float64', nullable: true }]));
    expect(nullable.actual).toEqual(nullable.expected);
    expect(byColumns(batch, planOf([{ name: 'f', type: 'float64', nullable: true }]))).toEqual({
      rows: [[1.5], [-0], [NaN], [-Infinity], [null], [7]],
    });
    const strict = typings(batch, planOf([{ name: 'f', type: 'float64', nullable: false }]));
    expect(strict.actual).toEqual(strict.expected);
    expect(byColumns(batch, planOf([{ name: 'f', type: 'float64', nullable: false }]))).toEqual({
      error: 'row 7: f is null but not nullable; cannot convert',
    });
  });

  it('types the column batch of JSON rows as the rows, lone surrogates kept', () => {
    // Prepare
    const batch = columnBatchOf({
      columns: ['s', 'n', 'big'],
      rows: [
        ['a\ud800b', 1, 12345678901234567890n],
        ['\udfff', 2.5, null],
        ['ok', null, 1n],
      ],
      firstRow: 1,
    });
    const schema: ColumnSpec[] = [
      { name: 's', type: 'string', nullable: true },
      { name: 'n', type: 'float64', nullable: true },
      { name: 'big', type: 'decimal', precision: 38, scale: 0, nullable: true },
    ];

    // Act
    const result = byColumns(batch, planOf(schema));

    // Assess
    expect(result).toEqual({
      rows: [
        ['a\ud800b', 1, 12345678901234567890n],
        ['\udfff', 2.5, null],
        ['ok', null, 1n],
      ],
    });
  });
});

describe('typeColumnBatch interning string columns (the read-back)', () => {
  const schema: ColumnSpec[] = [
    { name: 'few', type: 'string', nullable: true },
    { name: 'many', type: 'string', nullable: true },
    { name: 'n', type: 'int64', nullable: true },
  ];
  const plan = planOf(schema);
  /** Rows of a repeated pool, of mostly distinct texts (past the interning limit) and a number. */
  const rowsArbitrary = fc.array(
    fc.tuple(
      fc.option(fc.oneof(fc.constantFrom('', 'a', 'b', 'é', 'x"y', 'a,b', 'ab', 'ba'), trickyText), {
        nil: null,
      }),
      fc.option(
        fc.oneof(
          fc.integer({ min: 0, max: 5000 }).map((k) => `id-${k}`),
          trickyText,
        ),
        { nil: null },
      ),
      fc.option(fc.integer({ min: -5, max: 5 }).map(String), { nil: null }),
    ),
    // Past 256 rows, the mostly distinct column goes past the interning limit in most batches.
    { minLength: 1, maxLength: 700, size: 'max' },
  );

  it('types the same values as cell by cell, distinct texts past the limit or not', () => {
    // Arrange: batches of repeated and of distinct texts, ASCII or not, escaped, empty or null
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        const batch = textBatch(
          schema.map((c) => c.name),
          rows,
        );

        // Act
        const interned = typeColumnBatch(batch, plan, { internStrings: true });

        // Assess
        const actual = canonical(plan, { rows: rowsOfColumns(interned, schema, batch.length) });
        expect(actual).toEqual(
          canonical(
            plan,
            outcome(() => typeByCells(batch, plan)),
          ),
        );
      }),
      { numRuns: 100 },
    );
  });

  it('gives the digest of the same columns typed as texts', () => {
    // Arrange: the same batches typed both ways
    fc.assert(
      fc.property(rowsArbitrary, (rows) => {
        const batch = textBatch(
          schema.map((c) => c.name),
          rows,
        );
        const plain = new TableDigest(schema);
        const interned = new TableDigest(schema);

        // Act
        plain.addColumns(typeColumnBatch(batch, plan), batch.length);
        interned.addColumns(typeColumnBatch(batch, plan, { internStrings: true }), batch.length);

        // Assess
        expect(interned.digest()).toEqual(plain.digest());
      }),
      { numRuns: 100 },
    );
  });

  it('keeps a column of a few distinct texts as a dictionary, gives up past the limit, refuses a null', () => {
    // Arrange: 2,000 rows of four texts; a non-nullable column with a null in row 3; 600 distinct
    const few = Array.from({ length: 2000 }, (_, r) => [['books', 'games', 'é', 'a,b'][r % 4]!]);
    const strict: ColumnSpec[] = [{ name: 'few', type: 'string', nullable: false }];

    // Act
    const [column] = typeColumnBatch(textBatch(['few'], few), planOf(strict), { internStrings: true });
    const refused = outcome(() =>
      rowsOfColumns(
        typeColumnBatch(textBatch(['few'], [['a'], ['b'], [null], ['a']]), planOf(strict), {
          internStrings: true,
        }),
        strict,
        4,
      ),
    );

    const distinct = Array.from({ length: 600 }, (_, r) => [`id-${r}`]);
    const [many] = typeColumnBatch(textBatch(['few'], distinct), planOf(strict), { internStrings: true });

    // Assess
    expect(many?.kind).toBe('string');
    expect(many?.kind === 'string' ? many.values : []).toEqual(distinct.map(([t]) => t));
    expect(column?.kind).toBe('dictionary');
    expect(column?.kind === 'dictionary' ? column.dictionary : []).toEqual(['books', 'games', 'é', 'a,b']);
    expect(refused).toEqual({ error: 'row 3: few is null but not nullable; cannot convert' });
  });
});

describe('TableDigest.addColumns', () => {
  it('gives the digest addRow gives for the same rows', () => {
    // Prepare: text holding lone surrogates and the separator itself among the values
    const schema: ColumnSpec[] = [
      { name: 's', type: 'string', nullable: true },
      { name: 't', type: 'timestamp', unit: 'ns', zone: 'UTC', nullable: true },
      { name: 'd', type: 'decimal', precision: 38, scale: 2, nullable: true },
      { name: 'f', type: 'float32', nullable: true },
      { name: 'b', type: 'boolean', nullable: true },
    ];
    const cells = fc.tuple(
      fc.option(fc.oneof(trickyText, fc.constantFrom('a\ud800', '\udc00b', 'x\u001fy', '\u001f')), {
        nil: null,
      }),
      fc.option(valueArbitrary(schema[1]!), { nil: null }),
      fc.option(valueArbitrary(schema[2]!), { nil: null }),
      fc.option(valueArbitrary(schema[3]!), { nil: null }),
      fc.option(fc.boolean(), { nil: null }),
    );

    // Act + Assess
    fc.assert(
      fc.property(fc.array(cells, { maxLength: 8 }), (rows) => {
        const byRows = new TableDigest(schema);
        for (const row of rows) byRows.addRow(row);
        const text = rows.map((row) =>
          row.map((v, i) => (v === null ? null : columnCodec(schema[i]!).format(v))),
        );
        const batch = textBatch(
          schema.map((c) => c.name),
          text.map((row, r) => row.map((v, i) => (i === 0 ? rows[r]![0]! : v))),
        );
        // The string column's lone surrogates cannot travel as UTF-8: that column goes as cells.
        const vectors = [...batch.vectors];
        vectors[0] = { kind: 'cells', values: rows.map((row) => row[0]!) };
        const columns = typeColumnBatch({ ...batch, vectors }, planOf(schema));
        const byColumns = new TableDigest(schema);
        byColumns.addColumns(columns, rows.length);
        expect(byColumns.rows).toBe(rows.length);
        expect(byColumns.digest()).toEqual(byRows.digest());
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same digest for runs longer than one joined slice, lone surrogates anywhere', () => {
    // Arrange: runs of a few thousand texts between nulls, a lone surrogate past the first slice
    const schema: ColumnSpec[] = [{ name: 's', type: 'string', nullable: true }];
    const values: (string | null)[] = Array.from({ length: 5000 }, (_, r) => `v${r}`);
    values[1500] = 'x\ud800';
    values[2600] = null;
    values[4999] = '\u001f';

    // Act
    const byRows = new TableDigest(schema);
    for (const v of values) byRows.addRow([v]);
    const byColumns = new TableDigest(schema);
    byColumns.addColumns([{ kind: 'string', values }], values.length);
    const changed = new TableDigest(schema);
    changed.addColumns([{ kind: 'string', values: values.map((v, r) => (r === 3000 ? 'v3000 ' : v)) }], 5000);

    // Assess
    const expected = byRows.digest();
    expect(byColumns.digest()).toEqual(expected);
    expect(changed.digest()).not.toEqual(expected);
  });
});

describe('TableDigest.addColumns over typed columns of every type', () => {
  /** Typed columns of rows, as a column-fed producer builds them. */
  function columnsOf(schema: readonly ColumnSpec[], rows: readonly (readonly TypedValue[])[]) {
    const builders = schema.map((c) => new TypedColumnBuilder(c, Math.max(1, rows.length)));
    for (const row of rows) row.forEach((v, i) => builders[i]!.append(v));
    return builders.map((b) => b.finish());
  }

  it('gives the digest addRow gives for random tables', () => {
    // Act + Assess
    fc.assert(
      fc.property(typedTableArbitrary({ maxRows: 8 }), ({ schema, rows }) => {
        const byRows = new TableDigest(schema);
        for (const row of rows) byRows.addRow(row);
        const byColumns = new TableDigest(schema);
        byColumns.addColumns(columnsOf(schema, rows), rows.length);
        expect(byColumns.digest()).toEqual(byRows.digest());
      }),
      { numRuns: 300 },
    );
  });

  it.each(['ms', 'us', 'ns'] as const)(
    'writes %s timestamp counts of any safe size as the codec does',
    (unit) => {
      // Prepare: counts near ±2^53, where the arithmetic of a second's fraction is at its edge
      const edges = [2 ** 53 - 1, -(2 ** 53) + 1, 999_999_999_999_999, -999_999_999, 1, -1, 0];
      const counts = fc.oneof(
        fc.constantFrom(...edges),
        fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
        fc
          .constantFrom(...edges)
          .chain((e) => fc.integer({ min: -2000, max: 2000 }).map((d) => e - Math.sign(e) * Math.abs(d))),
      );

      // Act + Assess
      fc.assert(
        fc.property(
          fc.constantFrom('UTC', 'naive'),
          fc.array(fc.option(counts, { nil: null }), { maxLength: 6 }),
          (zone, values) => {
            const schema: ColumnSpec[] = [{ name: 't', type: 'timestamp', unit, zone, nullable: true }];
            const rows = values.map((v) => [v === null ? null : BigInt(v)]);
            const byRows = new TableDigest(schema);
            for (const row of rows) byRows.addRow(row);
            const byColumns = new TableDigest(schema);
            byColumns.addColumns(
              columnsOf(
                schema,
                values.map((v) => [v]),
              ),
              rows.length,
            );
            expect(byColumns.digest()).toEqual(byRows.digest());
          },
        ),
        { numRuns: 300 },
      );
    },
  );
});

describe('dictionary-encoded string columns', () => {
  const schema: ColumnSpec[] = [{ name: 's', type: 'string', nullable: true }];
  // Short and long texts (a long one is copied in bulk), one needing quotes, non-ASCII, a lone
  // surrogate (hashed by its code units) and the separator itself.
  const dictionary = ['eu', 'a text longer than sixteen bytes', 'x,"y"', 'Zürich', 'x\ud800', '\u001f'];
  const indices = Int32Array.from({ length: 3000 }, (_, r) =>
    r % 7 === 6 ? -1 : (r * 5) % dictionary.length,
  );
  const batch = (idx: Int32Array, firstRow = 1): ColumnBatch => ({
    columns: ['s'],
    vectors: [{ kind: 'dictionary', indices: idx, dictionary }],
    length: idx.length,
    firstRow,
  });
  const texts = Array.from(indices, (i) => (i < 0 ? null : dictionary[i]!));

  it('stays indices into its texts, which give the rows and the digest of the texts', () => {
    // Act
    const [column] = typeColumnBatch(batch(indices), planOf(schema));
    const byDictionary = new TableDigest(schema);
    byDictionary.addColumns([column!], indices.length);
    const byTexts = new TableDigest(schema);
    byTexts.addColumns([{ kind: 'string', values: texts }], texts.length);
    const byRows = new TableDigest(schema);
    for (const t of texts) byRows.addRow([t]);

    // Assess
    expect(column!.kind).toBe('dictionary');
    expect(rowsOfColumns([column!], schema, indices.length).map((r) => r[0])).toEqual(texts);
    const expected = byRows.digest();
    expect(byDictionary.digest()).toEqual(expected);
    expect(byTexts.digest()).toEqual(expected);
  });

  it('hashes a batch of more bytes than its buffer holds, and a text longer than the buffer', () => {
    // Arrange: 70,000 rows of a 40-byte text (past the 64 KiB buffer), then a 100 KB text
    const long = 'y'.repeat(100_000);
    const big = ['a'.repeat(40), long];
    const idx = Int32Array.from({ length: 70_001 }, (_, r) => (r === 70_000 ? 1 : 0));
    const column = { kind: 'dictionary' as const, indices: idx, dictionary: big };

    // Act
    const byDictionary = new TableDigest(schema);
    byDictionary.addColumns([column], idx.length);
    const byRows = new TableDigest(schema);
    for (const i of idx) byRows.addRow([big[i]!]);

    // Assess
    expect(byDictionary.digest()).toEqual(byRows.digest());
  });

  it('gives another digest when one row points at another text', () => {
    // Arrange
    const changed = indices.slice();
    changed[2500] = (changed[2500]! + 1) % dictionary.length;

    // Act
    const digest = (idx: Int32Array) => {
      const d = new TableDigest(schema);
      d.addColumns(typeColumnBatch(batch(idx), planOf(schema)), idx.length);
      return d.digest();
    };

    // Assess
    expect(digest(changed)).not.toEqual(digest(indices));
  });

  it('keeps its own copy of the indices, which the reader reuses for its next batch', () => {
    // Arrange
    const reused = indices.slice();

    // Act
    const [column] = typeColumnBatch(batch(reused), planOf(schema));
    reused.fill(0);

    // Assess
    expect(rowsOfColumns([column!], schema, indices.length).map((r) => r[0])).toEqual(texts);
  });

  it('fails on a null in a non-nullable column, naming its row', () => {
    // Arrange
    const required: ColumnSpec[] = [{ name: 's', type: 'string', nullable: false }];

    // Act
    const typing = () => typeColumnBatch(batch(indices, 101), planOf(required));

    // Assess: the first null is row 6 of the batch, the file's row 107
    expect(typing).toThrow(FormatError);
    expect(typing).toThrow('row 107: s is null but not nullable; cannot convert');
  });
});

describe('ColumnBatchTyper for the digest: string columns hashed from their UTF-8 bytes', () => {
  const schema: ColumnSpec[] = [
    { name: 'few', type: 'string', nullable: true },
    { name: 'many', type: 'string', nullable: true },
    { name: 'n', type: 'int64', nullable: true },
    { name: 'strict', type: 'string', nullable: false },
  ];
  const plan = planOf(schema);
  const text = fc.oneof(
    fc.constantFrom('', 'a', 'é', 'x"y', 'a,b', '\u2400', '😀'),
    fc.integer({ min: 0, max: 5000 }).map((k) => `id-${k}@example.org`),
    trickyText,
  );
  const rowsArbitrary = fc.array(
    fc.tuple(
      fc.option(text, { nil: null }),
      fc.option(text, { nil: null }),
      fc.option(fc.integer({ min: -5, max: 5 }).map(String), { nil: null }),
      text,
    ),
    // Past 1,024 rows, the batches cross a digest block boundary.
    { minLength: 1, maxLength: 2500, size: 'max' },
  );

  /** The digests of the batches typed as texts (the reference), for the writer and for the digest. */
  function digests(batches: readonly ColumnBatch[]): Record<string, Record<string, string>> {
    const reference = new TableDigest(schema);
    const written = new TableDigest(schema);
    const readBack = new TableDigest(schema);
    const typer = new ColumnBatchTyper(plan);
    const digestTyper = new ColumnBatchTyper(plan, { internStrings: true });
    for (const batch of batches) {
      const typed = typeColumnBatch(batch, plan);
      reference.addColumns(typed, batch.length);
      written.addColumns(typer.forDigest(batch, typer.type(batch)), batch.length);
      readBack.addColumns(digestTyper.typeForDigest(batch), batch.length);
    }
    return { reference: reference.digest(), written: written.digest(), readBack: readBack.digest() };
  }

  /** The rows cut into batches of `size` rows. */
  function batchesOf(rows: readonly (readonly (string | null)[])[], size: number): ColumnBatch[] {
    const out: ColumnBatch[] = [];
    for (let at = 0; at < rows.length; at += size)
      out.push(
        textBatch(
          schema.map((c) => c.name),
          rows.slice(at, at + size),
        ),
      );
    return out;
  }

  it('gives the digest of the same columns typed as texts: nulls, empty, non-ASCII, escaped (property)', () => {
    // Arrange: random rows in random batches, across block boundaries
    fc.assert(
      fc.property(rowsArbitrary, fc.integer({ min: 1, max: 1500 }), (rows, size) => {
        // Act
        const { reference, written, readBack } = digests(batchesOf(rows, size));

        // Assess
        expect(written).toEqual(reference);
        expect(readBack).toEqual(reference);
      }),
      { numRuns: 40 },
    );
  });

  it('types string columns as UTF-8 bytes for a writer (utf8Strings): the same rows and digest as texts (property)', () => {
    // Arrange: random rows in random batches; the typer a Parquet output uses
    let utf8Columns = 0;
    fc.assert(
      fc.property(rowsArbitrary, fc.integer({ min: 1, max: 1500 }), (rows, size) => {
        const reference = new TableDigest(schema);
        const bytes = new TableDigest(schema);
        const typer = new ColumnBatchTyper(plan, { utf8Strings: true });
        for (const batch of batchesOf(rows, size)) {
          // Act
          const expected = typeColumnBatch(batch, plan);
          const typed = typer.type(batch);
          reference.addColumns(expected, batch.length);
          bytes.addColumns(typer.forDigest(batch, typed), batch.length);
          utf8Columns += typed.filter((c) => c.kind === 'utf8').length;

          // Assess
          expect(rowsOfColumns(typed, schema, batch.length)).toEqual(
            rowsOfColumns(expected, schema, batch.length),
          );
        }
        expect(bytes.digest()).toEqual(reference.digest());
      }),
      { numRuns: 40 },
    );
    expect(utf8Columns).toBeGreaterThan(0);
  });

  it('hashes texts longer than its buffer and than a block buffer as their texts', () => {
    // Arrange: texts of 70 KB and 300 KB among short ones, in one block
    const rows = Array.from({ length: 40 }, (_, r) => [
      r % 5 === 0 ? 'é'.repeat(35_000) : `short ${r}`,
      r === 7 ? 'x'.repeat(300_000) : r % 3 === 0 ? null : '',
      String(r),
      'k',
    ]);

    // Act
    const { reference, written, readBack } = digests(batchesOf(rows, 16));

    // Assess
    expect(written).toEqual(reference);
    expect(readBack).toEqual(reference);
  });

  it('keeps a column as bytes only where they are the UTF-8 of its texts', () => {
    // Arrange: one buffer; cells of valid UTF-8, of an invalid byte, of half an 'é', escaped
    const bytes = Uint8Array.from([0x61, 0xff, 0x62, 0xc3, 0xa9, 0x78, 0x22, 0x22, 0x79]);
    const vector = (start: number[], end: number[], flags: number[]): ColumnVector => ({
      kind: 'text',
      bytes,
      start: Int32Array.from(start),
      end: Int32Array.from(end),
      flags: Uint8Array.from(flags),
      unescape: (t) => t.replaceAll('""', '"'),
    });
    const cases = {
      valid: vector([2, 0, 5], [5, 0, 6], [0, TEXT_NULL, 0]),
      invalidByte: vector([0, 2], [2, 5], [0, 0]),
      splitStart: vector([2, 4], [4, 5], [0, 0]),
      escaped: vector([5, 2], [9, 3], [TEXT_ESCAPED | TEXT_QUOTED, 0]),
    };
    const one: ColumnSpec[] = [{ name: 's', type: 'string', nullable: true }];

    // Act
    const outcomes = Object.entries(cases).map(([name, v]) => {
      const batch: ColumnBatch = {
        columns: ['s'],
        vectors: [v],
        length: v.kind === 'text' ? v.start.length : 0,
        firstRow: 1,
      };
      const reference = new TableDigest(one);
      const bytesDigest = new TableDigest(one);
      reference.addColumns(typeColumnBatch(batch, planOf(one)), batch.length);
      const [column] = new ColumnBatchTyper(planOf(one)).typeForDigest(batch);
      bytesDigest.addColumns([column!], batch.length);
      return { name, kind: column!.kind, same: bytesDigest.digest()['s'] === reference.digest()['s'] };
    });

    // Assess
    expect(outcomes).toEqual([
      { name: 'valid', kind: 'utf8', same: true },
      { name: 'invalidByte', kind: 'string', same: true },
      { name: 'splitStart', kind: 'string', same: true },
      { name: 'escaped', kind: 'string', same: true },
    ]);
  });

  it('refuses a null in a non-nullable column as typing does', () => {
    // Arrange
    const batch = textBatch(
      schema.map((c) => c.name),
      [
        ['a', 'b', '1', 'c'],
        ['a', 'b', '2', null],
      ],
    );

    // Act
    const failure = (act: () => unknown): string | undefined => {
      try {
        act();
        return undefined;
      } catch (e) {
        return e instanceof FormatError ? e.message : String(e);
      }
    };
    const expected = failure(() => typeColumnBatch(batch, plan));
    const actual = failure(() => new ColumnBatchTyper(plan).typeForDigest(batch));

    // Assess
    expect(expected).toBe('row 2: strict is null but not nullable; cannot convert');
    expect(actual).toBe(expected);
  });

  it('hashes a Parquet file’s ASCII pages as bytes to the digest of its strings: dictionary, plain and mixed pages', async () => {
    // Arrange: a dictionary column; a plain one whose later pages hold non-ASCII texts; nulls and ''
    const rows = 2600;
    const label = (i: number): string | null =>
      i % 9 === 0 ? null : i % 13 === 0 ? '' : i >= 1700 ? `ünï ${i}` : `label ${i}@example.org`;
    const writer = new ByteWriter();
    const parquetSchema: SchemaElement[] = [
      { name: 'root', num_children: 2 },
      { name: 'cat', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
      { name: 'label', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ];
    const parquet = new ParquetWriter({ writer, schema: parquetSchema, codec: 'SNAPPY', statistics: false });
    void parquet.write({
      rowGroupSize: 1000,
      pageSize: 1500,
      columnData: [
        {
          name: 'cat',
          data: Array.from({ length: rows }, (_, i) => (i % 17 === 0 ? null : ['home', 'é', ''][i % 3]!)),
          encoding: 'RLE_DICTIONARY',
        },
        { name: 'label', data: Array.from({ length: rows }, (_, i) => label(i)), encoding: 'PLAIN' },
      ],
    });
    void parquet.finish();
    const bytes = writer.getBytes();
    const strings: ColumnSpec[] = [
      { name: 'cat', type: 'string', nullable: true },
      { name: 'label', type: 'string', nullable: true },
    ];
    const stringPlan = planOf(strings);

    // Act
    const reference = new TableDigest(strings);
    for await (const batch of readParquetColumns(sourceOf(bytes), { batchSize: 700 }))
      reference.addColumns(typeColumnBatch(batch, stringPlan), batch.length);
    const fromBytes = new TableDigest(strings);
    const kinds = new Set<string>();
    const typer = new ColumnBatchTyper(stringPlan, { internStrings: true });
    for await (const batch of readParquetColumns(sourceOf(bytes), { batchSize: 700, stringsAsText: true })) {
      const columns = typer.typeForDigest(batch);
      for (const c of columns) kinds.add(c.kind);
      fromBytes.addColumns(columns, batch.length);
    }

    // Assess: the byte path was taken for the ASCII pages, and the digest is the strings'
    expect(kinds).toContain('utf8');
    expect(fromBytes.rows).toBe(rows);
    expect(fromBytes.digest()).toEqual(reference.digest());
  });
});

describe('ColumnBatchTyper.typeForDigest on number and timestamp text', () => {
  const schema: ColumnSpec[] = [
    { name: 'i32', type: 'int32', nullable: true },
    { name: 'i64', type: 'int64', nullable: true },
    { name: 'strict', type: 'int64', nullable: false },
    { name: 'f64', type: 'float64', nullable: true },
    { name: 'f32', type: 'float32', nullable: true },
    { name: 'us', type: 'timestamp', unit: 'us', zone: 'UTC', nullable: true },
    { name: 'ns', type: 'timestamp', unit: 'ns', zone: 'UTC', nullable: true },
    { name: 'ms', type: 'timestamp', unit: 'ms', nullable: true },
  ];
  const plan = planOf(schema);
  /** Texts a fast path declines or the codec refuses, beside the columns' own canonical texts. */
  const odd = fc.constantFrom(
    '',
    '-0',
    '007',
    '+1',
    ' 1',
    '1e3',
    '1.50',
    '.5',
    'NaN',
    'Infinity',
    '-Infinity',
    '2147483648',
    '9007199254740993',
    '9223372036854775807',
    '-9223372036854775808',
    '9223372036854775808',
    'x"y',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999Z',
    '10000-01-01T00:00:00Z',
    '1970-01-01 00:00:00',
    '2026-02-30T00:00:00Z',
  );
  const cellOf = (spec: ColumnSpec): fc.Arbitrary<string | null> =>
    fc.oneof(
      { weight: 8, arbitrary: valueArbitrary(spec).map((v) => columnCodec(spec).format(v)) },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: odd },
    );

  /** The batch's digest through typeForDigest and through type() (the reference), or the error each throws. */
  function both(batches: readonly ColumnBatch[]): { actual: unknown; expected: unknown; kinds: Set<string> } {
    const kinds = new Set<string>();
    const run = (act: (d: TableDigest, b: ColumnBatch) => void): unknown => {
      const d = new TableDigest(schema);
      try {
        for (const b of batches) act(d, b);
        return d.digest();
      } catch (e) {
        return e instanceof FormatError ? e.message : String(e);
      }
    };
    const typer = new ColumnBatchTyper(plan, { internStrings: true });
    const actual = run((d, b) => {
      const columns = typer.typeForDigest(b);
      for (const c of columns) kinds.add(c.kind);
      d.addColumns(columns, b.length);
    });
    const expected = run((d, b) => d.addColumns(typeColumnBatch(b, plan), b.length));
    return { actual, expected, kinds };
  }

  function batchesOf(rows: readonly (readonly (string | null)[])[], size: number): ColumnBatch[] {
    const out: ColumnBatch[] = [];
    for (let at = 0; at < rows.length; at += size)
      out.push(
        textBatch(
          schema.map((c) => c.name),
          rows.slice(at, at + size),
        ),
      );
    return out;
  }

  it('hashes them to the digest of the typed columns, or fails as typing does (seeded property)', () => {
    // Arrange: random rows, mostly canonical texts, some nulls and odd texts, in random batches
    const seen = new Set<string>();
    fc.assert(
      fc.property(
        fc.array(fc.tuple(...schema.map(cellOf)), { minLength: 1, maxLength: 2200 }),
        fc.integer({ min: 1, max: 1500 }),
        (rows, size) => {
          // Act
          const { actual, expected, kinds } = both(batchesOf(rows, size));
          for (const k of kinds) seen.add(k);

          // Assert
          expect(actual).toEqual(expected);
        },
      ),
      { numRuns: 60, seed: 20261207 },
    );
    expect(seen).toContain('valueBytes');
  });

  it('hashes clean columns straight from their bytes across block boundaries, edge values included', () => {
    // Arrange: every column's extremes and nulls, 3,000 rows in batches of 700 (blocks cut inside batches)
    const edges: (string | null)[][] = [
      [
        '-2147483648',
        '-9007199254740991',
        '0',
        '-0.0',
        '-3.4028234663852886e+38',
        '0000-01-01T00:00:00Z',
        '1677-09-21T00:12:43.145224192Z',
        '0000-01-01T00:00:00.000',
      ],
      [
        '2147483647',
        '9007199254740991',
        '-1',
        '1.7976931348623157e+308',
        '1.401298464324817e-45',
        '9999-12-31T23:59:59.999999Z',
        '2262-04-11T23:47:16.854775807Z',
        '9999-12-31T23:59:59.999',
      ],
      [null, null, '5', null, null, null, null, null],
      [
        '0',
        '0',
        '-0',
        '5e-324',
        '0',
        '1970-01-01T00:00:00Z',
        '1970-01-01T00:00:00Z',
        '1970-01-01T00:00:00.000',
      ],
    ];
    const rows = Array.from({ length: 3000 }, (_, r) => edges[r % edges.length]!);

    // Act
    const { actual, expected, kinds } = both(batchesOf(rows, 700));

    // Assert
    expect(typeof expected).toBe('object');
    expect(actual).toEqual(expected);
    // Texts a fast path declines (an exponent, -0 in an integer column) leave their column typed.
    expect(kinds).toContain('valueBytes');
  });

  it('types a column the byte path declines, and reports its failure as typing does', () => {
    // Arrange: a null in the non-nullable column, after a fraction in an int64 column
    const rows = [
      [
        '1',
        '2',
        '3',
        '1.5',
        '1.5',
        '1970-01-01T00:00:00Z',
        '1970-01-01T00:00:00Z',
        '1970-01-01T00:00:00.000',
      ],
      ['1', '2.5', null, '1', '1', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00Z', '1970-01-01T00:00:00.000'],
    ];

    // Act
    const { actual, expected } = both(batchesOf(rows, 2));

    // Assert
    expect(typeof expected).toBe('string');
    expect(actual).toBe(expected);
  });
});

describe('flat columns from typed vectors (int64, timestamp, float64)', () => {
  /** The column a builder fed each cell's codec value gives (the value-by-value typing), or the failing row. */
  function byBuilder(v: ColumnVector, spec: ColumnSpec, n: number): TypedColumn | number {
    const codec = columnCodec(spec);
    const out = new TypedColumnBuilder(spec, Math.max(1, n));
    for (let r = 0; r < n; r++) {
      const raw = rawCellOf(v, r);
      if (raw === null) {
        if (!spec.nullable) return r;
        out.append(null);
        continue;
      }
      const parsed = codec.parse(raw);
      if (parsed === NOT_CONFORMING) return r;
      out.append(parsed);
    }
    return out.finish();
  }

  const int64Edges = [
    0n,
    -1n,
    2n ** 53n - 1n,
    2n ** 53n,
    -(2n ** 53n) + 1n,
    -(2n ** 53n),
    2n ** 63n - 1n,
    -(2n ** 63n),
    2n ** 32n,
    2n ** 32n - 1n,
    -(2n ** 32n),
    -(2n ** 31n),
  ];
  const perDay = { ms: 86_400_000n, us: 86_400_000_000n, ns: 86_400_000_000_000n } as const;
  /** Counts of 0000-01-01 and of the last instant of 9999-12-31 in each unit, and one past each. */
  const countEdges = (unit: 'ms' | 'us' | 'ns'): bigint[] => {
    const first = -719_528n * perDay[unit];
    const last = 2_932_897n * perDay[unit] - 1n;
    return [first, first - 1n, last, last + 1n, 0n, -1n, 1n];
  };
  const int64Cell = fc.oneof(
    { weight: 6, arbitrary: fc.bigInt({ min: -(2n ** 40n), max: 2n ** 40n }) },
    { weight: 1, arbitrary: fc.constantFrom(...int64Edges) },
    { weight: 1, arbitrary: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }) },
  );
  const cells = (unit: 'ms' | 'us' | 'ns' | null): fc.Arbitrary<bigint> =>
    unit === null
      ? int64Cell
      : fc.oneof(
          { weight: 6, arbitrary: fc.bigInt({ min: 0n, max: 60n * 365n * perDay[unit] }) },
          { weight: 1, arbitrary: fc.constantFrom(...countEdges(unit)) },
        );
  const vectorCase = fc.record({
    kind: fc.constantFrom('int64', 'timestamp', 'float64'),
    unit: fc.constantFrom('ms', 'us', 'ns'),
    utc: fc.boolean(),
    column: fc.record({
      // Mostly the vector's own type and unit (the flat path's case), sometimes another.
      type: fc.constantFrom('same', 'same', 'same', 'int64', 'timestamp', 'float64'),
      unit: fc.constantFrom('same', 'same', 'ms', 'us', 'ns'),
      zone: fc.constantFrom('UTC', 'naive', '+05:30'),
      nullable: fc.boolean(),
    }),
    n: fc.integer({ min: 0, max: 3000 }),
    nullRate: fc.constantFrom(0, 0, 0.001, 0.2),
    rare: fc.constantFrom(0, 0, 0.0005, 0.05),
    seed: fc.integer(),
  });

  it('gives the column and the digest of typing value by value, or declines (seeded property)', () => {
    let flat = 0;
    let declined = 0;
    fc.assert(
      fc.property(vectorCase, fc.context(), (c, ctx) => {
        // Arrange: a vector of mostly ordinary values, a few edge ones and nulls, drawn by a seeded PRNG
        const rand = seededRandom(c.seed);
        const unit = c.unit;
        const ordinary = fc.sample(cells(c.kind === 'timestamp' ? unit : null), {
          numRuns: 64,
          seed: c.seed,
        });
        const edges = c.kind === 'timestamp' ? countEdges(unit) : int64Edges;
        const floats = [0, -0, NaN, Infinity, -Infinity, 5e-324, 1.5, -(2 ** 60), 0.1];
        const valid = new Uint8Array(c.n + 5).fill(1);
        const ints = new BigInt64Array(c.n + 5);
        const doubles = new Float64Array(c.n + 5);
        for (let r = 0; r < c.n + 5; r++) {
          const edge = rand() < c.rare;
          ints[r] = edge ? edges[Math.floor(rand() * edges.length)]! : ordinary[Math.floor(rand() * 64)]!;
          doubles[r] = edge ? floats[Math.floor(rand() * floats.length)]! : (rand() - 0.5) * 1e6;
          // A null's slot holds a value all the same, as a reader's reused array may.
          if (rand() < c.nullRate) valid[r] = 0;
        }
        const anyNull = valid.subarray(0, c.n).includes(0);
        const validity = anyNull || rand() < 0.5 ? valid : null;
        const vector: ColumnVector =
          c.kind === 'int64'
            ? { kind: 'int64', values: ints, valid: validity }
            : c.kind === 'timestamp'
              ? { kind: 'timestamp', values: ints, unit, utc: c.utc, valid: validity }
              : { kind: 'float64', values: doubles, valid: validity };
        const type = c.column.type === 'same' ? c.kind : c.column.type;
        const spec: ColumnSpec =
          type === 'timestamp'
            ? {
                name: 'x',
                type,
                unit: c.column.unit === 'same' ? unit : c.column.unit,
                zone: c.column.zone,
                nullable: c.column.nullable,
              }
            : { name: 'x', type, nullable: c.column.nullable };
        ctx.log(JSON.stringify({ ...c, spec }));

        // Act
        const actual = flatColumn(vector, spec, c.n);
        const expected = byBuilder(vector, spec, c.n);

        // Assert: a flat column is the builder's, to the bit, and hashes alike; declining is allowed
        if (actual === null) {
          declined++;
          return;
        }
        flat++;
        expect(typeof expected).not.toBe('number');
        expect(actual).toEqual(expected);
        const mine = new TableDigest([spec]);
        mine.addColumns([actual], c.n);
        const theirs = new TableDigest([spec]);
        theirs.addColumns([expected as TypedColumn], c.n);
        expect(mine.digest()).toEqual(theirs.digest());
      }),
      { numRuns: 400, seed: 20261207 },
    );
    expect(flat).toBeGreaterThan(40);
    expect(declined).toBeGreaterThan(40);
  });

  it('declines a value past 2^53, a count past year 9999 and a refused null; the batch then fails or types as before', () => {
    // Arrange
    const spec: ColumnSpec = { name: 'n', type: 'int64', nullable: false };
    const big: ColumnVector = { kind: 'int64', values: BigInt64Array.from([1n, 2n ** 53n]), valid: null };
    const withNull: ColumnVector = {
      kind: 'int64',
      values: BigInt64Array.from([1n, 2n]),
      valid: Uint8Array.from([1, 0]),
    };
    const late: ColumnVector = {
      kind: 'timestamp',
      values: BigInt64Array.from([0n, 253402300800_000_000n]),
      unit: 'us',
      utc: true,
      valid: null,
    };
    const ts: ColumnSpec = { name: 't', type: 'timestamp', unit: 'us', zone: 'UTC', nullable: true };

    // Act
    const declined = [flatColumn(big, spec, 2), flatColumn(withNull, spec, 2), flatColumn(late, ts, 2)];
    const bigBatch: ColumnBatch = { columns: ['n'], vectors: [big], length: 2, firstRow: 1 };
    const nullBatch: ColumnBatch = { columns: ['n'], vectors: [withNull], length: 2, firstRow: 1 };

    // Assert
    expect(declined).toEqual([null, null, null]);
    expect(byColumns(bigBatch, planOf([spec]))).toEqual({ rows: [[1], [2n ** 53n]] });
    expect(byColumns(nullBatch, planOf([spec]))).toEqual({
      error: 'row 2: n is null but not nullable; cannot convert',
    });
  });
});
