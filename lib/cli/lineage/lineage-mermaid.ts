/**
 * Renders a lineage graph as a Mermaid flowchart (GitHub, GitLab and most wikis draw it inline).
 * Nodes are labelled with their logical output, the key's file name, version and test status, and
 * coloured by status; the root is outlined. Labels are escaped with Mermaid's entity codes, since
 * keys may contain quotes, brackets or anything else.
 */
import type { LineageGraph, LineageNodeInfo } from './lineage-graph';

const STATUS_STYLES: Readonly<Record<string, string>> = {
  passed: 'fill:#e6f4ea,stroke:#1e8e3e,color:#0d3d1a',
  warned: 'fill:#fef7e0,stroke:#f9ab00,color:#3d2e00',
  failed: 'fill:#fce8e6,stroke:#d93025,color:#4a0c07',
  pending: 'fill:#e8f0fe,stroke:#1a73e8,color:#0b2a5c',
  untracked: 'fill:#f1f3f4,stroke:#80868b,color:#202124',
  unknown: 'fill:#ffffff,stroke:#80868b,stroke-dasharray:3 3,color:#202124',
};

export function escapeMermaid(text: string): string {
  return text.replace(/[#"<>`]/g, (c) => `#${c.charCodeAt(0)};`);
}

function shortVersion(version: string): string {
  return version.length > 20 ? `${version.slice(0, 17)}…` : version;
}

function label(node: LineageNodeInfo): string {
  const file = node.uri.split('/').at(-1) ?? node.uri;
  const lines = [
    node.output ? `<b>${escapeMermaid(node.output)}</b>` : '<i>unregistered</i>',
    escapeMermaid(file),
    `${escapeMermaid(shortVersion(node.version))} · ${node.status ?? 'unknown'}${node.runId ? ` · run ${escapeMermaid(node.runId)}` : ''}`,
  ];
  return lines.join('<br/>');
}

export function lineageToMermaid(graph: LineageGraph): string {
  const ids = new Map(graph.nodes.map((n, i) => [n.id, `n${i}`]));
  const lines = ['flowchart LR'];
  for (const node of graph.nodes)
    lines.push(`  ${ids.get(node.id)!}["${label(node)}"]:::${node.status ?? 'unknown'}`);
  for (const edge of graph.edges) {
    const from = ids.get(edge.from);
    const to = ids.get(edge.to);
    if (from && to) lines.push(`  ${from} -->|${edge.kind}| ${to}`);
  }
  for (const node of graph.truncatedAt) {
    const id = ids.get(node);
    if (id) lines.push(`  ${id} -.- ${id}_more(("…"))`);
  }
  const used = new Set<string>(graph.nodes.map((n) => n.status ?? 'unknown'));
  for (const [status, style] of Object.entries(STATUS_STYLES))
    if (used.has(status)) lines.push(`  classDef ${status} ${style}`);
  for (const root of graph.roots) {
    const id = ids.get(root);
    if (id) lines.push(`  style ${id} stroke-width:3px`);
  }
  return `${lines.join('\n')}\n`;
}
