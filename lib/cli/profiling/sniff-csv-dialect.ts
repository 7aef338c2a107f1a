/**
 * Guesses a CSV file's delimiter from its first records: the candidate (comma, tab, semicolon,
 * pipe) that splits every record into the same number of fields, more than one, wins; quoted
 * fields are respected. Only the head of the file is read (the caller passes it as text).
 */

const CANDIDATES = [',', '\t', ';', '|'] as const;
const MAX_RECORDS = 50;

/** Field counts per record for one delimiter, honouring RFC 4180 quotes. */
function fieldCounts(text: string, delimiter: string): number[] {
  const counts: number[] = [];
  let fields = 1;
  let quoted = false;
  let empty = true;
  for (let i = 0; i < text.length && counts.length < MAX_RECORDS; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
      continue;
    }
    if (c === '"') {
      quoted = true;
      empty = false;
    } else if (c === delimiter) {
      fields++;
      empty = false;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (!empty) counts.push(fields);
      fields = 1;
      empty = true;
    } else empty = false;
  }
  // An unterminated last record may be cut off by the end of the head: used only when it is the only one.
  if (!empty && counts.length === 0) counts.push(fields);
  return counts;
}

export interface CsvDialect {
  readonly delimiter: string;
  /** Fields in the first record (the header, or the first row without one). */
  readonly fields: number;
}

/**
 * @param text the first bytes of the file, decoded
 * @param delimiter a delimiter the user chose: kept, only the field count is measured
 */
export function sniffCsvDialect(text: string, delimiter?: string): CsvDialect {
  if (delimiter !== undefined) return { delimiter, fields: fieldCounts(text, delimiter)[0] ?? 1 };
  let best: { delimiter: string; fields: number; score: number } = {
    delimiter: ',',
    fields: fieldCounts(text, ',')[0] ?? 1,
    score: 0,
  };
  for (const candidate of CANDIDATES) {
    const counts = fieldCounts(text, candidate);
    const first = counts[0] ?? 1;
    if (first < 2) continue;
    const agreeing = counts.filter((n) => n === first).length;
    // Records that agree with the header, then more fields: a tab file has commas inside values.
    const score = (agreeing / counts.length) * 1000 + Math.min(first, 999);
    if (score > best.score) best = { delimiter: candidate, fields: first, score };
  }
  return { delimiter: best.delimiter, fields: best.fields };
}
