/**
 * Maps the columns of a record batch to the contract's schema. Batches of one input usually share
 * their column list; JSON inputs grow it as new keys appear, so the mapping is recomputed only
 * when the list changes.
 */
import type { ColumnSpec } from '../contracts/output-contract';

export class ColumnMapping {
  private columns: readonly string[] | undefined;
  /** Contract column i → index in the batch row, or -1 when the input lacks it. */
  indexOf: number[] = [];

  constructor(private readonly schema: readonly Pick<ColumnSpec, 'name'>[]) {}

  /** Columns of the current batch that no schema column maps to (a conversion must not drop them). */
  unmapped(): string[] {
    const known = new Set(this.schema.map((c) => c.name));
    return this.seen.filter((c) => !known.has(c));
  }

  /** Updates the mapping for a batch's columns; returns true when they changed. */
  update(columns: readonly string[]): boolean {
    if (columns === this.columns) return false;
    this.columns = columns;
    const at = new Map(columns.map((c, i) => [c, i]));
    this.indexOf = this.schema.map((c) => at.get(c.name) ?? -1);
    return true;
  }

  get seen(): readonly string[] {
    return this.columns ?? [];
  }
}
