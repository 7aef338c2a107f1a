/**
 * Terms shared by the ODCS import and export: the version written, the custom properties that
 * carry what ODCS has no field for, and how a prt pass threshold reads as an ODCS metric bound.
 * ODCS library metrics count failing rows (`nullValues`, `invalidValues`...) and compare the count,
 * in rows or percent of rows, with a `mustBe…` operator; a prt rule states the fraction of rows
 * that must pass. Both say the same thing when failures are at most a share of the rows.
 */
import type { RuleType } from '../output-contract';

/** The ODCS version prt writes (schema/odcs-json-schema-v3.1.0.json of bitol-io). */
export const ODCS_API_VERSION = 'v3.1.0';

/** Root custom property: the prt contract keys ODCS has no field for (file form, snake_case). */
export const PRT_CONTRACT_PROPERTY = 'prtContract';
/** Property custom property: the prt column keys ODCS has no field for (file form). */
export const PRT_COLUMN_PROPERTY = 'prtColumn';
/** Quality custom property naming the column key a check stands for (`allowed`). */
export const PRT_COLUMN_KEY_PROPERTY = 'prtColumnKey';
/** Quality custom property carrying a rule's `on_unevaluated`. */
export const PRT_ON_UNEVALUATED_PROPERTY = 'prtOnUnevaluated';
/** The engine name of prt checks that ODCS has no library metric for. */
export const PRT_ENGINE = 'prt';

/** The largest length bound, standing for "no upper bound" (ODCS `minLength` alone). */
export const UNBOUNDED_LENGTH = Number.MAX_SAFE_INTEGER;

/** True for a document prt reads as ODCS: `kind: DataContract` and an `apiVersion` of v3. */
export function isOdcsDocument(raw: unknown): raw is Record<string, unknown> {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  const { kind, apiVersion } = raw as { kind?: unknown; apiVersion?: unknown };
  return kind === 'DataContract' && typeof apiVersion === 'string' && /^v3(\.|$)/.test(apiVersion);
}

/**
 * A share or percent of rows rounded to 12 decimals: (1 - 0.95) * 100 is 5.000000000000004 in
 * binary floating point, and a threshold must come back from the percent exactly as written
 * (decimals, not significant digits, so that 0.000001 survives 1 - 99.9999 / 100 too).
 */
export function roundShare(value: number): number {
  return Number(value.toFixed(12));
}

/** The failing-row bound of a prt threshold: none may fail, or at most (1 - t) of them in percent. */
export function failureBound(threshold: number): Record<string, unknown> {
  return threshold === 1
    ? { mustBe: 0, unit: 'rows' }
    : { mustBeLessOrEqualTo: roundShare((1 - threshold) * 100), unit: 'percent' };
}

/** ODCS `dimension` of a prt rule family; distribution and referential have none. */
export const DIMENSION_OF: Readonly<Partial<Record<RuleType, string>>> = {
  completeness: 'completeness',
  accuracy: 'accuracy',
  validity: 'conformity',
  uniqueness: 'uniqueness',
  consistency: 'consistency',
  timeliness: 'timeliness',
};

/** A place in a document, as a key path: `['schema', 0, 'properties', 2]`. */
export type DocumentPath = readonly (string | number)[];

export function documentPathText(path: DocumentPath): string {
  return (
    path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : acc ? `${acc}.${p}` : p), '') ||
    '(root)'
  );
}
