/**
 * The CSV dialect beyond the delimiter: the quote character, the escape character (doubled quotes
 * by default, a backslash where a producer writes one), and lenient quotes (a quote inside an
 * unquoted field read as text, as DuckDB and Python's csv read it). Read by the reader, declared
 * in the contract's csv block, and written by the CSV writer so a conversion to CSV reads back.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';

import type { ColumnSpec, CsvOptions } from '../../../../lambdas/core/contracts/output-contract';
import { parseContract } from '../../../../lambdas/core/contracts/parse-contract';
import { ContractError, FormatError } from '../../../../lambdas/core/errors';
import { BufferSink, bufferSource } from '../../../../lambdas/core/formats/byte-io';
import { readCsv } from '../../../../lambdas/core/formats/csv-reader';
import { openTable } from '../../../../lambdas/core/formats/open-table';
import { CsvWriter } from '../../../../lambdas/core/formats/text-writers';
import { TypedColumnBuilder } from '../../../../lambdas/core/formats/typed-column';
import { chunked, failureOf, readAll, rowsOf, utf8, writeTable } from '../../../fixtures/format-io';

const CONTRACT_HEAD = ['pipeline: p', 'step: s', 'output: o', 'path: a/{run}/'];
const SCHEMA_TAIL = ['schema:', '  - { name: id, type: int64 }', '  - { name: note, type: string }'];

function contractWith(csvBlock: string): string {
  return [...CONTRACT_HEAD, csvBlock, ...SCHEMA_TAIL].join('\n');
}

describe('CSV quote character', () => {
  it('reads fields enclosed in the configured quote, doubled to escape it', async () => {
    // Prepare
    const csv = "id,note\n1,'a, b'\n2,'it''s'\n3,\"plain\"\n";

    // Act
    const rows = await rowsOf(readCsv(chunked(csv, 3), { quote: "'" }));

    // Assess: with ' as the quote, " is ordinary text
    expect(rows).toEqual([
      ['1', 'a, b'],
      ['2', "it's"],
      ['3', '"plain"'],
    ]);
  });
});

describe('CSV escape character', () => {
  it('reads a backslash-escaped quote and backslash inside a quoted field', async () => {
    // Prepare
    const csv = 'id,note\n1,"say \\"hi\\""\n2,"back\\\\slash"\n3,"end\\\\"\n';

    // Act
    const rows = await rowsOf(readCsv(chunked(csv, 2), { escape: '\\' }));

    // Assess
    expect(rows).toEqual([
      ['1', 'say "hi"'],
      ['2', 'back\\slash'],
      ['3', 'end\\'],
    ]);
  });

  it('keeps a backslash before any other character, as PostgreSQL does: no byte vanishes', async () => {
    // Prepare
    const csv = 'id,note\n1,"C:\\temp\\new"\n2,C:\\plain\n';

    // Act
    const rows = await rowsOf(readCsv(chunked(csv, 1), { escape: '\\' }));

    // Assess
    expect(rows).toEqual([
      ['1', 'C:\\temp\\new'],
      ['2', 'C:\\plain'],
    ]);
  });

  it('ends a quoted field at a bare quote when the escape is another character', async () => {
    // Prepare: "" is no escape in this dialect
    const csv = 'id,note\n1,"a""b"\n';

    // Act
    const error = await failureOf(readAll(readCsv(chunked(csv), { escape: '\\' })));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toBe('CSV quote after a closing quote; expected a delimiter or line end (line 2)');
  });

  it('rejects a dialect whose characters clash or end lines', async () => {
    // Act
    const clash = await failureOf(readAll(readCsv(chunked('a\n'), { delimiter: ';', quote: ';' })));
    const newline = await failureOf(readAll(readCsv(chunked('a\n'), { escape: '\n' })));

    // Assess
    expect(clash).toBeInstanceOf(ContractError);
    expect(clash.message).toBe('CSV delimiter and quote are the same character (";")');
    expect(newline).toBeInstanceOf(ContractError);
    expect(newline.message).toBe('CSV escape cannot be a line end');
  });
});

describe('CSV lenient quotes', () => {
  it('rejects a bare quote by default, suggesting lenient_quotes', async () => {
    // Prepare
    const csv = 'id,note\n1,5" screen\n';

    // Act
    const error = await failureOf(readAll(readCsv(chunked(csv))));

    // Assess
    expect(error).toBeInstanceOf(FormatError);
    expect(error.message).toMatch(/^CSV quote inside an unquoted field/);
    expect(error.message).toContain('lenient_quotes: true');
    expect((error as FormatError).location).toEqual({ line: 2 });
  });

  it('reads a quote inside an unquoted field as text when lenient, quoted fields unchanged', async () => {
    // Prepare
    const csv = 'id,note\n1,5" screen\n2,"a ""b"""\n3,x"y"z\n';

    // Act
    const rows = await rowsOf(readCsv(chunked(csv, 4), { lenientQuotes: true }));

    // Assess
    expect(rows).toEqual([
      ['1', '5" screen'],
      ['2', 'a "b"'],
      ['3', 'x"y"z'],
    ]);
  });

  it('still rejects text after a closing quote when lenient (it would be joined silently)', async () => {
    // Prepare
    const csv = 'id,note\n1,"a"b\n';

    // Act
    const error = await failureOf(readAll(readCsv(chunked(csv), { lenientQuotes: true })));

    // Assess
    expect(error.message).toBe('CSV text after a closing quote; expected a delimiter or line end (line 2)');
  });
});

describe('CSV dialect in the contract', () => {
  it('reads quote, escape and lenient_quotes from the csv block', () => {
    // Prepare
    const text = contractWith(`csv: { delimiter: ";", quote: "'", escape: "\\\\", lenient_quotes: true }`);

    // Act
    const contract = parseContract(text, 'contracts/p.yaml');

    // Assess
    expect(contract.csv).toEqual({
      delimiter: ';',
      header: true,
      quote: "'",
      escape: '\\',
      lenientQuotes: true,
    });
  });

  it('leaves the RFC 4180 defaults implicit when the block does not name them', () => {
    // Act
    const contract = parseContract(contractWith('csv: { delimiter: "|" }'), 'contracts/p.yaml');

    // Assess
    expect(contract.csv).toEqual({ delimiter: '|', header: true });
  });

  it.each([
    [
      'a quote that is the delimiter',
      'csv: { delimiter: ";", quote: ";" }',
      'csv.quote: is the delimiter too (";")',
    ],
    ['an escape that is the delimiter', 'csv: { escape: "," }', 'csv.escape: is the delimiter too (",")'],
    ['a line-end quote', 'csv: { quote: "\\n" }', 'csv.quote: cannot be a line end'],
    ['a two-character escape', 'csv: { escape: "\\\\\\\\" }', 'csv.escape'],
  ])('rejects %s', (_, block, fragment) => {
    // Act
    let error: unknown;
    try {
      parseContract(contractWith(block), 'contracts/p.yaml');
    } catch (e) {
      error = e;
    }

    // Assess
    expect(error).toBeInstanceOf(ContractError);
    expect((error as Error).message).toContain(fragment);
  });

  it('passes the contract dialect through openTable to the reader', async () => {
    // Prepare
    const contract = parseContract(
      contractWith(`csv: { quote: "'", escape: "\\\\", lenient_quotes: true }`),
      'contracts/p.yaml',
    );
    const source = bufferSource(utf8("id,note\n1,'it\\'s, 5\" wide'\n2,5\" wide\n"), 'in.csv');

    // Act
    const table = await openTable(source, { format: 'csv', csv: contract.csv });
    const rows = await rowsOf(table.batches);

    // Assess
    expect(rows).toEqual([
      ['1', 'it\'s, 5" wide'],
      ['2', '5" wide'],
    ]);
  });
});

describe('CSV writer dialect', () => {
  const schema: ColumnSpec[] = [
    { name: 'id', type: 'string', nullable: true },
    { name: 'note', type: 'string', nullable: true },
  ];

  it("writes the dialect's quote and escape", async () => {
    // Prepare
    const csv: CsvOptions = { delimiter: ',', header: true, quote: "'", escape: '\\' };

    // Act
    const bytes = await writeTable(
      'csv',
      schema,
      [
        ["it's", 'a,b'],
        ['back\\slash', 'say "hi"'],
      ],
      { csv },
    );

    // Assess: the escape needs no quoting on its own; inside quotes it is escaped too
    expect(Buffer.from(bytes).toString('utf8')).toBe("id,note\n'it\\'s','a,b'\nback\\slash,say \"hi\"\n");
  });

  it('writes generated rows in the same dialect as the writer', async () => {
    // Prepare
    const csv: CsvOptions = { delimiter: ';', header: true, quote: "'", escape: '\\' };
    const values = ["it's", 'a;b', 'back\\', "'lead", 'plain'];
    const cells = [(k: number) => String(k), (k: number) => values[k] ?? null];

    // Act
    const builders = schema.map((c) => new TypedColumnBuilder(c, values.length));
    for (let k = 0; k < values.length; k++) cells.forEach((cell, c) => builders[c]!.append(cell(k)));
    const sink = new BufferSink();
    const writer = new CsvWriter(sink, schema, csv);
    await writer.writeColumns(
      builders.map((b) => b.finish()),
      values.length,
    );
    await writer.close();
    const generated = Buffer.from(sink.bytes()).toString('utf8');
    const written = await writeTable(
      'csv',
      schema,
      values.map((v, k) => [String(k), v]),
      { csv },
    );

    // Assess
    expect(generated).toBe(Buffer.from(written).toString('utf8'));
    expect(await rowsOf(readCsv(chunked(generated, 3), csv))).toEqual(values.map((v, k) => [String(k), v]));
  });

  it('reads back any table of strings written in any dialect', async () => {
    // Prepare
    const text = fc.string({
      unit: fc.constantFrom('a', ' ', ',', ';', '"', "'", '\\', '\n', '\r', 'é', '🌍'),
    });
    const rows = fc.array(fc.array(fc.option(text, { nil: null }), { minLength: 2, maxLength: 2 }), {
      minLength: 1,
      maxLength: 8,
    });
    const dialects = fc.record({
      delimiter: fc.constantFrom(',', ';'),
      header: fc.boolean(),
      quote: fc.constantFrom('"', "'"),
      escape: fc.constantFrom(undefined, '\\'),
    });

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(rows, dialects, fc.integer({ min: 1, max: 16 }), async (table, d, chunk) => {
        const csv: CsvOptions = {
          delimiter: d.delimiter,
          header: d.header,
          quote: d.quote,
          ...(d.escape !== undefined ? { escape: d.escape } : {}),
        };
        const bytes = await writeTable('csv', schema, table, { csv });
        const read = await rowsOf(
          readCsv(chunked(bytes, chunk), {
            ...csv,
            ...(csv.header ? {} : { columns: schema.map((c) => c.name) }),
          }),
        );
        expect(read).toEqual(table);
      }),
      { numRuns: 300 },
    );
  });
});
