/**
 * `convert_to` on one object validated in ranges (decision 0012), in the output-testing ASL:
 * RouteConversion sends it to PlanConversion, the ConvertRanges Distributed Map and
 * AssembleConversion when it converts to Parquet, CSV or JSON Lines, and to the one-pass Convert
 * otherwise. Each new task fails as Convert does (same Retry, Catch to ClassifyError), calls the
 * convert function in its own mode, and AssembleConversion leaves what Convert leaves in
 * $.conversion. Routing is checked by evaluating RouteConversion's Choice rules on each state.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/config/project-paths';
import { OUTPUT_TESTING_ASL } from '../../lib/config/workflow-definition';

interface Rule {
  readonly Variable?: string;
  readonly And?: readonly Rule[];
  readonly Or?: readonly Rule[];
  readonly IsPresent?: boolean;
  readonly IsString?: boolean;
  readonly BooleanEquals?: boolean;
  readonly StringEquals?: string;
  readonly Next?: string;
}

interface State {
  readonly Type: string;
  readonly Next?: string;
  readonly Default?: string;
  readonly Choices?: readonly Rule[];
  readonly Parameters?: { readonly FunctionName?: string; readonly Payload?: Record<string, unknown> };
  readonly ResultSelector?: Record<string, unknown>;
  readonly ResultPath?: string | null;
  readonly Retry?: unknown;
  readonly Catch?: unknown;
  readonly TimeoutSeconds?: number;
  readonly [field: string]: unknown;
}

function states(): Record<string, State> {
  return (
    JSON.parse(readFileSync(projectPath(OUTPUT_TESTING_ASL), 'utf8')) as { States: Record<string, State> }
  ).States;
}

/** `$.a.b` of a state, or undefined when a step of the path is missing. */
function at(input: unknown, path: string): unknown {
  let v: unknown = input;
  for (const step of path
    .replace(/^\$\.?/, '')
    .split('.')
    .filter(Boolean)) {
    if (v === null || typeof v !== 'object' || !(step in v)) return undefined;
    v = (v as Record<string, unknown>)[step];
  }
  return v;
}

/** One Choice rule as Step Functions evaluates it: a comparison on a missing path is States.Runtime. */
function matches(rule: Rule, input: unknown): boolean {
  if (rule.And) return rule.And.every((r) => matches(r, input));
  if (rule.Or) return rule.Or.some((r) => matches(r, input));
  const value = at(input, rule.Variable!);
  if (rule.IsPresent !== undefined) return (value !== undefined) === rule.IsPresent;
  if (value === undefined) throw new Error(`States.Runtime: ${rule.Variable} is not in the input`);
  if (rule.IsString !== undefined) return (typeof value === 'string') === rule.IsString;
  if (rule.BooleanEquals !== undefined) return value === rule.BooleanEquals;
  if (rule.StringEquals !== undefined) return value === rule.StringEquals;
  throw new Error(`no evaluator for ${JSON.stringify(rule)}`);
}

function route(choice: State, input: unknown): string {
  return choice.Choices!.find((r) => matches(r, input))?.Next ?? choice.Default!;
}

/** The state an object validated in ranges reaches RouteConversion with (SplitSettings, PlanParts, MergeParts). */
function rangedObject(convertTo: string | null) {
  return {
    registration: { output: { convertTo } },
    partitions: { maxConcurrency: 10, toleratedFailurePercentage: 0, splitAboveBytes: 4096, ranges: true },
    manifest: { kind: 'ranges', bucket: 'artifacts', key: 'manifests/x.json', parts: 12 },
    validation: { status: 'passed', conversion: { converted: false } },
  };
}

const RANGED_TASKS = ['PlanConversion', 'AssembleConversion'] as const;

