/**
 * One line of text for a rule's condition ("between 1 and 100", "not null", "matches [A-Z]+").
 * Reports are read back from JSON written by any version of the engine, so the condition is taken
 * as unknown data: kinds this version does not know are shown by name with their parameters
 * instead of failing the whole report.
 */
import { displayText, formatNumber } from './format-numbers';

const COMPARISONS: Readonly<Record<string, string>> = {
  greater_than: '>',
  greater_or_equal: '≥',
  less_than: '<',
  less_or_equal: '≤',
};

function text(value: unknown): string {
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(text).join(', ')}]`;
  if (value === null || value === undefined) return '–';
  return displayText(value);
}

/** Describes a rule condition (the report's `condition`) and, for constraints, the constraint name. */
export function describeCondition(condition: unknown, constraint?: string): string {
  if (typeof condition !== 'object' || condition === null) return constraint ?? '';
  const c = condition as Readonly<Record<string, unknown>>;
  const kind = typeof c['kind'] === 'string' ? c['kind'] : '';
  const comparison = COMPARISONS[kind];
  if (comparison !== undefined) return `${comparison} ${text(c['value'])}`;
  switch (kind) {
    case 'not_null':
      return 'not null';
    case 'between':
    case 'length_between':
    case 'mean_between':
    case 'stddev_between':
      return `${kind === 'between' ? '' : `${kind.slice(0, -'_between'.length)} `}between ${text(c['min'])} and ${text(c['max'])}`;
    case 'quantile_between':
      return `p${text(Number(c['quantile']) * 100)} between ${text(c['min'])} and ${text(c['max'])}`;
    case 'matches':
      return `matches ${text(c['pattern'])}`;
    case 'in_set':
      return `in ${text(c['values'])}`;
    case 'format':
      return `is ${text(c['format'])}`;
    case 'unique':
      return Array.isArray(c['fields']) && c['fields'].length > 1
        ? `unique (${text(c['fields'])})`
        : 'unique';
    case 'expression':
      return text(c['expression']);
    case 'max_age':
      return `newest within ${text(c['text'] ?? c['seconds'])}`;
    case 'ks_test':
      return `KS statistic ≤ ${text(c['maxStatistic'])} vs ${text(c['reference'])}`;
    case 'exists_in':
      return `exists in ${text(c['output'])}.${text(c['field'])}`;
    default: {
      const params = Object.entries(c)
        .filter(([k]) => k !== 'kind')
        .map(([k, v]) => `${k}=${text(v)}`);
      return [kind.replace(/_/g, ' '), ...params].join(' ').trim() || (constraint ?? '');
    }
  }
}
