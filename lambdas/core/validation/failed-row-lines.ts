/**
 * Failing rows as JSON Lines, written in blocks of about 1 MiB: a quarantine object, a range's
 * spool file and the renumbered copy of that spool all write this way, so no failing row is held
 * in memory for long and no write is issued per row.
 */
import type { FailedRow } from './validation-report';

/** Bytes gathered before a write: large enough that writes are few, small enough to stay flat. */
const FLUSH_AT = 1 << 20;

export class FailedRowLines {
  private pending: string[] = [];
  private size = 0;
  /** Lines added so far. */
  count = 0;

  /** @param write receives each block of whole lines, in order. */
  constructor(private readonly write: (block: Buffer) => Promise<unknown>) {}

  /** Adds a failing row as one line. */
  add(row: FailedRow): Promise<void> {
    return this.addLine(`${JSON.stringify(row)}\n`);
  }

  /** Adds a line already encoded, its line end included. */
  async addLine(line: string): Promise<void> {
    this.pending.push(line);
    this.size += line.length;
    this.count++;
    if (this.size >= FLUSH_AT) await this.flush();
  }

  /** Writes what is gathered; call before closing what `write` writes to. */
  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const text = this.pending.join('');
    this.pending = [];
    this.size = 0;
    await this.write(Buffer.from(text, 'utf8'));
  }
}
