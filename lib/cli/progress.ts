import type { ByteSource } from '../../lambdas/core/formats';

/** A source that reports the bytes read so far as the reader pulls them, for a progress display. */
export function countedSource(source: ByteSource, onBytes: (n: number) => void): ByteSource {
  let total = 0;
  return {
    ...source,
    async *stream() {
      for await (const chunk of source.stream()) {
        total += chunk.byteLength;
        onBytes(total);
        yield chunk;
      }
    },
  };
}

/**
 * A one-line progress display on stderr, shown only on a terminal (CI logs and pipes stay clean).
 * Redraws at most ten times a second.
 */
export class Progress {
  private last = 0;
  private readonly started = Date.now();
  private readonly enabled: boolean;

  constructor(
    private readonly label: string,
    private readonly total?: number,
    stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.enabled = stream.isTTY === true && process.env['CI'] !== 'true';
    this.stream = stream;
  }

  private readonly stream: NodeJS.WriteStream;

  update(done: number, rows?: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const seconds = (now - this.started) / 1000;
    const rate = seconds > 0 ? done / seconds / 1e6 : 0;
    let bar = '';
    if (this.total) {
      const fraction = Math.min(1, done / this.total);
      const width = 24;
      const filled = Math.round(fraction * width);
      bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% `;
    }
    const rowText = rows !== undefined ? ` ${rows.toLocaleString('en-US')} rows` : '';
    this.stream.write(
      `\r${this.label} ${bar}${(done / 1e6).toFixed(1)} MB${rowText} ${rate.toFixed(1)} MB/s   `,
    );
  }

  done(): void {
    if (this.enabled) this.stream.write('\r\x1b[K');
  }
}