describe('convert_to on one object validated in ranges, in the output-testing ASL', () => {
  it('Compliance: Parquet, CSV and JSON Lines go to PlanConversion; a JSON array and Arrow stay on Convert', () => {
    // Arrange
    const choice = states()['RouteConversion']!;

    // Act
    const routes = ['parquet', 'csv', 'jsonl', 'json', 'arrow'].map((to) => route(choice, rangedObject(to)));

    // Assess
    expect(routes).toEqual(['PlanConversion', 'PlanConversion', 'PlanConversion', 'Convert', 'Convert']);
  });

  it('Compliance: one object validated in one invocation, and no conversion at all, keep their routes', () => {
    // Arrange
    const choice = states()['RouteConversion']!;
    const whole = { registration: { output: { convertTo: 'parquet' } }, partitions: { ranges: true } };
    const folder = {
      registration: { output: { convertTo: 'parquet' } },
      partitions: { maxConcurrency: 10, toleratedFailurePercentage: 0 },
      manifest: { kind: 'parts' },
      validation: { status: 'passed', conversion: { converted: false } },
    };

    // Act
    const routes = [whole, folder, rangedObject(null)].map((input) => route(choice, input));

    // Assess
    expect(routes).toEqual(['Convert', 'Convert', 'SkipConversion']);
  });

  it('chains PlanConversion, ConvertRanges and AssembleConversion into Lineage, as Convert does', () => {
    // Arrange
    const all = states();

    // Assess
    expect(all['PlanConversion']).toMatchObject({ Type: 'Task', Next: 'ConvertRanges' });
    expect(all['ConvertRanges']).toMatchObject({ Type: 'Map', Next: 'AssembleConversion' });
    expect(all['AssembleConversion']).toMatchObject({ Type: 'Task', Next: all['Convert']!.Next });
    expect(all['Convert']!.Next).toBe('Lineage');
  });

  it.each(RANGED_TASKS)('%s retries, catches and times out as Convert does', (name) => {
    // Arrange
    const all = states();
    const convert = all['Convert']!;

    // Assess
    expect(all[name]!.Retry).toEqual(convert.Retry);
    expect(all[name]!.Catch).toEqual(convert.Catch);
    expect(all[name]!.TimeoutSeconds).toBe(convert.TimeoutSeconds);
    expect(all[name]!.Parameters?.FunctionName).toBe(convert.Parameters?.FunctionName);
  });

  it('calls the convert function in its modes, with the manifest each step reads', () => {
    // Arrange
    const all = states();
    const child = (all['ConvertRanges']!['ItemProcessor'] as { States: Record<string, State> }).States[
      'ConvertRange'
    ]!;

    // Assess
    expect(all['PlanConversion']!.Parameters?.Payload).toMatchObject({
      mode: 'plan-ranges',
      'manifest.$': '$.manifest',
    });
    expect(all['PlanConversion']!.ResultPath).toBe('$.conversionManifest');
    expect(child.Parameters?.Payload).toMatchObject({
      mode: 'range',
      'part.$': '$.part',
      'object.$': '$.object',
    });
    expect(child.Parameters?.FunctionName).toBe(all['Convert']!.Parameters?.FunctionName);
    expect(child.Retry).toEqual(all['Convert']!.Retry);
    expect(all['AssembleConversion']!.Parameters?.Payload).toMatchObject({
      mode: 'assemble-ranges',
      'manifest.$': '$.conversionManifest',
    });
  });

  it('maps over the conversion manifest as ValidateParts maps over the ranges, tolerating no failed range', () => {
    // Arrange
    const all = states();
    const map = all['ConvertRanges']!;
    const validate = all['ValidateParts']!;

    // Assess
    expect(map['ItemReader']).toEqual({
      Resource: 'arn:aws:states:::s3:getObject',
      ReaderConfig: { InputType: 'JSON' },
      Parameters: { Bucket: '${ArtifactsBucketName}', 'Key.$': '$.conversionManifest.key' },
    });
    expect(map['ItemProcessor']).toMatchObject({
      ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'EXPRESS' },
    });
    expect(map['MaxConcurrencyPath']).toBe(validate['MaxConcurrencyPath']);
    expect(map['ToleratedFailurePercentage']).toBe(0);
    expect(map['ResultWriter']).toEqual(validate['ResultWriter']);
    expect(map['ResultPath']).toBeNull();
    expect(map['Catch']).toEqual(all['Convert']!.Catch);
  });

  it("AssembleConversion leaves in $.conversion exactly what Convert's result holds", () => {
    // Arrange
    const all = states();

    // Assess
    expect(all['AssembleConversion']!.ResultSelector).toEqual(all['Convert']!.ResultSelector);
    expect(all['AssembleConversion']!.ResultPath).toBe('$.conversion');
  });
});
