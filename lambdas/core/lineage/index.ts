export { lineageNode, parseLineageNode } from './lineage-store';
export type { LineageEdge, LineageStore } from './lineage-store';
