// The public face of lineage: the lineage store port and its node keys.
export { lineageNode, parseLineageNode } from './lineage-store';
export type { LineageEdge, LineageStore } from './lineage-store';
