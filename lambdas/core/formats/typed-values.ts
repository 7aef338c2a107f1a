/**
 * Turns raw cell text into typed values per the contract's column type, and says when it cannot:
 * a value that does not conform is counted by validation, never coerced silently.
 */
import type { ColumnType } from '../contracts/output-contract';

export type TypedValue = string | number | bigint | boolean | Date | null;

const INT = /^[+-]?\d+$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(inf|infinity|nan)$/i;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

export const NOT_CONFORMING = Symbol('not-conforming');

/** Parses one non-null cell; returns NOT_CONFORMING when the text is not a value of the type. */
export function parseCell(type: ColumnType, raw: string): TypedValue | typeof NOT_CONFORMING {
  switch (type) {
    case 'string':
      return raw;
    case 'int32': {
      if (!INT.test(raw)) return NOT_CONFORMING;
      const n = Number(raw);
      return n >= INT32_MIN && n <= INT32_MAX ? n : NOT_CONFORMING;
    }
    case 'int64': {
      if (!INT.test(raw)) return NOT_CONFORMING;
      const n = Number(raw);
      if (Number.isSafeInteger(n)) return n;
      const b = BigInt(raw);
      return b >= INT64_MIN && b <= INT64_MAX ? b : NOT_CONFORMING;
    }
    case 'float32':
    case 'float64': {
      if (!FLOAT.test(raw)) return NOT_CONFORMING;
      const lower = raw.toLowerCase().replace(/^\+/, '');
      if (lower === 'nan') return NaN;
      if (lower === 'inf' || lower === 'infinity') return Infinity;
      if (lower === '-inf' || lower === '-infinity') return -Infinity;
      const n = Number(raw);
      if (type === 'float32' && Number.isFinite(n) && Math.abs(n) > 3.4028234663852886e38)
        return NOT_CONFORMING;
      return n;
    }
    case 'boolean': {
      const lower = raw.toLowerCase();
      if (lower === 'true' || lower === '1') return true;
      if (lower === 'false' || lower === '0') return false;
      return NOT_CONFORMING;
    }
    case 'date': {
      const m = DATE.exec(raw);
      if (!m) return NOT_CONFORMING;
      const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
      // Reject 2024-02-30 and friends: Date.UTC would roll them over.
      return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]) ? raw : NOT_CONFORMING;
    }
    case 'timestamp': {
      if (!TIMESTAMP.test(raw)) return NOT_CONFORMING;
      const d = new Date(raw.replace(' ', 'T'));
      return Number.isNaN(d.getTime()) ? NOT_CONFORMING : d;
    }
  }
}

/** Numeric view of a typed value for comparisons (NaN when not numeric). */
export function toNumber(v: TypedValue): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return NaN;
}
