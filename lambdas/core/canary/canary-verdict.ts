/**
 * Judges a canary run: reads what the registry recorded for every generated output and compares
 * status and failed-rule set with what the plan expected. A case whose output was never registered
 * or is still pending when the polls run out is a difference too (the arrival rule or the workflow
 * did not do its part), so a verdict passes only when every case was tested and judged as expected.
 */
import { InvalidInputError } from '../errors';
import { isConsumerRule } from '../validation/consumer-edges';
import type { OutputRegistry } from '../registry/output-registry';
import type { CanaryCase, CanaryExpectation, UncoveredRule } from './canary-plan';

/** What the generator wrote for a case (the generate function's result, one object per case). */
export interface GeneratedCase {
  readonly uri: string;
  readonly versionId: string | null;
}

export interface CanaryObservation {
  readonly id: string;
  readonly uri: string;
  /** The registry status, or `unregistered` when the arrival has not been registered (yet). */
  readonly status: string;
  readonly failedRules: readonly string[];
  /** Why the status is what it is, when the registry says (an error's reason, the summary). */
  readonly detail?: string;
}

export interface CanaryDifference {
  readonly case: string;
  readonly output: string;
  readonly violate: readonly string[];
  readonly uri: string;
  readonly expected: CanaryExpectation;
  readonly actual: { readonly status: string; readonly failedRules: readonly string[] };
  /** One line a person reads in the alert. */
  readonly message: string;
}

export interface CanaryVerdict {
  readonly runId: string;
  readonly passed: boolean;
  readonly cases: number;
  readonly differences: readonly CanaryDifference[];
  readonly uncovered: readonly UncoveredRule[];
}

const UNSETTLED = new Set(['pending', 'unregistered']);

/** Pairs each case with its generated object; the lists come from two states and must agree. */
export function pairCases(
  cases: readonly CanaryCase[],
  generated: readonly GeneratedCase[],
): { readonly case: CanaryCase; readonly object: GeneratedCase }[] {
  if (cases.length !== generated.length)
    throw new InvalidInputError(`${cases.length} canary cases but ${generated.length} generated objects`);
  return cases.map((c, i) => ({ case: c, object: generated[i]! }));
}

/** The registry's view of every case, read by object version. */
export async function observeCanary(
  cases: readonly CanaryCase[],
  generated: readonly GeneratedCase[],
  registry: Pick<OutputRegistry, 'find'>,
): Promise<CanaryObservation[]> {
  const pairs = pairCases(cases, generated);
  return Promise.all(
    pairs.map(async ({ case: c, object }) => {
      const entry = await registry.find(object.uri, object.versionId ?? undefined);
      if (!entry) return { id: c.id, uri: object.uri, status: 'unregistered', failedRules: [] };
      const detail = entry.failureReason ?? entry.summary;
      return {
        id: c.id,
        uri: object.uri,
        status: entry.status,
        // A consumer's edge grade follows from the broken rule (nulls a reader cannot take); the
        // canary judges the contract's own rules, which is what it generated data to break.
        failedRules: [...(entry.failedRules ?? [])].filter((r) => !isConsumerRule(r)).sort(),
        ...(detail !== undefined ? { detail } : {}),
      };
    }),
  );
}

/** Every case has left pending: its output-testing execution is over. */
export function canarySettled(observations: readonly CanaryObservation[]): boolean {
  return observations.every((o) => !UNSETTLED.has(o.status));
}

function sameRules(a: readonly string[], b: readonly string[]): boolean {
  const x = [...a].sort();
  const y = [...b].sort();
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/**
 * The registry records failed rules only for a failed version; a warned one keeps the validation
 * summary, which names each warning rule. So a warned case is judged by its summary naming exactly
 * the expected rules among its warnings, and any other case by the recorded set.
 */
function rulesAgree(
  expected: CanaryExpectation,
  recorded: readonly string[],
  summary: string | undefined,
): boolean {
  if (expected.status !== 'warned' || recorded.length > 0) return sameRules(recorded, expected.failedRules);
  return (
    summary !== undefined &&
    expected.failedRules.every((r) => new RegExp(`(^|[;:\\s])${escapeRegExp(r)} `).test(summary))
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function compareCanary(
  runId: string,
  cases: readonly CanaryCase[],
  observations: readonly CanaryObservation[],
  uncovered: readonly UncoveredRule[],
): CanaryVerdict {
  const byId = new Map(observations.map((o) => [o.id, o]));
  const differences: CanaryDifference[] = [];
  for (const c of cases) {
    const seen = byId.get(c.id);
    const actual = seen
      ? { status: seen.status, failedRules: seen.failedRules }
      : { status: 'unobserved', failedRules: [] };
    if (actual.status === c.expected.status && rulesAgree(c.expected, actual.failedRules, seen?.detail))
      continue;
    const what =
      c.violate.length === 0 ? 'the passing output' : `the output violating ${c.violate.join(', ')}`;
    const got = `${actual.status}${actual.failedRules.length ? ` (${actual.failedRules.join(', ')})` : ''}`;
    const want = `${c.expected.status}${c.expected.failedRules.length ? ` (${c.expected.failedRules.join(', ')})` : ''}`;
    differences.push({
      case: c.id,
      output: c.output,
      violate: c.violate,
      uri: seen?.uri ?? '',
      expected: c.expected,
      actual,
      message: `${c.output}: ${what} was ${got}, expected ${want}${seen?.detail ? `: ${seen.detail}` : ''}`,
    });
  }
  return {
    runId,
    passed: differences.length === 0 && cases.length > 0,
    cases: cases.length,
    differences,
    uncovered,
  };
}
