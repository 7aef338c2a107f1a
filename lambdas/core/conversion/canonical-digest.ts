/**
 * Per-column checksums over canonical values: the evidence that a conversion changed nothing.
 * Both sides of a conversion are reduced to the same canonical text per type (integers in decimal,
 * floats by their shortest round-trip form at the column's precision, dates as YYYY-MM-DD,
 * timestamps as ISO-8601 milliseconds) before hashing, so equal data gives equal digests whatever
 * the file format.
 */
import { createHash, type Hash } from 'node:crypto';
import type { ColumnSpec, ColumnType } from '../contracts/output-contract';

const NULL = '\u2400';

export function canonicalValue(type: ColumnType, v: unknown): string {
  if (v === null || v === undefined) return NULL;
  switch (type) {
    case 'string':
      return typeof v === 'string' ? v : JSON.stringify(v);
    case 'int32':
    case 'int64':
      return typeof v === 'bigint' ? v.toString() : BigInt(v as number).toString();
    case 'float32':
      return String(Math.fround(Number(v)));
    case 'float64':
      return String(Number(v));
    case 'boolean':
      return v === true ? 'true' : 'false';
    case 'date':
      return v instanceof Date ? v.toISOString().slice(0, 10) : typeof v === 'string' ? v : JSON.stringify(v);
    case 'timestamp':
      return (
        v instanceof Date ? v : new Date(typeof v === 'number' || typeof v === 'string' ? v : NaN)
      ).toISOString();
  }
}

export class TableDigest {
  private readonly hashes: Hash[];
  rows = 0;

  constructor(private readonly schema: readonly ColumnSpec[]) {
    this.hashes = schema.map(() => createHash('sha256'));
  }

  addRow(values: readonly unknown[]): void {
    this.rows++;
    for (let i = 0; i < this.schema.length; i++) {
      this.hashes[i]!.update(canonicalValue(this.schema[i]!.type, values[i]));
      this.hashes[i]!.update('\u001f');
    }
  }

  digest(): Record<string, string> {
    const out: Record<string, string> = {};
    this.schema.forEach((c, i) => (out[c.name] = this.hashes[i]!.digest('hex')));
    return out;
  }
}
