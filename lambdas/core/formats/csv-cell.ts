/**
 * How one CSV cell is written under a dialect, shared by the CSV writer's row and column paths so
 * that what either writes reads back through the CSV reader with the same dialect.
 */
import type { CsvOptions } from '../contracts/output-contract';

export type CsvCellEncoder = (text: string) => string;

export function csvCellEncoder(options: Partial<CsvOptions> = {}): CsvCellEncoder {
  const delimiter = options.delimiter ?? ',';
  const quote = options.quote ?? '"';
  const escapeChar = options.escape ?? quote;
  const literal = (c: string): string => c.replace(/[\\^\]-]/g, '\\$&');
  // The escape character needs no quoting on its own: outside a quoted field it is plain text.
  const needsQuote = new RegExp(`[${literal(quote)}\\r\\n${literal(delimiter)}]|^\\s|\\s$`);
  // With doubled quotes only the quote is escaped (by itself); with a distinct escape, the escape is
  // escaped too, or a value ending in it would escape the closing quote.
  const escapes = new RegExp(
    escapeChar === quote ? `[${literal(quote)}]` : `[${literal(quote)}${literal(escapeChar)}]`,
    'g',
  );
  // An empty string is quoted so it reads back as '' rather than as a null (empty cell).
  return (text) =>
    text === '' || needsQuote.test(text)
      ? `${quote}${text.replace(escapes, (c) => `${escapeChar}${c}`)}${quote}`
      : text;
}
