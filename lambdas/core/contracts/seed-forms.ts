/**
 * The forms the design notes write rules and generation hints in, recognised so that a contract
 * copied from them fails with the exact translation into the contract's own form, rather than
 * with "unknown keys". They are not loaded as aliases: a rule whose meaning is guessed could check
 * something other than what its author meant, and a contract has one way to say each thing.
 *
 * - A rule `{ rule_id, name, rule_type, column, parameters, severity }` (validation_rules).
 * - Generation hints on the column itself: `{ name, type, distribution, mean, std }`
 *   (synthetic_data.tabular.schema), which the contract keeps under `generate:`.
 */
import { VALUE_FORMATS } from './contract-schema';

type PathPart = string | number;

export interface SeedFormProblem {
  readonly path: readonly PathPart[];
  readonly message: string;
}

const RULE_KEYS = ['rule_id', 'rule_type', 'column', 'parameters'];
const HINT_KEYS = ['distribution', 'mean', 'std', 'mu', 'sigma', 'lambda', 'min_value', 'max_value'];

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as YAML flow text: plain when it is a simple token, quoted otherwise. */
function flow(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flow).join(', ')}]`;
  if (typeof value === 'string')
    return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(value) ? value : JSON.stringify(value);
  return String(value);
}

function flowMap(entries: readonly (readonly [string, unknown])[]): string {
  return `{ ${entries
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}: ${flow(v)}`)
    .join(', ')} }`;
}

/** The contract's condition (and value) for a rule_type and its parameters; undefined when none fits. */
function conditionOf(
  ruleType: string,
  parameters: Record<string, unknown>,
): { condition: string; value?: unknown } | undefined {
  const type = ruleType.toLowerCase();
  if (type === 'not_null' || type === 'required') return { condition: 'not_null' };
  if (type === 'unique') return { condition: 'unique' };
  if ((VALUE_FORMATS as readonly string[]).includes(type)) return { condition: 'format', value: type };
  if (type === 'range') {
    const { min, max } = parameters;
    if (min !== undefined && max !== undefined) return { condition: 'between', value: [min, max] };
    if (min !== undefined) return { condition: 'greater_or_equal', value: min };
    if (max !== undefined) return { condition: 'less_or_equal', value: max };
    return undefined;
  }
  if (type === 'regex' || type === 'pattern') {
    const pattern = parameters['pattern'] ?? parameters['regex'];
    return pattern === undefined ? undefined : { condition: 'matches', value: pattern };
  }
  if (type === 'in_set' || type === 'allowed_values' || type === 'enum') {
    const values = parameters['values'] ?? parameters['allowed'];
    return values === undefined ? undefined : { condition: 'in_set', value: values };
  }
  return undefined;
}

function ruleProblem(rule: Record<string, unknown>, i: number): SeedFormProblem | undefined {
  if (!RULE_KEYS.some((k) => k in rule)) return undefined;
  const path = ['quality', i];
  const parameters = isRecord(rule['parameters']) ? rule['parameters'] : {};
  const ruleType = typeof rule['rule_type'] === 'string' ? rule['rule_type'] : undefined;
  const translated = ruleType === undefined ? undefined : conditionOf(ruleType, parameters);
  const form = 'is written in the design notes\u2019 rule form (rule_id, rule_type, column)';
  if (!translated) {
    return {
      path,
      message: `${form}; ${ruleType === undefined ? 'it has no rule_type' : `rule_type '${ruleType}' has no direct translation`}: write it with a condition (not_null, unique, between, greater_or_equal, less_or_equal, format, matches, in_set, ...; see the README's quality rules)`,
    };
  }
  const severity =
    rule['severity'] === 'warning' || rule['severity'] === 'warn'
      ? 'warn'
      : rule['severity'] === 'error'
        ? 'error'
        : undefined;
  const name = rule['rule_id'] ?? rule['name'];
  const description = rule['rule_id'] !== undefined ? rule['name'] : undefined;
  const text = flowMap([
    ['name', name],
    ['field', rule['column'] ?? rule['field']],
    ['condition', translated.condition],
    ['value', translated.value],
    ['severity', severity],
    ['description', description],
  ]);
  return { path, message: `${form}; in a contract it reads: ${text}` };
}

function columnProblem(column: Record<string, unknown>, i: number): SeedFormProblem | undefined {
  const hints = HINT_KEYS.filter((k) => k in column);
  if (hints.length === 0) return undefined;
  const text = flowMap(hints.map((k) => [k, column[k]] as const));
  return {
    path: ['schema', i, hints[0]!],
    message: `generation hints (${hints.join(', ')}) belong under generate: on the column; write generate: ${text}`,
  };
}

/** The first rule or column written in a design-note form, with its translation; undefined if none. */
export function seedFormProblem(raw: unknown): SeedFormProblem | undefined {
  if (!isRecord(raw)) return undefined;
  const quality = Array.isArray(raw['quality']) ? raw['quality'] : [];
  for (let i = 0; i < quality.length; i++) {
    const rule: unknown = quality[i];
    const problem = isRecord(rule) ? ruleProblem(rule, i) : undefined;
    if (problem) return problem;
  }
  const schema = Array.isArray(raw['schema']) ? raw['schema'] : [];
  for (let i = 0; i < schema.length; i++) {
    const column: unknown = schema[i];
    const problem = isRecord(column) ? columnProblem(column, i) : undefined;
    if (problem) return problem;
  }
  return undefined;
}
