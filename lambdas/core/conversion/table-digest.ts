/**
 * Per-column checksums over canonical values: the evidence that a conversion changed nothing.
 * Both sides of a conversion are typed by the same column codecs and reduced to canonical text
 * before hashing, so equal data gives equal digests whatever the file format.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ColumnSpec } from '../contracts/output-contract';
import { columnCodec, type ColumnCodec, type TypedValue } from '../contracts/typed-values';

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** Precedes code-unit hashing; well-formed text would have to imitate it byte for byte. */
const LONE_MARK = '\u0000utf-16:';

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
      const h = this.hashes[i]!;
      const text = this.codecs[i]!.canonical(values[i] ?? null);
      // Hashing encodes text as UTF-8, where a lone surrogate becomes U+FFFD: text holding one is
      // hashed by its UTF-16 code units, so a writer that replaced it cannot pass the proof.
      if (LONE_SURROGATE.test(text)) h.update(LONE_MARK).update(Buffer.from(text, 'utf16le'));
      else h.update(text);
      h.update('\u001f');
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
