/**
 * The results dataset in Athena: a Glue database with one table per file set the validate
 * function writes under results/ (rule_results, column_metrics, version_results), and a workgroup
 * whose query results go, encrypted, under athena-results/ of the artifacts bucket.
 *
 * No crawler: the tables declare their columns from the same list the writer uses
 * (lambdas/core/results via the runtime), and partition projection computes the partitions, so a
 * new day or pipeline is queryable the moment its first file lands, with no partition to add.
 * `dt` is a date projection (yyyy-MM-dd, from PROJECTION_START to today); `pipeline` is injected:
 * pipelines come and go with contracts pushed at run time (`prt contract push`), which the deploy
 * does not know, and an enum that missed one would hide its rows without a word. Injected means a
 * query names its pipeline (`WHERE pipeline = 'sales'`); Athena refuses one that does not.
 *
 * The workgroup enforces its configuration (a client cannot send results elsewhere or
 * unencrypted), runs engine version 3, publishes its metrics and stops a query past
 * BYTES_SCANNED_CUTOFF.
 *
 * @example
 * const results = new ResultsDataset(this, 'Results', { envName: 'dev', artifacts, encryptionKey });
 * results.grantQuery(analystRole);
 */
import { Stack } from 'aws-cdk-lib';
import { CfnWorkGroup } from 'aws-cdk-lib/aws-athena';
import { CfnDatabase, CfnTable } from 'aws-cdk-lib/aws-glue';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import {
  RESULTS_PARTITION_KEYS,
  RESULTS_SCHEMAS,
  RESULTS_TABLES,
  type ResultsTable,
} from '../lambdas/runtime/results-dataset-layout';
import type { ArtifactsBucket } from './artifacts-bucket';
import { ARTIFACT_PREFIXES } from './config/artifact-prefixes';

/** The first day the date projection lists: the dataset did not exist before. */
export const PROJECTION_START = '2026-01-01';
/** 10 GiB: far above a year of results for hundreds of outputs, far below a runaway cross join. */
export const BYTES_SCANNED_CUTOFF = 10 * 1024 ** 3;

/** Glue (Hive) type of each contract column type the tables use. */
const GLUE_TYPES: Readonly<Record<string, string>> = {
  string: 'string',
  int32: 'int',
  int64: 'bigint',
  float64: 'double',
  boolean: 'boolean',
  date: 'date',
  timestamp: 'timestamp',
};

export interface ResultsDatasetProps {
  /** The environment's name: names the database and the workgroup. */
  readonly envName: string;
  readonly artifacts: ArtifactsBucket;
  /** The environment's customer-managed key, where the environment sets `kms`: query results use it. */
  readonly encryptionKey?: Key | undefined;
}

export class ResultsDataset extends Construct {
  readonly database: CfnDatabase;
  readonly databaseName: string;
  readonly tables: Readonly<Record<ResultsTable, CfnTable>>;
  readonly workGroup: CfnWorkGroup;
  readonly workGroupName: string;
  private readonly artifacts: ArtifactsBucket;
  private readonly encryptionKey: Key | undefined;

