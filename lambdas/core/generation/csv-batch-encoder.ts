/**
 * CSV text for generated rows, byte for byte what CsvWriter writes for the same rows (a property
 * test holds the two together), at generation speed. Generation targets a million rows a second,
 * and the general writer spends most of its time in per-cell codec dispatch and in BigInt
 * arithmetic for timestamps; here each column gets one specialised formatter (timestamps take the
 * codec's number-arithmetic path with its per-day cache), and only columns
 * that can hold a delimiter, quote or newline are tested for quoting.
 */
import { csvCellEncoder, type CsvCellEncoder } from '../formats/csv-cell';
import type { ColumnSpec, CsvOptions } from '../contracts/output-contract';
import { columnCodec, type TypedValue } from '../contracts/typed-values';

type Format = (v: Exclude<TypedValue, null>) => string;

/** The codec's own formatter: it already takes number arithmetic and a day cache for timestamps. */
function timestampFormat(column: ColumnSpec): Format {
  const codec = columnCodec(column);
  return (v) => codec.format(v);
}

function decimalFormat(column: ColumnSpec): Format {
  const scale = column.scale ?? 0;
  return (v) => {
    const u = v as bigint | number;
    const negative = u < 0;
    const digits = (negative ? -u : u).toString().padStart(scale + 1, '0');
    const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
    return negative ? `-${text}` : text;
  };
}

function formatOf(column: ColumnSpec): Format {
  switch (column.type) {
    case 'timestamp':
      return timestampFormat(column);
    case 'decimal':
      return decimalFormat(column);
    case 'string':
    case 'date':
      return (v) => v as string;
    case 'int32':
    case 'int64':
      return (v) => String(v);
    default: {
      const codec = columnCodec(column);
      return (v) => codec.format(v);
    }
  }
}

export class CsvBatchEncoder {
  private readonly formats: Format[];
  private readonly quoted: boolean[];
  private readonly delimiter: string;
  /** The contract's quote and escape, written as CsvWriter writes them. */
  private readonly cell: CsvCellEncoder;

  constructor(
    private readonly schema: readonly ColumnSpec[],
    private readonly options: Partial<CsvOptions> = {},
  ) {
    this.delimiter = options.delimiter ?? ',';
    this.cell = csvCellEncoder(options);
    this.formats = schema.map(formatOf);
    // Numbers, dates and timestamps never hold a quote, newline or space; only a delimiter
    // that can appear in them (a digit, '-', '.', ':', a letter) makes them need the test.
    const plainDelimiter = !/[0-9A-Za-z.:+\- ]/.test(this.delimiter + (options.quote ?? '"'));
    this.quoted = schema.map((c) => c.type === 'string' || !plainDelimiter);
  }

  header(): string {
    return (this.options.header ?? true)
      ? `${this.schema.map((c) => this.cell(c.name)).join(this.delimiter)}\n`
      : '';
  }

  /**
   * Text of the rows at keys [from, to), each cell computed by its column's function; `skip`
   * leaves keys out (time-series gaps). Rows are built straight into text: no per-batch arrays,
   * which at a million rows a second would otherwise keep the garbage collector busy.
   */
  encode(
    cells: readonly ((key: number) => TypedValue)[],
    from: number,
    to: number,
    skip?: (key: number) => boolean,
  ): { text: string; rows: number } {
    const width = cells.length;
    const d = this.delimiter;
    const formats = this.formats;
    const quoted = this.quoted;
    const lines: string[] = [];
    for (let key = from; key < to; key++) {
      if (skip?.(key)) continue;
      let line = '';
      for (let c = 0; c < width; c++) {
        const v = cells[c]!(key);
        if (c > 0) line += d;
        if (v === null) continue;
        line += quoted[c] ? this.cell(formats[c]!(v)) : formats[c]!(v);
      }
      lines.push(line);
    }
    lines.push('');
    return { text: lines.length > 1 ? lines.join('\n') : '', rows: lines.length - 1 };
  }
}
