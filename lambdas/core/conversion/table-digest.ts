/**
 * Per-column checksums over canonical values: the evidence that a conversion changed nothing.
 * Both sides of a conversion are typed by the same column codecs and reduced to canonical text
 * before hashing, so equal data gives equal digests whatever the file format.
 *
 * A column's hash covers each value's canonical text followed by a unit separator (U+001F). Rows
 * (addRow) and column batches (addColumns) hash the same bytes, so either gives the same digest;
 * a batch hashes a column's texts joined into one string with one update, since an update per
 * cell costs more than the hashing itself.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ColumnSpec } from '../contracts/output-contract';
import { columnCodec, type ColumnCodec, type TypedValue } from '../contracts/typed-values';
import { typedValueAt, type TypedColumn } from '../formats/typed-column';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Precedes code-unit hashing; well-formed text would have to imitate it byte for byte. */
const LONE_MARK = '\u0000utf-16:';
const SEPARATOR = '\u001f';

export class TableDigest {
  private readonly hashes: Hash[];
  private readonly codecs: ColumnCodec[];
  rows = 0;

  constructor(private readonly schema: readonly ColumnSpec[]) {
    this.hashes = schema.map(() => createHash('sha256'));
    this.codecs = schema.map(columnCodec);
  }

  addRow(values: readonly TypedValue[]): void {
    this.rows++;
    for (let i = 0; i < this.schema.length; i++) {
      hashText(this.hashes[i]!, this.codecs[i]!.canonical(values[i] ?? null));
    }
  }

  /** Rows [0, length) of typed columns (one per schema column, in schema order). */
  addColumns(columns: readonly TypedColumn[], length: number): void {
    this.rows += length;
    for (let i = 0; i < this.schema.length; i++) {
      const texts = canonicalTexts(columns[i]!, this.schema[i]!, this.codecs[i]!, length);
      const h = this.hashes[i]!;
      // The separator cannot pair with a surrogate, so the joined text holds a lone one exactly
      // when a value's text does: only then are the values hashed one by one.
      if (!LONE_SURROGATE.test(texts)) h.update(texts);
      else {
        const spec = this.schema[i]!;
        const codec = this.codecs[i]!;
        for (let r = 0; r < length; r++) hashText(h, codec.canonical(typedValueAt(columns[i]!, spec, r)));
      }
    }
  }

  /**
   * Checksum per column name, in a null-prototype object: a column named `__proto__` (or
   * `constructor`) is a key like any other, not the object's prototype.
   */
  digest(): Record<string, string> {
    const out = Object.create(null) as Record<string, string>;
    this.schema.forEach((c, i) => (out[c.name] = this.hashes[i]!.digest('hex')));
    return out;
  }
}

/** One value's canonical text and its separator. */
function hashText(h: Hash, text: string): void {
  // Hashing encodes text as UTF-8, where a lone surrogate becomes U+FFFD: text holding one is
  // hashed by its UTF-16 code units, so a writer that replaced it cannot pass the proof.
  if (LONE_SURROGATE.test(text)) h.update(LONE_MARK).update(Buffer.from(text, 'utf16le'));
  else h.update(text);
  h.update(SEPARATOR);
}

/** Canonical texts of rows [0, length) of a column, each followed by the separator. */
function canonicalTexts(column: TypedColumn, spec: ColumnSpec, codec: ColumnCodec, length: number): string {
  const none = codec.canonical(null);
  let out = '';
  switch (column.kind) {
    case 'string':
    case 'values': {
      const values = column.values;
      for (let r = 0; r < length; r++) out += codec.canonical(values[r] ?? null) + SEPARATOR;
      return out;
    }
    case 'float64':
    case 'int32': {
      const { values, valid } = column;
      for (let r = 0; r < length; r++)
        out += (valid !== null && valid[r] === 0 ? none : codec.canonical(values[r]!)) + SEPARATOR;
      return out;
    }
    case 'integer':
      // Timestamps format from a number exactly (it is a safe integer); decimals take the bigint.
      if (spec.type !== 'decimal') {
        const { values, valid } = column;
        for (let r = 0; r < length; r++)
          out += (valid !== null && valid[r] === 0 ? none : codec.canonical(values[r]!)) + SEPARATOR;
        return out;
      }
      break;
  }
  for (let r = 0; r < length; r++) out += codec.canonical(typedValueAt(column, spec, r)) + SEPARATOR;
  return out;
}