  constructor(scope: Construct, id: string, props: ResultsDatasetProps) {
    super(scope, id);
    this.artifacts = props.artifacts;
    this.encryptionKey = props.encryptionKey;
    const { account } = Stack.of(this);
    const bucketName = props.artifacts.bucket.bucketName;
    // Glue database names are lower case letters, digits and underscores.
    this.databaseName = `prt_${props.envName.toLowerCase().replace(/[^a-z0-9]/g, '_')}_results`;
    this.database = new CfnDatabase(this, 'Database', {
      catalogId: account,
      databaseInput: {
        name: this.databaseName,
        description: `prt ${props.envName}: results of every tested output version (rule results, column metrics, versions)`,
      },
    });

    const tables = {} as Record<ResultsTable, CfnTable>;
    for (const table of RESULTS_TABLES) {
      const location = `s3://${bucketName}/${ARTIFACT_PREFIXES.results}${table}/`;
      const t = new CfnTable(this, table, {
        catalogId: account,
        databaseName: this.databaseName,
        tableInput: {
          name: table,
          tableType: 'EXTERNAL_TABLE',
          parameters: {
            classification: 'parquet',
            EXTERNAL: 'TRUE',
            'projection.enabled': 'true',
            'projection.dt.type': 'date',
            'projection.dt.format': 'yyyy-MM-dd',
            'projection.dt.range': `${PROJECTION_START},NOW`,
            'projection.dt.interval': '1',
            'projection.dt.interval.unit': 'DAYS',
            'projection.pipeline.type': 'injected',
            // The writer's layout (lambdas/core/results/write-results.ts): `${…}` are Athena's, not CDK's.
            'storage.location.template': `${location}dt=\${dt}/pipeline=\${pipeline}/`,
          },
          partitionKeys: RESULTS_PARTITION_KEYS.map((name) => ({ name, type: 'string' })),
          storageDescriptor: {
            location,
            columns: RESULTS_SCHEMAS[table].map((c) => {
              const type = GLUE_TYPES[c.type];
              if (type === undefined)
                throw new Error(`results column ${table}.${c.name}: no Glue type for ${c.type}`);
              return { name: c.name, type };
            }),
            inputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
            outputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
            serdeInfo: {
              serializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
            },
          },
        },
      });
      t.node.addDependency(this.database);
      tables[table] = t;
    }
    this.tables = tables;

    this.workGroupName = `prt-${props.envName}-results`;
    this.workGroup = new CfnWorkGroup(this, 'WorkGroup', {
      name: this.workGroupName,
      description: `prt ${props.envName}: queries over the results dataset (database ${this.databaseName})`,
      state: 'ENABLED',
      // A stack deleted with saved queries in its workgroup still deletes.
      recursiveDeleteOption: true,
      workGroupConfiguration: {
        enforceWorkGroupConfiguration: true,
        publishCloudWatchMetricsEnabled: true,
        bytesScannedCutoffPerQuery: BYTES_SCANNED_CUTOFF,
        engineVersion: { selectedEngineVersion: 'Athena engine version 3' },
        resultConfiguration: {
          outputLocation: `s3://${bucketName}/${ARTIFACT_PREFIXES.athenaResults}`,
          expectedBucketOwner: account,
          encryptionConfiguration: props.encryptionKey
            ? { encryptionOption: 'SSE_KMS', kmsKey: props.encryptionKey.keyArn }
            : { encryptionOption: 'SSE_S3' },
        },
      },
    });
  }

  /**
   * What a person or role needs to query the dataset through the workgroup, and nothing more: run
   * and read queries in this workgroup, read the database and its three tables (projection needs
   * no partition calls), read results/ and write query results under athena-results/.
   */
  grantQuery(grantee: IGrantable): void {
    const stack = Stack.of(this);
    Grant.addToPrincipal({
      grantee,
      actions: [
        'athena:StartQueryExecution',
        'athena:GetQueryExecution',
        'athena:GetQueryResults',
        'athena:StopQueryExecution',
        'athena:GetWorkGroup',
      ],
      resourceArns: [
        stack.formatArn({ service: 'athena', resource: 'workgroup', resourceName: this.workGroupName }),
      ],
    });
    Grant.addToPrincipal({
      grantee,
      actions: ['glue:GetDatabase', 'glue:GetTable', 'glue:GetTables'],
      resourceArns: [
        stack.formatArn({ service: 'glue', resource: 'catalog' }),
        stack.formatArn({ service: 'glue', resource: 'database', resourceName: this.databaseName }),
        ...RESULTS_TABLES.map((t) =>
          stack.formatArn({ service: 'glue', resource: 'table', resourceName: `${this.databaseName}/${t}` }),
        ),
      ],
    });
    this.artifacts.grantReadResults(grantee);
    this.artifacts.grantQueryResults(grantee);
    // Athena's own reads of the data (SSE-KMS) happen under the caller's identity.
    this.encryptionKey?.grant(grantee, 'kms:Decrypt', 'kms:GenerateDataKey');
  }
}
