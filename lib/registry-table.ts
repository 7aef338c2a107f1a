/**
 * The registry table: every registered output version, its test status and report, and the lineage
 * edges between versions, in one table laid out by REGISTRY_TABLE_LAYOUT (the same definition the
 * embedded stack and the registry code use, so the keys cannot drift).
 *
 * On-demand billing: arrivals follow pipeline schedules (bursts, then silence), which provisioned
 * capacity would either throttle or pay for idle. Point-in-time recovery is on everywhere because a
 * bad registry write cannot be re-derived from S3 (statuses, reports and lineage live only here).
 *
 * Grants name the item operations the registry code uses (GetItem, PutItem, UpdateItem, Query;
 * lambdas/core/registry, lambdas/core/lineage) on the table and its named indexes: no Scan, no
 * batch or transactional calls, no DescribeTable, no stream reads (the table has no stream), and
 * deletes only of Register's idempotency records. CDK's grantReadData/grantReadWriteData would add
 * all of those.
 *
 * @example
 * const registry = new RegistryTable(this, 'Registry', { removalMode: 'retain' });
 * registry.grantReadWrite(registerFunction);
 */
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import type { RemovalMode } from './config/environment-config';
import { REGISTER_IDEMPOTENCY_PARTITION } from '../lambdas/runtime/deployment-names';
import { REGISTRY_TABLE_LAYOUT, type KeyAttribute } from './config/registry-table-layout';
import { removalPolicyOf } from './removal-policy';

export interface RegistryTableProps {
  readonly removalMode: RemovalMode;
  /** The environment's customer-managed key, where the environment sets `kms`. */
  readonly encryptionKey?: Key | undefined;
}

/** Reads: single items (consistent) and queries of the table and its indexes. */
const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:Query'];
/** Writes: registering (conditional PutItem) and status and lineage updates (UpdateItem). */
const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem'];
/**
 * A table encrypted with a customer-managed key: DynamoDB uses the caller's permission on the key
 * to decrypt the table key (reads) and to protect new item data (writes).
 */
const KEY_READ = ['kms:Decrypt'];
const KEY_WRITE = ['kms:Decrypt', 'kms:GenerateDataKey'];

function attribute(key: KeyAttribute): { name: string; type: AttributeType } {
  // The layout only uses string keys today; the switch makes a new key type a compile error here.
  switch (key.type) {
    case 'S':
      return { name: key.name, type: AttributeType.STRING };
  }
}

export class RegistryTable extends Construct {
  readonly table: Table;
  private readonly encryptionKey: Key | undefined;

  constructor(scope: Construct, id: string, props: RegistryTableProps) {
    super(scope, id);
    this.encryptionKey = props.encryptionKey;
    const retain = props.removalMode === 'retain';
    this.table = new Table(this, 'Table', {
      partitionKey: attribute(REGISTRY_TABLE_LAYOUT.partitionKey),
      sortKey: attribute(REGISTRY_TABLE_LAYOUT.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      ...(props.encryptionKey
        ? { encryption: TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: TableEncryption.AWS_MANAGED }),
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

  /** The table's ARN and each of its indexes by name (no `index/*`). */
  private get tableAndIndexArns(): string[] {
    return [
      this.table.tableArn,
      ...REGISTRY_TABLE_LAYOUT.globalSecondaryIndexes.map(
        (i) => `${this.table.tableArn}/index/${i.indexName}`,
      ),
    ];
  }

  grantRead(grantee: IGrantable): Grant {
    this.encryptionKey?.grant(grantee, ...KEY_READ);
    return Grant.addToPrincipal({ grantee, actions: READ_ACTIONS, resourceArns: this.tableAndIndexArns });
  }

  /** Reads, plus PutItem and UpdateItem on the table (an index accepts neither). */
  grantReadWrite(grantee: IGrantable): Grant {
    this.grantRead(grantee);
    this.encryptionKey?.grant(grantee, ...KEY_WRITE);
    return Grant.addToPrincipal({ grantee, actions: WRITE_ACTIONS, resourceArns: [this.table.tableArn] });
  }

  /** The state machine records statuses with UpdateItem and nothing else. */
  grantRecordStatus(grantee: IGrantable): Grant {
    this.encryptionKey?.grant(grantee, ...KEY_WRITE);
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:UpdateItem'],
      resourceArns: [this.table.tableArn],
    });
  }

  /**
   * Register's Powertools idempotency layer deletes the record of a failed invocation; DeleteItem
   * is limited to that partition by `dynamodb:LeadingKeys`, so no registry entry can be deleted.
   */
  grantDeleteIdempotencyRecords(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:DeleteItem'],
      resourceArns: [this.table.tableArn],
      conditions: {
        'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [REGISTER_IDEMPOTENCY_PARTITION] },
      },
    });
  }
}
