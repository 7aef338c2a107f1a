/**
 * Opaque pagination cursors. A cursor carries the DynamoDB key to continue from and a short hash of
 * the query it belongs to, so a cursor replayed against another query (another output, run or status
 * filter) is refused instead of silently skipping or repeating items. Callers must not parse it.
 */
import { createHash } from 'node:crypto';
import { InvalidCursorError } from './registry-errors';

type Key = Record<string, string>;

function scopeHash(scope: string): string {
  return createHash('sha256').update(scope).digest('base64url').slice(0, 12);
}

export function encodeCursor(key: Key, scope: string): string {
  return Buffer.from(JSON.stringify({ s: scopeHash(scope), k: key }), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, scope: string): Key {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('not a cursor this tool produced');
  }
  const { s, k } = (parsed ?? {}) as { s?: unknown; k?: unknown };
  if (typeof s !== 'string' || typeof k !== 'object' || k === null || Array.isArray(k)) {
    throw new InvalidCursorError('not a cursor this tool produced');
  }
  if (!Object.values(k).every((v) => typeof v === 'string')) throw new InvalidCursorError('malformed key');
  if (s !== scopeHash(scope)) throw new InvalidCursorError('it belongs to a different query');
  return k as Key;
}
