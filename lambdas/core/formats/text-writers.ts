/**
 * Writers for the text formats: CSV (RFC 4180 quoting, only where needed), JSON Lines and a JSON
 * array. Values are rendered by the column codecs, so what is written reads back to the same
 * typed values. Output is encoded in chunks and handed to the sink as it grows.
 */
import type { ColumnSpec, CsvOptions } from '../contracts/output-contract';
import { csvCellEncoder, type CsvCellEncoder } from './csv-cell';
import type { ByteSink } from './byte-io';
import type { TableWriter, TypedRow } from './table-io';
import { columnCodec, type ColumnCodec } from '../contracts/typed-values';

const FLUSH_AT = 1 << 20;

abstract class TextWriter implements TableWriter {
  protected readonly codecs: ColumnCodec[];
  private buffer: string[] = [];
  private size = 0;
  private started = false;

  constructor(
    protected readonly sink: ByteSink,
    protected readonly schema: readonly ColumnSpec[],
  ) {
    this.codecs = schema.map(columnCodec);
  }

  protected abstract header(): string;
  protected abstract row(row: TypedRow, index: number): string;
  protected abstract footer(): string;
  private rows = 0;

  private push(text: string): void {
    this.buffer.push(text);
    this.size += text.length;
  }

  private async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const text = this.buffer.join('');
    this.buffer = [];
    this.size = 0;
    await this.sink.write(Buffer.from(text, 'utf8'));
  }

  async write(rows: readonly TypedRow[]): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.push(this.header());
    }
    for (const row of rows) {
      this.push(this.row(row, this.rows++));
      if (this.size >= FLUSH_AT) await this.flush();
    }
  }

  async close(): Promise<void> {
    if (!this.started) {
      this.started = true;
      this.push(this.header());
    }
    this.push(this.footer());
    await this.flush();
    await this.sink.close();
  }

  abort(): Promise<void> {
    this.buffer = [];
    return this.sink.abort();
  }
}

export class CsvWriter extends TextWriter {
  private readonly delimiter: string;
  private readonly withHeader: boolean;
  private readonly cell: CsvCellEncoder;

  constructor(sink: ByteSink, schema: readonly ColumnSpec[], options: Partial<CsvOptions> = {}) {
    super(sink, schema);
    this.delimiter = options.delimiter ?? ',';
    this.withHeader = options.header ?? true;
    this.cell = csvCellEncoder(options);
  }

  protected header(): string {
    return this.withHeader ? `${this.schema.map((c) => this.cell(c.name)).join(this.delimiter)}\n` : '';
  }

  protected row(row: TypedRow): string {
    let out = '';
    for (let i = 0; i < this.codecs.length; i++) {
      if (i > 0) out += this.delimiter;
      const v = row[i];
      if (v !== null && v !== undefined) out += this.cell(this.codecs[i]!.format(v));
    }
    return `${out}\n`;
  }

  protected footer(): string {
    return '';
  }
}

function jsonObject(codecs: readonly ColumnCodec[], row: TypedRow): string {
  const parts: string[] = [];
  for (let i = 0; i < codecs.length; i++) {
    const codec = codecs[i]!;
    parts.push(`${JSON.stringify(codec.column.name)}:${JSON.stringify(codec.toJson(row[i] ?? null))}`);
  }
  return `{${parts.join(',')}}`;
}

export class JsonLinesWriter extends TextWriter {
  protected header(): string {
    return '';
  }
  protected row(row: TypedRow): string {
    return `${jsonObject(this.codecs, row)}\n`;
  }
  protected footer(): string {
    return '';
  }
}

export class JsonArrayWriter extends TextWriter {
  protected header(): string {
    return '[';
  }
  protected row(row: TypedRow, index: number): string {
    return `${index === 0 ? '\n' : ',\n'}${jsonObject(this.codecs, row)}`;
  }
  protected footer(): string {
    return '\n]\n';
  }
}
