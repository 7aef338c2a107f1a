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
}

/** A run with more registered objects than one report covers; report on one output instead. */
export class RunTooLargeError extends PrtError {
  override readonly name = 'RunTooLargeError';
}

const DEFAULT_MAX_OBJECTS = 10_000;
const PAGE = 1000;

async function entriesOf(deps: CollectRunDeps, pipeline: string, runId: string): Promise<RegistryEntry[]> {
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
  const entries = await entriesOf(deps, pipeline, runId);
  const reports = new Map<string, ReportDocument>();
  const edges: LineageEdge[] = [];
  const concurrency = deps.concurrency ?? 8;
  await eachLimited(entries, concurrency, async (e) => {
    edges.push(...(await deps.lineage.upstream(lineageNode(e.uri, versionTokenOf(e)))));
    if (e.reportUri === undefined || reports.has(e.reportUri)) return;
    const doc = await readReport(deps.store, e.reportUri);
    if (doc !== undefined) reports.set(e.reportUri, doc);
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
