/**
 * The registry table: every registered output version, its test status and report, and the lineage
 * edges between versions, in one table laid out by REGISTRY_TABLE_LAYOUT (the same definition the
 * embedded stack and the registry code use, so the keys cannot drift).
 *
 * On-demand billing: arrivals follow pipeline schedules (bursts, then silence), which provisioned
 * capacity would either throttle or pay for idle. Point-in-time recovery is on everywhere because a
 * bad registry write cannot be re-derived from S3 (statuses, reports and lineage live only here).
 *
 * @example
 * const registry = new OutputRegistry(this, 'Registry', { removalMode: 'retain' });
 * registry.table.grantReadWriteData(registerFunction);
 */
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { RemovalMode } from './shared/environment-config';
import { REGISTRY_TABLE_LAYOUT, type KeyAttribute } from './shared/registry-table-layout';
import { removalPolicyOf } from './removal-policy';

export interface OutputRegistryProps {
  readonly removalMode: RemovalMode;
}

function attribute(key: KeyAttribute): { name: string; type: AttributeType } {
  // The layout only uses string keys today; the switch makes a new key type a compile error here.
  switch (key.type) {
    case 'S':
      return { name: key.name, type: AttributeType.STRING };
  }
}

export class OutputRegistry extends Construct {
  readonly table: Table;

  constructor(scope: Construct, id: string, props: OutputRegistryProps) {
    super(scope, id);
    const retain = props.removalMode === 'retain';
    this.table = new Table(this, 'Table', {
      partitionKey: attribute(REGISTRY_TABLE_LAYOUT.partitionKey),
      sortKey: attribute(REGISTRY_TABLE_LAYOUT.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Retained environments also refuse a DeleteTable from the console or an API call, not only
      // from CloudFormation.
      deletionProtection: retain,
      removalPolicy: removalPolicyOf(props.removalMode),
    });
    for (const index of REGISTRY_TABLE_LAYOUT.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        sortKey: attribute(index.sortKey),
        // ALL: the access patterns (latest version, run listing, lineage hops) read whole items;
        // a narrower projection would add a GetItem per result.
        projectionType: ProjectionType.ALL,
      });
    }
  }
}
