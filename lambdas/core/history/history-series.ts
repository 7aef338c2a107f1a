/**
 * The series a version is judged against: the registry's versions of its output (newest first,
 * through the registry port), each with the metrics its stored report recorded (through the object
 * store port). Bounded on every side: at most N versions are kept, at most SCAN_FACTOR × N entries
 * are looked at to find them, and a report larger than MAX_REPORT_BYTES is not read.
 */
import type { OutputName } from '../registry/output-name';
import type { OutputRegistry, RegistryEntry } from '../registry/output-registry';
import { versionTokenOf } from '../registry/output-registry';
import type { ObjectStore } from '../storage/object-store';
import { parseS3Uri } from '../storage/object-store';
import type { ColumnMetrics, VersionMetrics } from './history-detector';

/** Statuses whose versions make a history: data that was accepted. Failed data is no norm. */
export const HISTORY_STATUSES = ['passed', 'warned'] as const;

/** Entries looked at per version kept (failed, pending, deleted ones are passed over). */
const SCAN_FACTOR = 10;
/** A registry page; the DynamoDB adapter's own maximum. */
const PAGE = 1000;
/** Reports above this are not parsed: a report of a few hundred columns is well under 1 MiB. */
export const MAX_REPORT_BYTES = 8 * 1024 * 1024;
/** Reports read at once. */
const READ_CONCURRENCY = 6;

export interface HistorySource {
  readonly registry: Pick<OutputRegistry, 'versions'>;
  readonly store: Pick<ObjectStore, 'read'>;
}

export interface LoadedHistory {
  /** Earlier versions, newest first. */
  readonly versions: readonly VersionMetrics[];
  /** The registry entries they came from, in the same order. */
  readonly entries: readonly RegistryEntry[];
  readonly unreadReports: number;
}

/** The metrics a report keeps of its columns (its `profile`), for the history. */
export function columnMetricsOf(
  report: { readonly profile?: readonly unknown[] } | undefined,
): ColumnMetrics[] {
  const out: ColumnMetrics[] = [];
  for (const raw of report?.profile ?? []) {
    if (typeof raw !== 'object' || raw === null) continue;
    const p = raw as Record<string, unknown>;
    if (typeof p['name'] !== 'string') continue;
    const num = (v: unknown): number | undefined =>
      typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    const distinct = p['distinct'] as { value?: unknown } | undefined;
    const nullRate = num(p['nullRate']);
    const mean = num(p['mean']);
    const stddev = num(p['stddev']);
    const value = num(distinct?.value);
    out.push({
      name: p['name'],
      ...(nullRate !== undefined ? { nullRate } : {}),
      ...(mean !== undefined ? { mean } : {}),
      ...(stddev !== undefined ? { stddev } : {}),
      ...(value !== undefined ? { distinct: value } : {}),
    });
  }
  return out;
}

async function readBounded(store: HistorySource['store'], uri: string): Promise<unknown> {
  const { bucket, key } = parseS3Uri(uri);
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of await store.read(bucket, key)) {
    size += chunk.byteLength;
    if (size > MAX_REPORT_BYTES) throw new Error(`${uri} is larger than ${MAX_REPORT_BYTES} bytes`);
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

/**
 * The last `count` versions of `name` that passed or warned and arrived no later than `before`
 * (ISO time; the version being judged arrived then), other than the entry `exclude` (pk#sk),
 * newest first, with their reports' column metrics.
 */
export async function loadHistory(
  source: HistorySource,
  name: OutputName,
  options: { readonly count: number; readonly before?: string; readonly exclude?: string },
): Promise<LoadedHistory> {
  const kept: RegistryEntry[] = [];
  const scanLimit = SCAN_FACTOR * options.count;
  const before = options.before !== undefined ? Date.parse(options.before) : Infinity;
  let scanned = 0;
  let cursor: string | undefined;
  do {
    const page = await source.registry.versions(name, {
      limit: Math.min(PAGE, Math.max(1, scanLimit - scanned)),
      ...(cursor !== undefined ? { cursor } : {}),
    });
    for (const e of page.items) {
      scanned++;
      if (kept.length >= options.count) break;
      if (`${e.pk}#${e.sk}` === options.exclude) continue;
      if (!(HISTORY_STATUSES as readonly string[]).includes(e.status)) continue;
      if (Date.parse(e.eventTime) > before) continue;
      kept.push(e);
    }
    cursor = page.cursor;
  } while (cursor !== undefined && kept.length < options.count && scanned < scanLimit);

  let unreadReports = 0;
  const columns: ColumnMetrics[][] = new Array<ColumnMetrics[]>(kept.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < kept.length) {
      const i = next++;
      const uri = kept[i]!.reportUri;
      try {
        if (uri === undefined) throw new Error('no report');
        columns[i] = columnMetricsOf((await readBounded(source.store, uri)) as { profile?: unknown[] });
      } catch {
        // An old report that is gone or unreadable leaves that version's row count and arrival.
        unreadReports++;
        columns[i] = [];
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, kept.length) }, worker));
  return {
    versions: kept.map((e, i) => ({
      version: versionTokenOf(e),
      arrival: e.eventTime,
      status: e.status,
      rowCount: e.rowCount,
      columns: columns[i]!,
    })),
    entries: kept,
    unreadReports,
  };
}
