/**
 * Turns a logical output into the concrete object versions it stands for. A pipeline step usually
 * writes several objects per run (Spark part files, one file per shard), so an output "in a run" is
 * every key registered for it in that run, each at its newest version; "latest" is the run of the
 * newest registration (or that one object when it has no run id); a pinned version is exactly one
 * object version. Lineage, `prt download` and `prt inputs prepare` all resolve through here, so they
 * agree on what "the input" is. A partitioned output is registered as its folder; a part of it is
 * found through registeredFolderOf.
 */
import { isDataPart } from './dataset-parts';
import type { OutputName } from './output-name';
import {
  isExpectationEntry,
  versionTokenOf,
  type OutputRegistry,
  type RegistryEntry,
} from './output-registry';
import type { TestStatus } from './status-transitions';

export type ResolveStrategy = 'version' | 'run' | 'latest';

export interface ResolveOptions {
  /** Objects of this pipeline run. */
  readonly runId?: string | null;
  /** One registered version: a version id, `etag:<etag>` or a bare ETag. */
  readonly version?: string;
  /** Accept only versions with these statuses (e.g. passed and warned for a step's inputs). */
  readonly statuses?: readonly TestStatus[];
  /** When the run has none: use the latest instead (lineage does; a pinned run in the CLI does not). */
  readonly fallbackToLatest?: boolean;
}

export interface ResolvedOutput {
  readonly name: OutputName;
  readonly strategy: ResolveStrategy;
  /** The run the objects belong to, when they have one. */
  readonly runId: string | null;
  /** Newest version of each key, sorted by key; empty when nothing qualifies. */
  readonly entries: readonly RegistryEntry[];
}

/** Newest registered version of each key, sorted by key. */
export function newestPerKey(entries: readonly RegistryEntry[]): RegistryEntry[] {
  const byUri = new Map<string, RegistryEntry>();
  for (const e of entries) {
    const seen = byUri.get(e.uri);
    if (
      !seen ||
      e.registeredAt > seen.registeredAt ||
      (e.registeredAt === seen.registeredAt && e.sk > seen.sk)
    ) {
      byUri.set(e.uri, e);
    }
  }
  return [...byUri.values()].sort((a, b) => a.uri.localeCompare(b.uri));
}

function matchesVersion(entry: RegistryEntry, version: string): boolean {
  const token = version.replace(/^VER#/, '');
  return (
    versionTokenOf(entry) === token ||
    entry.versionId === token ||
    entry.etag === token.replace(/^etag:/, '').replace(/"/g, '')
  );
}

async function inRun(
  registry: OutputRegistry,
  name: OutputName,
  runId: string,
  statuses: readonly TestStatus[] | undefined,
): Promise<RegistryEntry[]> {
  // An expected window's entry (missing, late) names no object: nothing to resolve to.
  const newest = newestPerKey((await registry.runObjects(name, runId)).filter((e) => !isExpectationEntry(e)));
  return statuses ? newest.filter((e) => statuses.includes(e.status)) : newest;
}

/** The newest version that is an object (not an expected window's entry), pages of 10 at a time. */
async function newestObject(
  registry: OutputRegistry,
  name: OutputName,
  statuses: readonly TestStatus[] | undefined,
): Promise<RegistryEntry | undefined> {
  let cursor: string | undefined;
  do {
    const page = await registry.versions(name, {
      limit: 10,
      ...(statuses ? { status: statuses } : {}),
      ...(cursor ? { cursor } : {}),
    });
    const hit = page.items.find((e) => !isExpectationEntry(e));
    if (hit) return hit;
    cursor = page.cursor;
  } while (cursor);
  return undefined;
}

export async function resolveOutput(
  registry: OutputRegistry,
  name: OutputName,
  options: ResolveOptions = {},
): Promise<ResolvedOutput> {
  const statuses = options.statuses;
  if (options.version !== undefined) {
    let cursor: string | undefined;
    do {
      const page = await registry.versions(name, { limit: 200, ...(cursor ? { cursor } : {}) });
      const hit = page.items.find((e) => matchesVersion(e, options.version!));
      if (hit) {
        const ok = !statuses || statuses.includes(hit.status);
        return { name, strategy: 'version', runId: hit.runId ?? null, entries: ok ? [hit] : [] };
      }
      cursor = page.cursor;
    } while (cursor);
    return { name, strategy: 'version', runId: null, entries: [] };
  }

  if (options.runId) {
    const entries = await inRun(registry, name, options.runId, statuses);
    if (entries.length > 0 || !options.fallbackToLatest) {
      return { name, strategy: 'run', runId: options.runId, entries };
    }
  }

  const newest = await newestObject(registry, name, statuses);
  if (!newest) return { name, strategy: 'latest', runId: null, entries: [] };
  if (newest.runId === undefined) return { name, strategy: 'latest', runId: null, entries: [newest] };
  const run = await inRun(registry, name, newest.runId, statuses);
  return { name, strategy: 'latest', runId: newest.runId, entries: run.length > 0 ? run : [newest] };
}

/**
 * Folders above a part searched for its registered folder. Hive-style partitions nest a few levels
 * (`date=…/hour=…/`); the bound keeps a deep key from costing a lookup per segment.
 */
export const MAX_PART_DEPTH = 16;

/**
 * The registered folder (partitioned output) a part belongs to, newest version: parts are not
 * registered themselves, so lineage and downloads of a part's URI go through its folder. Markers
 * and `_`/`.` names are not parts, as the validation branch has it.
 */
export async function registeredFolderOf(
  registry: Pick<OutputRegistry, 'find'>,
  uri: string,
): Promise<RegistryEntry | undefined> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m || uri.endsWith('/')) return undefined;
  const [bucket, key] = [m[1]!, m[2]!];
  const segments = key.split('/');
  const deepest = segments.length - 1;
  for (let n = deepest; n >= Math.max(1, deepest - MAX_PART_DEPTH + 1); n--) {
    const folder = `${segments.slice(0, n).join('/')}/`;
    if (!isDataPart(folder, key)) continue;
    const entry = await registry.find(`s3://${bucket}/${folder}`);
    if (entry?.partitioned === true) return entry;
  }
  return undefined;
}
