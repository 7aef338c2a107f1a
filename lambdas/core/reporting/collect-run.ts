/**
 * Gathers what a run report is built from, through the ports: every registry entry of the run
 * (all pages), the lineage edges into its objects, and the stored validation reports they name.
 * The same for the CLI and for anything that writes run reports in the workflow.
 *
 * Bounded: at most `maxObjects` entries are read (a run larger than that is refused with a
 * message, not truncated silently), and reports are read a few at a time.
 */
import { PrtError } from '../errors';
import type { LineageEdge, LineageStore } from '../lineage/lineage-store';
import { lineageNode } from '../lineage/lineage-store';
import { versionTokenOf, type OutputRegistry, type RegistryEntry } from '../registry/output-registry';
import { parseS3Uri, readText, type ObjectStore } from '../storage/object-store';
import type { ReportDocument } from './report-document';
import { buildRunReport, type RunReport } from './run-report';

export interface CollectRunDeps {
  readonly registry: OutputRegistry;
  readonly lineage: LineageStore;
  readonly store: ObjectStore;
  readonly now: () => Date;
  /** Most registry entries one report covers (default 10,000). */
  readonly maxObjects?: number;
  /** Reports read at once (default 8). */
  readonly concurrency?: number;
  /**
   * What earlier reports of the same container read, kept for the next: a run report is written
   * again on every arrival of the run, and without it a run of n objects costs n² reads.
   */
  readonly cache?: RunReadCache;
}

/** The part of a stored report the run report reads: what the compatibility aggregate adds up. */
function compatibilityPart(doc: ReportDocument): ReportDocument {
  return {
    output: doc.output,
    status: doc.status,
    ...(doc.validatedAt !== undefined ? { validatedAt: doc.validatedAt } : {}),
    ...(doc.schema !== undefined ? { schema: doc.schema } : {}),
    ...(doc.object?.uri !== undefined ? { object: { uri: doc.object.uri } } : {}),
  } as ReportDocument;
}

/**
 * Stored reports and lineage edges of tested versions, by version and revision: once a version's
 * status is final its report and its upstream edges are written (the workflow records the status
 * after both), and a re-test moves its revision and status, so the key changes with them. Pending
 * versions are never kept. Bounded: past `maxEntries` the oldest are dropped, and a report is kept
 * only in the fields the run report reads of it (aggregate-compatibility.ts), a few KB, not the
 * whole document with its column metrics.
 */
export class RunReadCache {
  private readonly entries = new Map<
    string,
    { readonly edges: readonly LineageEdge[]; readonly report: ReportDocument | undefined }
  >();

  constructor(readonly maxEntries = 10_000) {}

  static keyOf(e: RegistryEntry): string | undefined {
    if (e.status === 'pending') return undefined;
    return [e.pk, e.sk, e.status, e.revision ?? '', e.updatedAt ?? '', e.reportUri ?? ''].join('\u0000');
  }

  get(e: RegistryEntry) {
    const key = RunReadCache.keyOf(e);
    return key === undefined ? undefined : this.entries.get(key);
  }

  set(e: RegistryEntry, edges: readonly LineageEdge[], report: ReportDocument | undefined): void {
    const key = RunReadCache.keyOf(e);
    // A report that could not be read is read again next time rather than remembered as missing.
    if (key === undefined || (e.reportUri !== undefined && report === undefined)) return;
    this.entries.delete(key);
    this.entries.set(key, { edges, report: report === undefined ? undefined : compatibilityPart(report) });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}

/** A run with more registered objects than one report covers; report on one output instead. */
export class RunTooLargeError extends PrtError {
  override readonly name = 'RunTooLargeError';
}

const DEFAULT_MAX_OBJECTS = 10_000;
const PAGE = 1000;

/** Every registry entry of the run, all pages; more than `maxObjects` is a RunTooLargeError. */
export async function runEntries(
  deps: Pick<CollectRunDeps, 'registry' | 'maxObjects'>,
  pipeline: string,
  runId: string,
): Promise<RegistryEntry[]> {
  const max = deps.maxObjects ?? DEFAULT_MAX_OBJECTS;
  const entries: RegistryEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.registry.runOutputs(pipeline, runId, {
      limit: PAGE,
      ...(cursor !== undefined ? { cursor } : {}),
    });
    entries.push(...page.items);
    if (entries.length > max)
      throw new RunTooLargeError(
        `run ${runId} of ${pipeline} has more than ${max} registered objects; report on one output of it instead`,
      );
    cursor = page.cursor;
  } while (cursor !== undefined);
  return entries;
}

/** Runs `work` over items, `limit` at a time. */
async function eachLimited<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, lane));
}

/**
 * A report that cannot be read or parsed is left out; the run report lists it as missing rather
 * than failing, since the registry's status and rules still describe the object.
 */
async function readReport(store: ObjectStore, uri: string): Promise<ReportDocument | undefined> {
  try {
    const { bucket, key } = parseS3Uri(uri);
    const parsed = JSON.parse(await readText(store, bucket, key)) as unknown;
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
      ? (parsed as ReportDocument)
      : undefined;
  } catch {
    return undefined;
  }
}

export async function collectRunReport(
  deps: CollectRunDeps,
  pipeline: string,
  runId: string,
): Promise<RunReport> {
  return reportOfEntries(deps, pipeline, runId, await runEntries(deps, pipeline, runId));
}

/** The run report of entries already read (runEntries): their lineage edges and stored reports. */
export async function reportOfEntries(
  deps: CollectRunDeps,
  pipeline: string,
  runId: string,
  entries: readonly RegistryEntry[],
): Promise<RunReport> {
  const reports = new Map<string, ReportDocument>();
  const edges: LineageEdge[] = [];
  const concurrency = deps.concurrency ?? 8;
  await eachLimited(entries, concurrency, async (e) => {
    const cached = deps.cache?.get(e);
    if (cached !== undefined) {
      edges.push(...cached.edges);
      if (e.reportUri !== undefined && cached.report !== undefined) reports.set(e.reportUri, cached.report);
      return;
    }
    const upstream = await deps.lineage.upstream(lineageNode(e.uri, versionTokenOf(e)));
    edges.push(...upstream);
    const doc =
      e.reportUri === undefined
        ? undefined
        : (reports.get(e.reportUri) ?? (await readReport(deps.store, e.reportUri)));
    if (e.reportUri !== undefined && doc !== undefined) reports.set(e.reportUri, doc);
    deps.cache?.set(e, upstream, doc);
  });
  return buildRunReport({
    pipeline,
    runId,
    entries,
    reports,
    edges,
    generatedAt: deps.now().toISOString(),
  });
}
