/**
 * Format detection from the first bytes of an object, then its extension. Magic bytes win: a
 * `.csv` that starts with `PAR1` is Parquet, and the mismatch is reported rather than trusted.
 */
import type { DataFormat } from '../contracts/output-contract';

export type DetectedFormat = DataFormat | 'json' | 'arrow' | 'unknown';
export type Compression = 'gzip' | 'none';

export interface Detection {
  readonly format: DetectedFormat;
  readonly compression: Compression;
  /** Format the key's extension claims, if any. */
  readonly extensionFormat: DetectedFormat | null;
  readonly source: 'magic' | 'content' | 'extension';
}

const EXTENSIONS: Record<string, DetectedFormat> = {
  csv: 'csv',
  tsv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'json',
  parquet: 'parquet',
  arrow: 'arrow',
  feather: 'arrow',
};

export function formatFromExtension(key: string): { format: DetectedFormat | null; gzip: boolean } {
  const parts = key.toLowerCase().split('/').pop()!.split('.');
  let gzip = false;
  if (parts.at(-1) === 'gz') {
    gzip = true;
    parts.pop();
  }
  const ext = parts.length > 1 ? parts.at(-1)! : '';
  return { format: EXTENSIONS[ext] ?? null, gzip };
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  if (bytes.length < text.length) return false;
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Detects from the head of the (possibly compressed) object; for gzip, `decodedHead` is the inflated head. */
export function detectFormat(key: string, head: Uint8Array, decodedHead?: Uint8Array): Detection {
  const ext = formatFromExtension(key);
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const bytes = gzip ? (decodedHead ?? new Uint8Array()) : head;
  const compression: Compression = gzip ? 'gzip' : 'none';
  if (startsWith(bytes, 'PAR1'))
    return { format: 'parquet', compression, extensionFormat: ext.format, source: 'magic' };
  if (startsWith(bytes, 'ARROW1'))
    return { format: 'arrow', compression, extensionFormat: ext.format, source: 'magic' };
  const text = Buffer.from(bytes.subarray(0, 4096))
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  if (text.startsWith('['))
    return { format: 'json', compression, extensionFormat: ext.format, source: 'content' };
  if (text.startsWith('{'))
    return { format: 'jsonl', compression, extensionFormat: ext.format, source: 'content' };
  if (text.length > 0 && /[,;\t|]/.test(text.split('\n')[0] ?? '') && !text.includes('\u0000')) {
    return { format: 'csv', compression, extensionFormat: ext.format, source: 'content' };
  }
  return { format: ext.format ?? 'unknown', compression, extensionFormat: ext.format, source: 'extension' };
}
