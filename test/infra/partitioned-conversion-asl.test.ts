/**
 * `convert_to` on a partitioned output in the output-testing ASL: the map's children convert the
 * parts, MergeParts hands the published folder on as `conversion`, and RouteConversion adopts it
 * instead of calling Convert; one object (and one object split into ranges) still goes to Convert.
 * The routing is checked by evaluating RouteConversion's Choice rules on the state each path leaves.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { projectPath } from '../../lib/config/project-paths';
import { OUTPUT_TESTING_ASL } from '../../lib/config/workflow-definition';

interface Rule {
  readonly Variable?: string;
  readonly And?: readonly Rule[];
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
  readonly InputPath?: string;
  readonly ResultPath?: string | null;
  readonly ResultSelector?: Record<string, string>;
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

/**
 * One Choice rule as Step Functions evaluates it; a comparison on a missing path is a runtime
 * error there (States.Runtime), so it throws here too. And stops at the first false rule.
 */
function matches(rule: Rule, input: unknown): boolean {
  if (rule.And) return rule.And.every((r) => matches(r, input));
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

const PARQUET_OUTPUT = { registration: { output: { convertTo: 'parquet' } } };

describe('convert_to on partitioned outputs in the output-testing ASL', () => {
  it('MergeParts hands on the conversion the merge returns, under $.validation', () => {
    // Arrange
    const merge = states()['MergeParts']!;

    // Assess
    expect(merge.ResultSelector).toMatchObject({ 'conversion.$': '$.Payload.conversion' });
    expect(merge.ResultPath).toBe('$.validation');
  });

  it('Compliance: a folder the merge converted is adopted, not converted again', () => {
    // Arrange
    const all = states();
    const input = { ...PARQUET_OUTPUT, validation: { status: 'passed', conversion: { converted: true } } };

    // Act
    const next = route(all['RouteConversion']!, input);

    // Assess
    expect(next).toBe('AdoptPartsConversion');
    expect(all['AdoptPartsConversion']).toMatchObject({
      Type: 'Pass',
      InputPath: '$.validation.conversion',
      ResultPath: '$.conversion',
      Next: 'Lineage',
    });
  });

  it('Compliance: one object (no conversion from a merge) and one object in ranges still go to Convert', () => {
    // Arrange
    const choice = states()['RouteConversion']!;
    const single = { ...PARQUET_OUTPUT, validation: { status: 'passed' } };
    const ranges = { ...PARQUET_OUTPUT, validation: { status: 'passed', conversion: { converted: false } } };
    const none = { registration: { output: { convertTo: null } }, validation: { status: 'passed' } };

    // Act
    const routes = [single, ranges, none].map((input) => route(choice, input));

    // Assess
    expect(routes).toEqual(['Convert', 'Convert', 'SkipConversion']);
  });

  it('Noncompliance 1: without its IsPresent guard, one object would stop the execution with a runtime error', () => {
    // Arrange
    const choice = states()['RouteConversion']!;
    const unguarded: State = {
      ...choice,
      Choices: [
        { Variable: '$.validation.conversion.converted', BooleanEquals: true, Next: 'AdoptPartsConversion' },
        ...choice.Choices!.slice(1),
      ],
    };

    // Act
    const routing = () => route(unguarded, { ...PARQUET_OUTPUT, validation: { status: 'passed' } });

    // Assess
    expect(routing).toThrow('States.Runtime');
  });
});
