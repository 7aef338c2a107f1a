/**
 * Key layout of the registry table (output-path registry and lineage in one table). The CDK
 * construct, the embedded stack's CreateTable and the registry code all read this one definition.
 *
 * Items:
 * - output version:  pk = OBJ#s3://bucket/key   sk = VER#<versionId | etag:ETAG>
 *     gsi1 (by logical output): gsi1pk = OUT#pipeline#step#output  gsi1sk = <registeredAt>#<s3 uri>#<version>
 *     gsi2 (by pipeline run):   gsi2pk = RUN#pipeline#runId        gsi2sk = step#output#<s3 uri>#<version>
 * - lineage edge:    pk = EDGE#<child node>     sk = UP#<parent node>
 *     gsi1 (downstream):        gsi1pk = EDGE#<parent node>        gsi1sk = DOWN#<child node>
 *   A node is `s3://bucket/key#version`.
 * - logical output:  pk = PIPE#pipeline         sk = OUT#step#output (one per output, for listings)
 * - idempotency:     pk = IDEMPOTENCY#register  sk = <hash> (Powertools records of Register;
 *   REGISTER_IDEMPOTENCY_PARTITION, lambdas/runtime/deployment-names.ts)
 */
export interface KeyAttribute {
  readonly name: string;
  readonly type: 'S';
}

export interface IndexLayout {
  readonly indexName: string;
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
}

export interface TableLayout {
  readonly partitionKey: KeyAttribute;
  readonly sortKey: KeyAttribute;
  readonly globalSecondaryIndexes: readonly IndexLayout[];
}

export const REGISTRY_TABLE_LAYOUT: TableLayout = {
  partitionKey: { name: 'pk', type: 'S' },
  sortKey: { name: 'sk', type: 'S' },
  globalSecondaryIndexes: [
    {
      indexName: 'gsi1',
      partitionKey: { name: 'gsi1pk', type: 'S' },
      sortKey: { name: 'gsi1sk', type: 'S' },
    },
    {
      indexName: 'gsi2',
      partitionKey: { name: 'gsi2pk', type: 'S' },
      sortKey: { name: 'gsi2sk', type: 'S' },
    },
  ],
};
