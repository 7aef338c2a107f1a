/**
 * Plain-text tables for the terminal. Cells are data (column names, values, messages), so control
 * characters are shown escaped: an ESC or a carriage return in a value must not repaint or
 * recolour the user's terminal. Colour is applied after padding, so widths count only visible
 * characters.
 */

export type Align = 'left' | 'right';

export interface TextColumn {
  readonly header: string;
  readonly align?: Align;
  /** Longer cells are cut with an ellipsis (in characters). */
  readonly maxWidth?: number;
}

/** A cell: its text, and optionally a colouring applied to the padded text. */
export type TextCell = string | { readonly text: string; readonly paint?: (padded: string) => string };

// eslint-disable-next-line no-control-regex -- matching control characters is the point: they are escaped
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** Text safe to print: control characters (ESC, CR, BEL...) as visible \xNN / \uNNNN escapes. */
export function terminalText(value: string): string {
  return value.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff
      ? `\\x${code.toString(16).toUpperCase().padStart(2, '0')}`
      : `\\u${code.toString(16).toUpperCase()}`;
  });
}

function width(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // a surrogate pair counts once
  }
  return n;
}

function cut(text: string, max: number): string {
  if (width(text) <= max) return text;
  return `${[...text].slice(0, Math.max(0, max - 1)).join('')}…`;
}

function pad(text: string, to: number, align: Align): string {
  const fill = ' '.repeat(Math.max(0, to - width(text)));
  return align === 'right' ? fill + text : text + fill;
}

/** Renders rows under a header, columns separated by two spaces, each line indented by `indent`. */
export function renderTextTable(
  columns: readonly TextColumn[],
  rows: readonly (readonly TextCell[])[],
  options: { readonly indent?: string; readonly headerPaint?: (text: string) => string } = {},
): string[] {
  const indent = options.indent ?? '  ';
  const cells = rows.map((row) =>
    columns.map((col, i) => {
      const cell = row[i] ?? '';
      const raw = typeof cell === 'string' ? cell : cell.text;
      const text = cut(terminalText(raw), col.maxWidth ?? Infinity);
      return { text, paint: typeof cell === 'string' ? undefined : cell.paint };
    }),
  );
  const widths = columns.map((col, i) => Math.max(width(col.header), ...cells.map((r) => width(r[i]!.text))));
  const last = columns.length - 1;
  const line = (parts: string[]): string => `${indent}${parts.join('  ')}`.trimEnd();
  const header = line(
    columns.map((col, i) => pad(col.header, i === last ? 0 : widths[i]!, col.align ?? 'left')),
  );
  const out = [options.headerPaint ? options.headerPaint(header) : header];
  for (const row of cells) {
    out.push(
      line(
        row.map((cell, i) => {
          const col = columns[i]!;
          const padded = pad(
            cell.text,
            i === last && col.align !== 'right' ? 0 : widths[i]!,
            col.align ?? 'left',
          );
          return cell.paint ? cell.paint(padded) : padded;
        }),
      ),
    );
  }
  return out;
}

/**
 * Aligned text columns for the terminal listings (cache, downloads, outputs); the last column is
 * never padded. Cells are data too (S3 keys, failure causes), so they are escaped as in
 * renderTextTable: a key holding ESC or CR must not rewrite the listing a person is reading.
 */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const safeRows = rows.map((r) => r.map(terminalText));
  const safeHeaders = headers.map(terminalText);
  const widths = safeHeaders.map((h, i) => Math.max(width(h), ...safeRows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, widths[i]! - width(c)))))
      .join('  ')
      .trimEnd();
  return [line(safeHeaders), ...safeRows.map(line)].join('\n');
}
