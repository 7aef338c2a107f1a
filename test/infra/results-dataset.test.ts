/**
 * The results dataset on the synthesized stack: a Glue database, three tables whose columns and
 * partition projection are pinned here (a change to them is a change of every query and of files
 * already written), no crawler, an Athena workgroup that enforces encrypted results under
 * athena-results/, the validate function allowed to write under results/ only, and a query grant
 * that reaches no further than the dataset.
 */
import { App, CfnElement, Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Template } from 'aws-cdk-lib/assertions';
import { Role, AccountRootPrincipal } from 'aws-cdk-lib/aws-iam';
import { beforeAll, describe, expect, it } from 'vitest';
import { OutputTestingStack } from '../../lib/output-testing-stack';
import { environmentConfig } from '../fixtures/cdk-environments';

interface Resource {
  readonly Type: string;
  readonly Properties: Record<string, unknown>;
}

function synth(envName: string): {
  stack: OutputTestingStack;
  template: Template;
  resources: (type: string) => Resource[];
  resourceOf: (construct: IConstruct) => Resource;
} {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new OutputTestingStack(app, `prt-${envName}`, { config: environmentConfig(envName) });
  const analyst = new Role(stack, 'Analyst', { assumedBy: new AccountRootPrincipal() });
  stack.results.grantQuery(analyst);
  const template = Template.fromStack(stack);
  const all = (template.toJSON() as { Resources: Record<string, Resource> }).Resources;
  return {
    stack,
    template,
    resources: (type) => Object.values(all).filter((r) => r.Type === type),
    resourceOf: (construct) => {
      const child = construct.node.defaultChild;
      if (!(child instanceof CfnElement)) throw new Error(`${construct.node.path} has no resource`);
      return all[stack.resolve(child.logicalId) as string]!;
    },
  };
}

const VERSION_COLUMNS = [
  ['result_id', 'string'],
  ['step', 'string'],
  ['output', 'string'],
  ['version', 'string'],
  ['object_uri', 'string'],
  ['run', 'string'],
];

const COLUMNS: Record<string, string[][]> = {
  rule_results: [
    ...VERSION_COLUMNS,
    ['rule_name', 'string'],
    ['rule_type', 'string'],
    ['column_name', 'string'],
    ['evaluated_rule', 'string'],
    ['outcome', 'string'],
    ['severity', 'string'],
    ['evaluated_rows', 'bigint'],
    ['passed_rows', 'bigint'],
    ['failed_rows', 'bigint'],
    ['pass_rate', 'double'],
    ['threshold', 'double'],
    ['message', 'string'],
    ['tested_at', 'timestamp'],
  ],
  column_metrics: [
    ...VERSION_COLUMNS,
    ['column_name', 'string'],
    ['column_type', 'string'],
    ['metric', 'string'],
    ['value', 'double'],
    ['value_text', 'string'],
    ['tested_at', 'timestamp'],
  ],
  version_results: [
    ...VERSION_COLUMNS,
    ['status', 'string'],
    ['score', 'double'],
    ['rules', 'bigint'],
    ['rules_passed', 'bigint'],
    ['rules_failed', 'bigint'],
    ['rules_error', 'bigint'],
    ['row_count', 'bigint'],
    ['failed_row_count', 'bigint'],
    ['bytes', 'bigint'],
    ['format', 'string'],
    ['schema_level', 'string'],
    ['summary', 'string'],
    ['report_uri', 'string'],
    ['quarantine_uri', 'string'],
    ['arrived_at', 'timestamp'],
    ['tested_at', 'timestamp'],
    ['seconds_to_verdict', 'double'],
  ],
};

interface TableInput {
  readonly Name: string;
  readonly TableType: string;
  readonly Parameters: Record<string, unknown>;
  readonly PartitionKeys: { Name: string; Type: string }[];
  readonly StorageDescriptor: {
    readonly Columns: { Name: string; Type: string }[];
    readonly Location: unknown;
    readonly SerdeInfo: { SerializationLibrary: string };
  };
}

/** A CloudFormation value with the artifacts bucket's reference replaced by «artifacts». */
function text(stack: Stack, value: unknown): string {
  const resolved = stack.resolve(value) as unknown;
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (!join) throw new Error(`not a string or join: ${JSON.stringify(resolved)}`);
  return join[1].map((part) => (typeof part === 'string' ? part : '«artifacts»')).join(join[0]);
}

