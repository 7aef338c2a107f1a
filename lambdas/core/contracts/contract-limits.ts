/**
 * Size limits of a contract file, checked before the file is validated or compiled. Every function
 * parses every contract (the catalog), and work grew with the file unchecked: a 10 MB contract took
 * 936 MB to check and 1.3 GB to validate with, and a 300 KB column name made a 300,064-character
 * summary. Real contracts are a few KB with tens of columns, so the limits sit far above them.
 */
import { ContractError } from '../errors';

export const CONTRACT_LIMITS = {
  /** Bytes of a contract file (1 MiB). */
  maxBytes: 1024 * 1024,
  /** Columns in `schema`. */
  maxColumns: 2000,
  /** Rules in `quality`. */
  maxRules: 1000,
  /** Characters in a column name (names appear in every summary, report and error). */
  maxColumnNameLength: 256,
} as const;

/** Refuses a contract text longer than `maxBytes`, naming the file and both sizes. */
export function checkContractBytes(byteLength: number, source: string): void {
  if (byteLength > CONTRACT_LIMITS.maxBytes)
    throw new ContractError(
      `the contract file is ${byteLength} bytes; at most ${CONTRACT_LIMITS.maxBytes} (1 MiB) are accepted`,
      source,
    );
}

/**
 * Refuses a parsed contract document with too many columns or rules, or an overlong column name,
 * before the schema check (whose messages would quote the oversized values whole).
 */
export function checkContractShape(raw: unknown, source: string): void {
  if (typeof raw !== 'object' || raw === null) return;
  const { schema, quality } = raw as { schema?: unknown; quality?: unknown };
  if (Array.isArray(schema)) {
    if (schema.length > CONTRACT_LIMITS.maxColumns)
      throw new ContractError(
        `schema: ${schema.length} columns; at most ${CONTRACT_LIMITS.maxColumns} are accepted`,
        source,
      );
    schema.forEach((col: unknown, i) => {
      const name = typeof col === 'object' && col !== null ? (col as { name?: unknown }).name : undefined;
      if (typeof name === 'string' && name.length > CONTRACT_LIMITS.maxColumnNameLength)
        throw new ContractError(
          `schema[${i}].name: '${name.slice(0, 40)}…' is ${name.length} characters; at most ${CONTRACT_LIMITS.maxColumnNameLength} are accepted`,
          source,
        );
    });
  }
  if (Array.isArray(quality) && quality.length > CONTRACT_LIMITS.maxRules)
    throw new ContractError(
      `quality: ${quality.length} rules; at most ${CONTRACT_LIMITS.maxRules} are accepted`,
      source,
    );
}
