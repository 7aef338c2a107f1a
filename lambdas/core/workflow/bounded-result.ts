/**
 * What a step returns travels on in bounded places: the Step Functions state (256 KiB for the whole
 * execution input/output), the registry item (400 KB), the SNS alert (256 KiB) and the EventBridge
 * event (256 KiB). Text that comes from data or contracts (a 300 KB column name in a summary, a
 * thousand failed rules) must not push any of them past its limit and turn a verdict into a crash.
 * The report object in S3 keeps the full text; these limits apply only to what leaves the function.
 */
import type { RuleResult } from '../validation/validation-report';
import type { RuleTally, ValidateResult } from './workflow-types';

export const RESULT_LIMITS = {
  /** Characters of a summary line (the registry's `summary`, the alert's). */
  summaryChars: 2_000,
  /** Rule names listed in `failedRules` (the registry's string set, the metric dimensions). */
  failedRules: 100,
  /** Characters of one rule name. */
  ruleNameChars: 256,
} as const;

/** `text` cut to `max` characters, saying where the rest is. */
export function boundText(text: string, max: number, rest = 'the report has the full text'): string {
  if (text.length <= max) return text;
  const note = ` … (${text.length - max} more characters; ${rest})`;
  return `${text.slice(0, Math.max(0, max - note.length))}${note}`;
}

export function boundResult(result: ValidateResult): ValidateResult {
  const names = result.failedRules.map((r) => boundText(r, RESULT_LIMITS.ruleNameChars));
  const listed = names.slice(0, RESULT_LIMITS.failedRules);
  const more = names.length - listed.length;
  return {
    ...result,
    failedRules: more > 0 ? [...listed, `… ${more} more (see the report)`] : listed,
    summary: boundText(result.summary, RESULT_LIMITS.summaryChars),
  };
}

/**
 * The report's rules counted for the quality score: a number pair, whatever the number of rules, so
 * it adds nothing unbounded to the result.
 */
export function ruleTally(rules: readonly Pick<RuleResult, 'outcome'>[]): RuleTally {
  return { checked: rules.length, passed: rules.filter((r) => r.outcome === 'pass').length };
}
