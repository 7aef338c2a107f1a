/**
 * Lineage edges between concrete object versions ("which version fed which"). Recording an edge
 * twice (a duplicate event, a retried step, registration and the Lineage step both seeing it)
 * leaves one edge. The DynamoDB implementation, in the registry table, is
 * lambdas/adapters/aws/dynamo-lineage-store.ts.
 *
 * A node is `s3://bucket/key#<version token>` (a version id, or `etag:<etag>` in an unversioned bucket).
 */
/** `published`: a gated output's tested version to its copy under the published path (write-audit-publish). */
export type EdgeKind = 'declared-input' | 'conversion' | 'staging' | 'published';

export interface LineageEdge {
  /** `s3://bucket/key#version` of the upstream version. */
  readonly from: string;
  readonly to: string;
  readonly kind: EdgeKind;
  /** Logical names at both ends (`pipeline/step/output`), when known. */
  readonly fromOutput?: string;
  readonly toOutput?: string;
  readonly recordedAt: string;
  /** The pipeline run both ends belong to (declared inputs resolved within a run). */
  readonly runId?: string;
  /** Data type of the downstream end: pipeline, synthetic or converted. */
  readonly dataType?: string;
  /** Job type of the step that produced the downstream end (glue, spark, ...). */
  readonly jobType?: string;
}

export function lineageNode(uri: string, versionToken: string): string {
  return `${uri}#${versionToken}`;
}

/** Splits a node into its URI and version token (the token never contains `#`; a key may). */
export function parseLineageNode(node: string): { readonly uri: string; readonly version: string } {
  const at = node.lastIndexOf('#');
  if (at < 0) return { uri: node, version: '' };
  return { uri: node.slice(0, at), version: node.slice(at + 1) };
}

export interface LineageStore {
  /** Records the edge once; returns false when it was already there (the first record wins). */
  record(edge: LineageEdge): Promise<boolean>;
  /** Edges into a node (its parents). */
  upstream(node: string): Promise<LineageEdge[]>;
  /** Edges out of a node (its children). */
  downstream(node: string): Promise<LineageEdge[]>;
}
