/**
 * Upstream and downstream lineage of one object version, N hops each way. Each hop is one Query per
 * node of the frontier (run `concurrency` at a time). The two directions are walked separately: a
 * node reached going upstream is not expanded downstream, so the graph shows the node's ancestry
 * and its descendants, not its siblings and cousins.
 */
import {
  formatOutputName,
  type OutputRegistry,
  type RecordedEdge,
  type TestStatus,
} from '../../../lambdas/core/registry';
import { parseLineageNode, type LineageEdge, type LineageStore } from '../../../lambdas/core/lineage';

export type LineageDirection = 'upstream' | 'downstream' | 'both';

export interface LineageNodeInfo {
  /** `s3://bucket/key#version`. */
  readonly id: string;
  readonly uri: string;
  readonly version: string;
  /** Hops from the root: negative upstream, positive downstream, 0 for the root. */
  readonly depth: number;
  /** What the registry says about the version, when it is registered. */
  readonly output?: string;
  readonly status?: TestStatus;
  readonly runId?: string;
  readonly dataType?: string;
  readonly registeredAt?: string;
  /**
   * Steps this version broke, with the grade it got for each (`consumer=level`), as the registry
   * recorded them among the failed rules when the version was tested.
   */
  readonly brokenConsumers?: readonly string[];
  /**
   * How each step that reads this version graded it (level, accepted level, whether it broke, why),
   * as the validation recorded it on the registry entry: shown as recorded, not graded again.
   */
  readonly consumerEdges?: readonly RecordedEdge[];
}

export interface LineageGraph {
  /** The versions asked about (several when a logical output has several objects in a run). */
  readonly roots: readonly string[];
  readonly depth: number;
  readonly direction: LineageDirection;
  readonly nodes: readonly LineageNodeInfo[];
  readonly edges: readonly LineageEdge[];
  /** Nodes at the depth limit that have further edges in the walked direction (not shown). */
  readonly truncatedAt: readonly string[];
}

export interface TraceOptions {
  readonly depth: number;
  readonly direction?: LineageDirection;
  /** Looks nodes up in the registry (output, status, run); omitted: bare nodes. */
  readonly registry?: OutputRegistry;
  readonly concurrency?: number;
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  });
  await Promise.all(workers);
  return out;
}

export async function traceLineage(
  store: LineageStore,
  roots: string | readonly string[],
  options: TraceOptions,
): Promise<LineageGraph> {
  const rootList = [...new Set(typeof roots === 'string' ? [roots] : roots)];
  const depth = Math.max(0, Math.floor(options.depth));
  const direction = options.direction ?? 'both';
  const concurrency = options.concurrency ?? 8;
  const depths = new Map<string, number>(rootList.map((r) => [r, 0]));
  const edges = new Map<string, LineageEdge>();
  const truncatedAt: string[] = [];

  const walk = async (sign: -1 | 1): Promise<void> => {
    let frontier = [...rootList];
    for (let hop = 1; hop <= depth + 1 && frontier.length > 0; hop++) {
      const found = await mapLimited(frontier, concurrency, (node) =>
        sign < 0 ? store.upstream(node) : store.downstream(node),
      );
      if (hop > depth) {
        // One look past the limit, only to tell the reader the graph goes on.
        frontier.forEach((node, i) => {
          if (found[i]!.length > 0) truncatedAt.push(node);
        });
        return;
      }
      const next: string[] = [];
      for (const list of found) {
        for (const edge of list) {
          edges.set(`${edge.from}\n${edge.to}`, edge);
          const other = sign < 0 ? edge.from : edge.to;
          if (!depths.has(other)) {
            depths.set(other, sign * hop);
            next.push(other);
          }
        }
      }
      frontier = next;
    }
  };
  if (direction !== 'downstream') await walk(-1);
  if (direction !== 'upstream') await walk(1);

  // Logical names as the edges recorded them, for nodes the registry does not (or no longer) know.
  const namedByEdges = new Map<string, string>();
  for (const edge of edges.values()) {
    if (edge.fromOutput) namedByEdges.set(edge.from, edge.fromOutput);
    if (edge.toOutput) namedByEdges.set(edge.to, edge.toOutput);
  }
  const nodes = await mapLimited(
    [...depths.entries()],
    concurrency,
    async ([id, d]): Promise<LineageNodeInfo> => {
      const { uri, version } = parseLineageNode(id);
      const entry = options.registry ? await options.registry.find(uri, version) : undefined;
      const output =
        entry?.pipeline && entry.step && entry.output
          ? formatOutputName({ pipeline: entry.pipeline, step: entry.step, output: entry.output })
          : namedByEdges.get(id);
      return {
        id,
        uri,
        version,
        depth: d,
        ...(output ? { output } : {}),
        ...(entry
          ? { status: entry.status, dataType: entry.dataType, registeredAt: entry.registeredAt }
          : {}),
        ...(entry?.runId ? { runId: entry.runId } : {}),
        ...brokenConsumersOf(entry?.failedRules),
        ...(entry?.consumerEdges && entry.consumerEdges.length > 0
          ? { consumerEdges: entry.consumerEdges }
          : {}),
      };
    },
  );
  nodes.sort((a, b) => a.depth - b.depth || a.id.localeCompare(b.id));
  const sortedEdges = [...edges.values()].sort(
    (a, b) => a.from.localeCompare(b.from) || a.to.localeCompare(b.to),
  );
  return {
    roots: rootList,
    depth,
    direction,
    nodes,
    edges: sortedEdges,
    truncatedAt: [...new Set(truncatedAt)].sort(),
  };
}

/** The broken consumer edges among a version's failed rules (`consumer:<name>=<level>`). */
function brokenConsumersOf(rules: ReadonlySet<string> | undefined): { brokenConsumers?: string[] } {
  const broken = [...(rules ?? [])].filter((r) => r.startsWith('consumer:')).map((r) => r.slice(9));
  return broken.length > 0 ? { brokenConsumers: broken.sort() } : {};
}
