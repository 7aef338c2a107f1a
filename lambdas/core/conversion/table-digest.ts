/**
 * Per-column checksums over canonical values: the evidence that a conversion changed nothing.
 * Both sides of a conversion are typed by the same column codecs and reduced to canonical text
 * before hashing, so equal data gives equal digests whatever the file format.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ColumnSpec } from '../contracts/output-contract';
import { columnCodec, type ColumnCodec, type TypedValue } from '../formats/typed-values';

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
      h.update(this.codecs[i]!.canonical(values[i] ?? null));
      h.update('\u001f');
    }
  }

  digest(): Record<string, string> {
    const out: Record<string, string> = {};
    this.schema.forEach((c, i) => (out[c.name] = this.hashes[i]!.digest('hex')));
    return out;
  }
}
