/**
 * Lineage without changes to pipeline jobs: a contract names the outputs its step reads
 * (`inputs: [ingestion/raw_orders]`), and the registry knows which versions of those outputs the
 * same pipeline run produced. Two moments record the edges:
 *
 * - when an output version is registered (and again in the Lineage step, which finds what arrived
 *   meanwhile), each declared input is resolved to the newest version of each of its keys in the
 *   same run (else the latest run) and linked to it;
 * - when an upstream version is registered after its consumers (a late or re-run upstream), every
 *   output of the same run whose contract declares it is linked to it, unless that consumer is
 *   already linked to some version of the same key (it consumed that one).
 *
 * A consumer linked to any version of an upstream key is never linked to another version of it
 * later, so repeated resolutions neither duplicate nor contradict edges. Edges are keyed by both
 * ends, so a repeat of the same edge is a no-op.
 */
import type { OutputContract } from '../contracts/output-contract';
import { formatOutputName, parseOutputName, type OutputName } from '../registry/output-name';
import { versionTokenOf, type DataType, type OutputRegistry } from '../registry/output-registry';
import { newestPerKey, resolveOutput } from '../registry/resolve-output';
import { lineageNode, parseLineageNode, type LineageEdge, type LineageStore } from './lineage-store';

export interface LinkDeps {
  readonly registry: OutputRegistry;
  readonly lineage: LineageStore;
  readonly now: () => Date;
}

/** The object version whose lineage is being recorded. */
export interface LinkTarget {
  readonly uri: string;
  readonly versionToken: string;
  readonly output: OutputName;
  readonly runId: string | null;
  readonly dataType: DataType;
  readonly jobType: string | null;
}

export interface LinkResult {
  /** Declared-input edges that now exist into the target (recorded now or before). */
  readonly edges: number;
  /** Declared inputs with no registered version to link to yet. */
  readonly unresolvedInputs: readonly string[];
}

/** Upstream keys (any version) a node already has declared-input edges from. */
async function linkedUpstreamKeys(lineage: LineageStore, node: string): Promise<Set<string>> {
  const edges = await lineage.upstream(node);
  return new Set(edges.filter((e) => e.kind === 'declared-input').map((e) => parseLineageNode(e.from).uri));
}

/** Links the target to the registered versions of every input its contract declares. */
export async function linkDeclaredInputs(
  target: LinkTarget,
  inputs: readonly string[],
  deps: LinkDeps,
): Promise<LinkResult> {
  const here = lineageNode(target.uri, target.versionToken);
  const toOutput = formatOutputName(target.output);
  const recordedAt = deps.now().toISOString();
  const unresolved: string[] = [];
  let linked: Set<string> | undefined;
  let edges = 0;
  for (const text of inputs) {
    const input = parseOutputName(text, target.output.pipeline);
    const resolved = await resolveOutput(deps.registry, input, {
      runId: target.runId,
      fallbackToLatest: true,
    });
    if (resolved.entries.length === 0) {
      unresolved.push(formatOutputName(input));
      continue;
    }
    // Read after the first resolution: what registration linked before, the Lineage step keeps.
    linked ??= await linkedUpstreamKeys(deps.lineage, here);
    for (const upstream of resolved.entries) {
      if (!linked.has(upstream.uri)) {
        await deps.lineage.record(
          edgeOf(
            lineageNode(upstream.uri, versionTokenOf(upstream)),
            here,
            formatOutputName(input),
            toOutput,
            target,
            recordedAt,
          ),
        );
        linked.add(upstream.uri);
      }
      edges++;
    }
  }
  return { edges, unresolvedInputs: unresolved };
}

/**
 * Links the target, as an upstream, to the outputs of its run that declare it as an input and were
 * registered before it. Returns the number of edges recorded.
 */
export async function linkWaitingConsumers(
  target: LinkTarget,
  contracts: readonly OutputContract[],
  deps: LinkDeps,
): Promise<number> {
  if (target.runId === null) return 0;
  const here = lineageNode(target.uri, target.versionToken);
  const fromOutput = formatOutputName(target.output);
  const recordedAt = deps.now().toISOString();
  let recorded = 0;
  for (const contract of contracts) {
    if (contract.pipeline !== target.output.pipeline) continue;
    const declares = contract.inputs.some((text) => {
      try {
        return formatOutputName(parseOutputName(text, contract.pipeline)) === fromOutput;
      } catch {
        return false;
      }
    });
    if (!declares) continue;
    const consumerName = { pipeline: contract.pipeline, step: contract.step, output: contract.output };
    const consumers = newestPerKey(await deps.registry.runObjects(consumerName, target.runId));
    for (const consumer of consumers) {
      const node = lineageNode(consumer.uri, versionTokenOf(consumer));
      if ((await linkedUpstreamKeys(deps.lineage, node)).has(target.uri)) continue;
      const consumerTarget: LinkTarget = {
        uri: consumer.uri,
        versionToken: versionTokenOf(consumer),
        output: consumerName,
        runId: target.runId,
        dataType: consumer.dataType,
        jobType: consumer.jobType ?? contract.jobType ?? null,
      };
      if (
        await deps.lineage.record(
          edgeOf(here, node, fromOutput, formatOutputName(consumerName), consumerTarget, recordedAt),
        )
      ) {
        recorded++;
      }
    }
  }
  return recorded;
}

function edgeOf(
  from: string,
  to: string,
  fromOutput: string,
  toOutput: string,
  consumer: LinkTarget,
  recordedAt: string,
): LineageEdge {
  return {
    from,
    to,
    kind: 'declared-input',
    fromOutput,
    toOutput,
    recordedAt,
    dataType: consumer.dataType,
    ...(consumer.runId !== null ? { runId: consumer.runId } : {}),
    ...(consumer.jobType !== null ? { jobType: consumer.jobType } : {}),
  };
}