describe('results dataset (dev)', () => {
  let synthesized: ReturnType<typeof synth>;
  beforeAll(() => {
    synthesized = synth('dev');
  });

  it('declares a database and the three tables with pinned columns and no crawler', () => {
    // Arrange
    const { resources } = synthesized;

    // Act
    const databases = resources('AWS::Glue::Database');
    const tables = resources('AWS::Glue::Table').map((t) => t.Properties['TableInput'] as TableInput);

    // Assess
    expect(databases.map((d) => (d.Properties['DatabaseInput'] as { Name: string }).Name)).toEqual([
      'prt_dev_results',
    ]);
    expect(resources('AWS::Glue::Crawler')).toHaveLength(0);
    expect(tables.map((t) => t.Name).sort()).toEqual(['column_metrics', 'rule_results', 'version_results']);
    for (const t of tables) {
      expect({ [t.Name]: t.StorageDescriptor.Columns.map((c) => [c.Name, c.Type]) }).toEqual({
        [t.Name]: COLUMNS[t.Name],
      });
      expect(t.PartitionKeys).toEqual([
        { Name: 'dt', Type: 'string' },
        { Name: 'pipeline', Type: 'string' },
      ]);
      expect(t.StorageDescriptor.SerdeInfo.SerializationLibrary).toBe(
        'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe',
      );
      expect(t.TableType).toBe('EXTERNAL_TABLE');
    }
  });

  it("projects partitions: dt by date from the first day of the dataset, pipeline injected, at the writer's keys", () => {
    // Arrange
    const { resources, stack } = synthesized;

    // Act
    const tables = resources('AWS::Glue::Table').map((t) => t.Properties['TableInput'] as TableInput);

    // Assess
    for (const t of tables) {
      const { 'storage.location.template': template, ...projection } = t.Parameters;
      expect(projection).toEqual({
        classification: 'parquet',
        EXTERNAL: 'TRUE',
        'projection.enabled': 'true',
        'projection.dt.type': 'date',
        'projection.dt.format': 'yyyy-MM-dd',
        'projection.dt.range': '2026-01-01,NOW',
        'projection.dt.interval': '1',
        'projection.dt.interval.unit': 'DAYS',
        'projection.pipeline.type': 'injected',
      });
      expect(text(stack, template)).toBe(
        `s3://«artifacts»/results/${t.Name}/dt=\${dt}/pipeline=\${pipeline}/`,
      );
      expect(text(stack, t.StorageDescriptor.Location)).toBe(`s3://«artifacts»/results/${t.Name}/`);
    }
  });

  it('gives Athena a workgroup that enforces encrypted results under athena-results/ and bounds a query', () => {
    // Arrange
    const { resources, stack } = synthesized;

    // Act
    const [workGroup] = resources('AWS::Athena::WorkGroup');

    // Assess
    const config = workGroup!.Properties['WorkGroupConfiguration'] as Record<string, unknown> & {
      ResultConfiguration: { OutputLocation: unknown; EncryptionConfiguration: unknown };
    };
    expect(workGroup!.Properties['Name']).toBe('prt-dev-results');
    expect(config).toMatchObject({
      EnforceWorkGroupConfiguration: true,
      PublishCloudWatchMetricsEnabled: true,
      BytesScannedCutoffPerQuery: 10 * 1024 ** 3,
      EngineVersion: { SelectedEngineVersion: 'Athena engine version 3' },
    });
    expect(config.ResultConfiguration.EncryptionConfiguration).toEqual({ EncryptionOption: 'SSE_S3' });
    expect(text(stack, config.ResultConfiguration.OutputLocation)).toBe('s3://«artifacts»/athena-results/');
  });

  it('lets the validate function write under results/ only, and tells it where', () => {
    // Arrange
    const { stack, resourceOf } = synthesized;
    const validate = stack.functions.byName.validate;

    // Act
    const policy = JSON.stringify(
      resourceOf((validate.role as Role).node.findChild('DefaultPolicy')).Properties,
    );
    const environment = JSON.stringify(resourceOf(validate).Properties['Environment']);

    // Assess
    expect(environment).toContain('"PRT_RESULTS_PREFIX":"results/"');
    expect(policy).toContain('/results/*');
    expect(policy).not.toContain('/athena-results/*');
  });

  it('grants a query role the workgroup, the database and its tables, and the two prefixes, nothing wider', () => {
    // Arrange
    const { stack, resourceOf } = synthesized;
    const analyst = stack.node.findChild('Analyst') as Role;

    // Act
    const statements = (
      resourceOf(analyst.node.findChild('DefaultPolicy')).Properties['PolicyDocument'] as {
        Statement: { Action: string | string[]; Resource: unknown }[];
      }
    ).Statement;

    // Assess
    const resources = JSON.stringify(statements.map((s) => s.Resource));
    expect(resources).not.toMatch(/"\*"/);
    expect(resources).toContain(':workgroup/prt-dev-results');
    expect(resources).toContain(':table/prt_dev_results/rule_results');
    expect(resources).toContain('/results/*');
    expect(resources).toContain('/athena-results/*');
    const actions = statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    expect(actions).toContain('athena:StartQueryExecution');
    expect(actions).not.toContain('s3:DeleteObject');
    expect(actions.filter((a) => a.startsWith('glue:'))).toEqual([
      'glue:GetDatabase',
      'glue:GetTable',
      'glue:GetTables',
    ]);
  });
});

describe('results dataset (an environment with its own key)', () => {
  it('encrypts query results with the environment key', () => {
    // Arrange
    const { resources } = synth('prod');

    // Act
    const [workGroup] = resources('AWS::Athena::WorkGroup');

    // Assess
    const config = workGroup!.Properties['WorkGroupConfiguration'] as {
      ResultConfiguration: { EncryptionConfiguration: { EncryptionOption: string; KmsKey: unknown } };
    };
    expect(config.ResultConfiguration.EncryptionConfiguration.EncryptionOption).toBe('SSE_KMS');
    expect(JSON.stringify(config.ResultConfiguration.EncryptionConfiguration.KmsKey)).toContain('DataKey');
  });
});
