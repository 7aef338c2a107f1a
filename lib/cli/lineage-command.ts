/**
 * `prt lineage <s3://bucket/key | pipeline/step/output>`: where an output version came from and what
 * was made from it, N hops each way, as a tree (default), JSON or a Mermaid flowchart. A logical
 * name stands for its latest run's objects (or `--run`, `--version`).
 */
import type { Command } from 'commander';
import {
  traceLineage,
  type LineageDirection,
  type LineageGraph,
  type LineageNodeInfo,
} from './lineage/lineage-graph';
import { lineageNode } from '../../lambdas/core/lineage';
import { lineageToMermaid } from './lineage/lineage-mermaid';
import {
  formatOutputName,
  parseOutputName,
  versionTokenOf,
  type OutputRegistry,
  NotRegisteredError,
  registeredFolderOf,
  resolveOutput,
} from '../../lambdas/core/registry';
import { AwsSession, UsageError } from './aws-session';
import { runCommand } from './command-errors';

interface LineageOptions {
  readonly version?: string;
  readonly run?: string;
  readonly depth: string;
  readonly direction: string;
  readonly format: string;
  readonly table?: string;
}

const DIRECTIONS: Record<string, LineageDirection> = {
  up: 'upstream',
  upstream: 'upstream',
  down: 'downstream',
  downstream: 'downstream',
  both: 'both',
};

async function rootsOf(registry: OutputRegistry, target: string, options: LineageOptions): Promise<string[]> {
  if (target.startsWith('s3://')) {
    if (options.run !== undefined)
      throw new UsageError(
        '--run picks the objects of a logical output; an s3:// URI names one object already',
      );
    let entry = await registry.find(target, options.version);
    if (!entry && options.version === undefined) {
      // A part of a partitioned output has no entry of its own: its lineage is its folder's.
      entry = await registeredFolderOf(registry, target);
      if (entry)
        console.error(`prt lineage: note: ${target} is a part of ${entry.uri}; showing the folder's lineage`);
    }
    if (!entry) {
      throw new NotRegisteredError(
        `${target}${options.version ? ` version ${options.version}` : ''} is not registered; lineage is recorded for registered outputs (see \`prt outputs <pipeline>\`)`,
      );
    }
    return [lineageNode(entry.uri, versionTokenOf(entry))];
  }
  const name = parseOutputName(target);
  const resolved = await resolveOutput(registry, name, {
    ...(options.version !== undefined ? { version: options.version } : {}),
    ...(options.run !== undefined ? { runId: options.run } : {}),
  });
  if (resolved.entries.length === 0) {
    throw new NotRegisteredError(
      `no registered ${options.run ? `run ${options.run} of ` : ''}${formatOutputName(name)}; see \`prt outputs ${name.pipeline}\``,
    );
  }
  return resolved.entries.map((e) => lineageNode(e.uri, versionTokenOf(e)));
}

function nodeLine(node: LineageNodeInfo | undefined, id: string): string {
  if (!node) return id;
  const facts = [
    node.status ?? 'unregistered',
    node.runId ? `run ${node.runId}` : '',
    node.brokenConsumers ? `breaks ${node.brokenConsumers.join(', ')}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return `${node.output ?? '(unregistered)'}  ${node.uri}  ${node.version}  (${facts})`;
}

/** A recorded consumer edge in one line: `⇢ p/b/out  incompatible (accepts convertible) BROKEN (fail): why`. */
export function consumerEdgeLine(edge: NonNullable<LineageNodeInfo['consumerEdges']>[number]): string {
  const verdict = edge.breaks ? ` BROKEN (${edge.onBreak})` : '';
  return `⇢ read by ${edge.consumer}: ${edge.level} (accepts ${edge.accepts})${verdict}: ${edge.reason}`;
}

/** The graph as indented trees: upstream above each root, downstream below. */
export function lineageAsText(graph: LineageGraph): string {
  const byId = new Map(graph.nodes.map((n) => [n.id, n]));
  const lines: string[] = [];
  // Each version's consumer edges, as the registry recorded them, under its line.
  const edgeLines = (id: string, indent: string): void => {
    for (const edge of byId.get(id)?.consumerEdges ?? []) lines.push(`${indent}${consumerEdgeLine(edge)}`);
  };
  const tree = (id: string, up: boolean, indent: string, seen: Set<string>): void => {
    const edges = graph.edges.filter((e) => (up ? e.to === id : e.from === id));
    for (const edge of edges) {
      const next = up ? edge.from : edge.to;
      const again = seen.has(next);
      lines.push(
        `${indent}${up ? '↑' : '↓'} [${edge.kind}] ${nodeLine(byId.get(next), next)}${again ? '  (shown above)' : ''}`,
      );
      if (!again) edgeLines(next, `${indent}      `);
      if (graph.truncatedAt.includes(next)) lines.push(`${indent}    … more beyond --depth ${graph.depth}`);
      if (!again) tree(next, up, `${indent}    `, new Set([...seen, next]));
    }
  };
  for (const root of graph.roots) {
    lines.push(nodeLine(byId.get(root), root));
    edgeLines(root, '  ');
    if (graph.direction !== 'downstream') {
      lines.push('  upstream');
      const before = lines.length;
      tree(root, true, '    ', new Set([root]));
      if (lines.length === before) lines.push('    (none recorded)');
    }
    if (graph.direction !== 'upstream') {
      lines.push('  downstream');
      const before = lines.length;
      tree(root, false, '    ', new Set([root]));
      if (lines.length === before) lines.push('    (none recorded)');
    }
    lines.push('');
  }
  return lines.join('\n').trimEnd();
}

export function registerLineageCommand(program: Command): void {
  program
    .command('lineage')
    .description('upstream and downstream lineage of an output version, as a tree, JSON or a Mermaid graph')
    .argument('<target>', 's3://bucket/key (a registered object), or pipeline/step/output')
    .option('--version <id>', 'a registered version (version id, or etag:<etag>); default the latest')
    .option('--run <id>', "a logical output's objects in this pipeline run (default: its latest run)")
    .option('--depth <n>', 'hops to follow each way', '3')
    .option('--direction <up|down|both>', 'which way to follow edges', 'both')
    .option('--format <text|json|mermaid>', 'output format', 'text')
    .option('--table <name>', 'registry table (default $PRT_REGISTRY_TABLE)')
    .action(async (target: string, options: LineageOptions) => {
      const session = new AwsSession();
      await runCommand(
        'lineage',
        session,
        async () => {
          const depth = Number(options.depth);
          if (!Number.isInteger(depth) || depth < 0 || depth > 50)
            throw new UsageError(`--depth must be a whole number from 0 to 50, not '${options.depth}'`);
          const direction = DIRECTIONS[options.direction];
          if (!direction)
            throw new UsageError(`--direction must be up, down or both, not '${options.direction}'`);
          if (!['text', 'json', 'mermaid'].includes(options.format))
            throw new UsageError(`--format must be text, json or mermaid, not '${options.format}'`);
          const registry = session.registry(options.table);
          const roots = await rootsOf(registry, target, options);
          const graph = await traceLineage(session.lineage(options.table), roots, {
            depth,
            direction,
            registry,
          });
          if (options.format === 'json') console.log(JSON.stringify(graph, null, 2));
          else if (options.format === 'mermaid') process.stdout.write(lineageToMermaid(graph));
          else console.log(lineageAsText(graph));
        },
        { table: options.table ?? process.env['PRT_REGISTRY_TABLE'] ?? '' },
      );
    });
}
